package registry

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// callState is shared by every request of one client call, through the
// request context: the wait budget and the deadline are per call, and a
// request that could not be replayed leaves a note for the push loop that
// starts it over.
type callState struct {
	mu sync.Mutex

	waited   time.Duration
	deadline time.Time     // zero: none
	limit    time.Duration // the call deadline as configured, for messages
	timeout  *timeoutError

	exhausted bool
	attempts  int
	reason    string

	restart     bool
	restartWait time.Duration // the longest Retry-After among the notes, if any asked
	restartAsk  bool
}

type callKey struct{}

// withCall attaches a fresh callState to ctx, whose deadline is limit from
// now.
func withCall(ctx context.Context, limit time.Duration) (context.Context, *callState) {
	s := &callState{deadline: time.Now().Add(limit), limit: limit}
	return context.WithValue(ctx, callKey{}, s), s
}

// callFrom returns the callState of ctx, or a fresh one for a request made
// outside a client call.
func callFrom(ctx context.Context) *callState {
	if s, ok := ctx.Value(callKey{}).(*callState); ok {
		return s
	}
	return &callState{}
}

// reserve books d against the call's wait budget, or reports why it cannot.
func (s *callState) reserve(d, budget time.Duration) (ok bool, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.waited+d > budget {
		return false, fmt.Sprintf("next wait of %s would exceed the %s wait budget, %s of it already spent", d, budget, s.waited)
	}
	if !s.deadline.IsZero() && time.Until(s.deadline) < d {
		return false, fmt.Sprintf("next wait of %s would go past the call's %s deadline", d, s.limit)
	}
	s.waited += d
	return true, ""
}

// left is the time left before the call's deadline; has is false when the
// call has none (a request made outside a client call).
func (s *callState) left() (d time.Duration, has bool) {
	if s.deadline.IsZero() {
		return 0, false
	}
	return time.Until(s.deadline), true
}

// timedOut records the call's first timeout and returns it, for the
// request to fail with.
func (s *callState) timedOut(e *timeoutError) *timeoutError {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.timeout == nil || e.call && !s.timeout.call {
		s.timeout = e
	}
	return e
}

// timedOutWith returns the call's recorded timeout, if any.
func (s *callState) timedOutWith() *timeoutError {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.timeout
}

// giveUp records that a request was abandoned after attempts tries.
func (s *callState) giveUp(attempts int, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.exhausted, s.attempts, s.reason = true, attempts, reason
}

// gaveUp reports whether some request of the call was abandoned.
func (s *callState) gaveUp() (attempts int, reason string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attempts, s.reason, s.exhausted
}

// noteRestart records that a request which cannot be replayed failed for a
// reason that may pass, with the registry's Retry-After if it sent one.
func (s *callState) noteRestart(wait time.Duration, asked bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.restart = true
	if asked {
		s.restartAsk = true
		s.restartWait = max(s.restartWait, wait)
	}
}

// takeRestart returns and clears the note left by noteRestart: whether a
// restart may help, and the wait the registry asked for, if it did.
func (s *callState) takeRestart() (restart bool, wait time.Duration, asked bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	restart, wait, asked = s.restart, s.restartWait, s.restartAsk
	s.restart, s.restartWait, s.restartAsk = false, 0, false
	return restart, wait, asked
}
