// Package wait pauses for a while, or until a context is done, whichever
// comes first: the registry client between retries, and the read-backs of
// attestation lists and tags, which pause at random so that writers that
// started together do not read in step.
package wait

import (
	"context"
	"math/rand/v2"
	"time"
)

// For waits d, or until ctx is done, and then returns ctx.Err() in the
// second case. A d of zero or less returns at once.
func For(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Between waits a random time from lo to hi, both included, as For does.
func Between(ctx context.Context, lo, hi time.Duration) error {
	if hi <= lo {
		return For(ctx, lo)
	}
	return For(ctx, lo+time.Duration(rand.Int64N(int64(hi-lo)+1)))
}
