package registry

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// maxRedirects is how many redirects one request may follow, as Go's own
// http.Client allows. go-containerregistry's remote sets its own redirect
// check, which replaces that limit with none: a registry that redirects
// in a loop made it send requests for as long as it was let.
const maxRedirects = 10

// guardTransport holds every attempt to the client's Timeouts and every
// redirect chain to maxRedirects. It sits below the retry layer, so each
// attempt gets its own deadline, and above the counter, so a request it
// refuses is not counted as sent.
//
// Redirects are followed by an http.Client above every RoundTripper, and
// that client belongs to go-containerregistry; but each redirected request
// carries the response that caused it (Request.Response), so the length
// of the chain can be read here.
type guardTransport struct {
	inner    http.RoundTripper
	timeouts Timeouts
}

func (t *guardTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	call := callFrom(req.Context())
	step := stepOf(req)
	if n := redirects(req); n > maxRedirects {
		return nil, &redirectError{step: step, hops: n}
	}
	limit, byCall, ok := t.limit(call)
	if !ok {
		return nil, call.timedOut(&timeoutError{step: step, limit: t.timeouts.Call, call: true})
	}
	ctx, cancel := context.WithCancel(req.Context())
	w := &watchdog{
		attempt: t.timeouts.Attempt,
		callMax: t.timeouts.Call,
		call:    call,
		step:    step,
		cancel:  cancel,
		stall:   movesBlob(req),
	}
	w.arm(limit, byCall)
	out := req.WithContext(ctx)
	if w.stall && req.Body != nil && req.Body != http.NoBody {
		out.Body = &watchedBody{rc: req.Body, w: w}
	}
	resp, err := t.inner.RoundTrip(out)
	if err != nil {
		w.stop()
		if te := w.fired(); te != nil {
			return nil, call.timedOut(te)
		}
		return nil, err
	}
	resp.Body = &watchedBody{rc: resp.Body, w: w, response: true}
	return resp, nil
}

// limit is the deadline of the next attempt: the attempt timeout, or what
// is left of the call's when that is less. ok is false when the call's
// deadline has passed.
func (t *guardTransport) limit(call *callState) (d time.Duration, byCall, ok bool) {
	d = t.timeouts.Attempt
	if left, has := call.left(); has {
		if left <= 0 {
			return 0, true, false
		}
		if left < d {
			return left, true, true
		}
	}
	return d, false, true
}

// watchdog cancels an attempt that ran out of time. For requests that move
// no blob the deadline is fixed when the request is sent; for blob uploads
// and downloads every byte moved re-arms it.
type watchdog struct {
	attempt, callMax time.Duration
	call             *callState
	step             step
	cancel           context.CancelFunc
	stall            bool

	mu     sync.Mutex
	timer  *time.Timer
	byCall bool
	limit  time.Duration
	err    *timeoutError
	done   bool
}

func (w *watchdog) arm(d time.Duration, byCall bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.limit, w.byCall = d, byCall
	if w.timer == nil {
		w.timer = time.AfterFunc(d, w.fire)
		return
	}
	w.timer.Reset(d)
}

func (w *watchdog) fire() {
	w.mu.Lock()
	if w.done {
		w.mu.Unlock()
		return
	}
	limit := w.attempt
	if w.byCall {
		limit = w.callMax
	}
	w.err = &timeoutError{step: w.step, limit: limit, call: w.byCall, stalled: w.stall}
	w.done = true
	w.mu.Unlock()
	w.cancel()
}

// progress re-arms a blob transfer's deadline after a byte moved.
func (w *watchdog) progress() {
	if !w.stall {
		return
	}
	w.mu.Lock()
	done := w.done
	w.mu.Unlock()
	if done {
		return
	}
	d, byCall := w.attempt, false
	if left, has := w.call.left(); has && left < d {
		d, byCall = max(left, time.Nanosecond), true
	}
	w.arm(d, byCall)
}

