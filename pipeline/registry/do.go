package registry

import (
	"context"
	"fmt"
)

// Do runs op under the client's retry policy. op is a write made with
// go-containerregistry's remote package, using options from RemoteOptions
// and the context Do passes it (remote.WithContext(ctx) last): an upload of
// blobs and a manifest, such as an attestation artifact.
//
// Requests that can be sent again as they are (GET, HEAD, a manifest PUT)
// are retried one by one below op, as for every client call. A blob upload
// cannot be replayed mid-stream; when one fails for a reason that may pass
// (5xx, 429, a reset), Do waits what the registry asked in Retry-After, or
// the policy's backoff, and runs op again from the start: go-containerregistry
// checks every blob with a HEAD first and skips the ones that arrived. The
// whole of op shares one wait budget (RetryPolicy.MaxWait) and is started
// at most RetryPolicy.MaxAttempts times.
//
// op's error is returned as it is when it was not caused by a failure that
// may pass, or when the policy gives up.
func (c *Client) Do(ctx context.Context, op func(ctx context.Context) error) error {
	ctx, call := c.begin(ctx)
	return c.restarting(ctx, call, op)
}

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
