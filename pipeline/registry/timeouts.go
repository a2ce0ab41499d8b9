package registry

import (
	"errors"
	"time"
)

// Timeouts bound how long the client waits for a registry, so that one
// which accepts connections and then says nothing (a black hole, a
// stalled proxy, a /v2/ ping that hangs) or answers a byte at a time fails
// the run with an error naming it, instead of hanging it.
type Timeouts struct {
	// Attempt bounds one HTTP request. A request that moves no blob (the
	// /v2/ ping, a token exchange, a manifest, a page of tags) must be
	// answered in full within it. A blob upload or download may take
	// longer, but may not go this long without moving a byte either way.
	// A request that times out is retried under the RetryPolicy, as a
	// reset connection is.
	Attempt time.Duration
	// Call bounds one client call (Resolve, Inspect, Tags, Push, Tag, or
	// a Read and what is read from its result later): every attempt,
	// redirect and wait between retries included. Raise it to push very
	// large images over a slow link.
	Call time.Duration
}

// DefaultTimeouts is what New uses without WithTimeouts: 30 seconds per
// attempt and 15 minutes per call.
func DefaultTimeouts() Timeouts {
	return Timeouts{Attempt: 30 * time.Second, Call: 15 * time.Minute}
}

func (t Timeouts) validate() error {
	switch {
	case t.Attempt <= 0 || t.Call <= 0:
		return errors.New("timeouts: Attempt and Call must both be positive")
	case t.Call < t.Attempt:
		return errors.New("timeouts: Call must be at least Attempt")
	}
	return nil
}