// fired returns the timeout, if the watchdog cancelled the attempt.
func (w *watchdog) fired() *timeoutError {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// stop ends the watch: the attempt is over.
func (w *watchdog) stop() {
	w.mu.Lock()
	w.done = true
	if w.timer != nil {
		w.timer.Stop()
	}
	w.mu.Unlock()
}

// watchedBody is a request or response body under a watchdog: reading it
// is progress, an error after the watchdog fired is its timeout, and
// closing a response body ends the attempt.
type watchedBody struct {
	rc       io.ReadCloser
	w        *watchdog
	response bool
}

func (b *watchedBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if n > 0 {
		b.w.progress()
	}
	if err != nil && err != io.EOF {
		if te := b.w.fired(); te != nil {
			return n, b.w.call.timedOut(te)
		}
	}
	return n, err
}

func (b *watchedBody) Close() error {
	err := b.rc.Close()
	if b.response {
		b.w.stop()
		b.w.cancel()
	}
	return err
}

// movesBlob reports whether req uploads or downloads a blob, whose
// duration depends on its size rather than on the registry.
func movesBlob(req *http.Request) bool {
	switch kindOfChain(req) {
	case KindBlobUpload, KindGetBlob:
		return true
	}
	return false
}

// kindOfChain is the kind of the request a redirect chain started with:
// registries such as GHCR and Docker Hub answer a blob download with a
// redirect to storage whose path says nothing of a blob, and that request
// is still the download.
func kindOfChain(req *http.Request) Kind {
	first := req
	for first.Response != nil && first.Response.Request != nil {
		first = first.Response.Request
	}
	return KindOf(first.Method, first.URL.Path)
}

// redirects counts the redirects that led to req.
func redirects(req *http.Request) int {
	n := 0
	for r := req; r.Response != nil && r.Response.Request != nil; r = r.Response.Request {
		n++
	}
	return n
}

// step names one request for an error message: the host it went to and
// what it asked, without the query (upload locations carry session state
// there).
type step struct {
	host, method, path string
	kind               Kind
	redirected         bool
}

func stepOf(req *http.Request) step {
	return step{host: req.URL.Host, method: req.Method, path: req.URL.Path, kind: kindOfChain(req), redirected: redirects(req) > 0}
}

func (s step) String() string {
	what := s.method + " " + s.path
	switch {
	case s.kind != KindOther && s.redirected:
		what += " (" + s.kind.String() + ", redirected)"
	case s.path == "/v2/" || s.path == "/v2":
		what += " (the registry ping)"
	case s.kind == KindOther && s.method == http.MethodGet:
		what += " (a token request)"
	case s.kind != KindOther:
		what += " (" + s.kind.String() + ")"
	}
	return what
}

// timeoutError is an attempt or a call that ran out of time. An attempt's
// is a net.Error whose Timeout is true, so the retry layer treats it as it
// treats a reset; a call's is final.
type timeoutError struct {
	step    step
	limit   time.Duration
	call    bool
	stalled bool
}

func (e *timeoutError) Error() string {
	switch {
	case e.call:
		return fmt.Sprintf("registry %s: the call went past its %s deadline during %s", e.step.host, e.limit, e.step)
	case e.stalled:
		return fmt.Sprintf("registry %s moved no data for %s during %s", e.step.host, e.limit, e.step)
	default:
		return fmt.Sprintf("registry %s did not answer %s within %s", e.step.host, e.step, e.limit)
	}
}

// Is makes every timeout match ErrTimeout, also where it reaches the
// caller through content read later (Read).
func (e *timeoutError) Is(target error) bool { return target == ErrTimeout }

// Timeout marks an attempt's timeout as one that may pass.
func (e *timeoutError) Timeout() bool { return !e.call }

// Temporary is Timeout, for callers that still ask.
func (e *timeoutError) Temporary() bool { return !e.call }

// redirectError is a redirect chain longer than maxRedirects.
type redirectError struct {
	step step
	hops int
}

// Is makes a redirect loop match ErrBadResponse.
func (e *redirectError) Is(target error) bool { return target == ErrBadResponse }

func (e *redirectError) Error() string {
	return fmt.Sprintf("registry %s redirected %s more than %d times; stopped following (a redirect loop?)", e.step.host, e.step, maxRedirects)
}
