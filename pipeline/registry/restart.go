package registry

import (
	"context"
	"fmt"
)

// restarting runs op and starts it over while a request that cannot be
// replayed failed for a reason that may pass, within the policy.
func (c *Client) restarting(ctx context.Context, call *callState, op func(ctx context.Context) error) error {
	for attempt := 1; ; attempt++ {
		err := op(ctx)
		if err == nil {
			return nil
		}
		if !c.restart(ctx, call, attempt) {
			return err
		}
	}
}

// restart decides whether a failed attempt of an operation is started
// over, and waits before it does: the registry's Retry-After if an upload
// request got one, the policy's backoff otherwise.
func (c *Client) restart(ctx context.Context, call *callState, attempt int) bool {
	restart, wait, asked := call.takeRestart()
	if !restart || ctx.Err() != nil {
		return false
	}
	if attempt >= c.retry.MaxAttempts {
		call.giveUp(attempt, fmt.Sprintf("upload started %d times", attempt))
		return false
	}
	if !asked {
		wait = c.retry.backoff(attempt)
	}
	if ok, why := call.reserve(wait, c.retry.MaxWait); !ok {
		call.giveUp(attempt, why)
		return false
	}
	return c.sleep(ctx, wait) == nil
}
