package registry

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// RetryPolicy says how the client retries requests that failed for a reason
// that may pass: 408, 429, a 5xx other than 501 and 505, or a connection
// reset. go-containerregistry's own retry is switched off (it sleeps in real
// time and ignores Retry-After), so this policy is the only one in force.
type RetryPolicy struct {
	// MaxAttempts caps how many times one request is sent, the first time
	// included; 1 disables retries. For a push it also caps how many times
	// an interrupted blob upload is started over.
	MaxAttempts int
	// Backoff is the wait before the second attempt when the registry sent
	// no Retry-After; it doubles for every further attempt.
	Backoff time.Duration
	// MaxBackoff caps one computed wait. It does not shorten a Retry-After:
	// a registry that asks for a longer pause gets it, within MaxWait.
	MaxBackoff time.Duration
	// MaxWait caps the total time one client call (Resolve, Push, ...)
	// spends waiting between attempts. A Retry-After beyond what is left
	// fails the call at once instead of sleeping.
	MaxWait time.Duration
	// Jitter adds up to this fraction of a computed wait at random, so
	// parallel jobs do not retry in step. Retry-After waits get none.
	Jitter float64
}

// DefaultRetryPolicy is what New uses without WithRetry: five attempts,
// 0.5s, 1s, 2s, 4s apart (plus up to 10%), at most two minutes of waiting
// per call.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{
		MaxAttempts: 5,
		Backoff:     500 * time.Millisecond,
		MaxBackoff:  10 * time.Second,
		MaxWait:     2 * time.Minute,
		Jitter:      0.1,
	}
}

func (p RetryPolicy) validate() error {
	switch {
	case p.MaxAttempts < 1:
		return fmt.Errorf("retry policy: MaxAttempts %d is below 1 (1 disables retries)", p.MaxAttempts)
	case p.Backoff < 0, p.MaxBackoff < 0, p.MaxWait < 0:
		return errors.New("retry policy: durations must not be negative")
	case p.Jitter < 0 || p.Jitter > 1:
		return fmt.Errorf("retry policy: Jitter %v is outside [0, 1]", p.Jitter)
	}
	return nil
}

// backoff is the computed wait before attempt+1.
func (p RetryPolicy) backoff(attempt int) time.Duration {
	d := p.Backoff
	for i := 1; i < attempt && d < p.MaxBackoff; i++ {
		d *= 2
	}
	if p.MaxBackoff > 0 && d > p.MaxBackoff {
		d = p.MaxBackoff
	}
	if p.Jitter > 0 && d > 0 {
		d += time.Duration(rand.Int64N(int64(float64(d)*p.Jitter) + 1))
	}
	return d
}

// SleepFunc waits for d or until ctx is done, whichever comes first, and
// returns ctx.Err() in the second case. Tests inject one that records d and
// returns at once.
type SleepFunc func(ctx context.Context, d time.Duration) error

// retryTransport replays requests that failed for a reason that may pass.
//
// It replays only what is safe to send twice: GET and HEAD, and PUT of a
// manifest whose body can be rewound. Blob uploads (POST, PATCH and PUT under
// /blobs/uploads/) are never replayed here: their body is a stream already
// partly consumed, and a half-written upload session cannot be resumed
// blindly. For those it leaves a note in the call state, and Client.Push
// starts the upload over (go-containerregistry HEADs every blob again and
// skips the ones that arrived).
type retryTransport struct {
	inner  http.RoundTripper
	policy RetryPolicy
	sleep  SleepFunc
	now    func() time.Time
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	call := callFrom(ctx)
	canReplay := replayable(req)
	for attempt := 1; ; attempt++ {
		r := req
		if attempt > 1 {
			var err error
			if r, err = rewind(req); err != nil {
				return nil, err
			}
		}
		resp, err := t.inner.RoundTrip(r)
		if err == nil && canReplay && buffered(r) && !transient(resp, nil) {
			// The answer counts only once it has arrived in full: a body
			// that stalls or breaks off is retried like a request that
			// did.
			if err = readBody(resp); err != nil {
				resp = nil
			}
		}
		if ctx.Err() != nil || !transient(resp, err) {
			return resp, err
		}
		wait, asked := t.delay(resp, attempt)
		if !canReplay {
			call.noteRestart(wait, asked)
			return resp, err
		}
		if attempt >= t.policy.MaxAttempts {
			call.giveUp(attempt, fmt.Sprintf("gave up after %d attempts", attempt))
			return resp, err
		}
		if ok, why := call.reserve(wait, t.policy.MaxWait); !ok {
			if asked {
				why = "registry asked to retry after " + wait.String() + ": " + why
			}
			call.giveUp(attempt, why)
			return resp, err
		}
		discard(resp)
		if err := t.sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// delay is how long to wait before the next attempt: the registry's
// Retry-After if it sent one, the policy's backoff otherwise.
func (t *retryTransport) delay(resp *http.Response, attempt int) (d time.Duration, asked bool) {
	if resp != nil {
		if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), t.now()); ok {
			return d, true
		}
	}
	return t.policy.backoff(attempt), false
}

// parseRetryAfter reads both forms of Retry-After (RFC 9110 10.2.3):
// delay-seconds and an HTTP-date, the latter relative to now. A date in the
// past means no wait.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if strings.Trim(v, "0123456789") == "" {
		// Only digits: delay-seconds. The one possible parse error is
		// overflow, which means "a very long time".
		secs, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			secs = math.MaxUint64
		}
		const maxSecs = uint64(math.MaxInt64) / uint64(time.Second)
		return time.Duration(min(secs, maxSecs)) * time.Second, true
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(at.Sub(now), 0), true
	}
	return 0, false
}

// transient reports whether a failure may pass if the request is sent again.
func transient(resp *http.Response, err error) bool {
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return false
		}
		if errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNABORTED) ||
			errors.Is(err, syscall.EPIPE) || errors.Is(err, io.EOF) ||
			errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) {
			return true
		}
		var ne net.Error
		return errors.As(err, &ne) && ne.Timeout()
	}
	switch code := resp.StatusCode; {
	case code == http.StatusRequestTimeout, code == http.StatusTooManyRequests:
		return true
	case code == http.StatusNotImplemented, code == http.StatusHTTPVersionNotSupported:
		return false
	default:
		return code >= 500 && code <= 599
	}
}

// maxBuffered bounds the answer readBody holds in memory: manifests,
// pages of tags, referrers lists and tokens are far smaller.
const maxBuffered = 8 << 20

// buffered reports whether req's answer is read in full within its
// attempt: a GET that moves no blob. A blob download streams to its
// reader, and a stall there ends it under the blob's own deadline.
func buffered(req *http.Request) bool {
	return req.Method == http.MethodGet && !movesBlob(req)
}

// readBody reads resp's body into memory, up to maxBuffered; the rest of a
// larger one, which no answer of a buffered request should be, streams on.
func readBody(resp *http.Response) error {
	if resp.Body == nil || resp.Body == http.NoBody {
		return nil
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBuffered+1))
	if err != nil {
		_ = resp.Body.Close()
		return err
	}
	if len(b) > maxBuffered {
		resp.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(b), resp.Body), resp.Body}
		return nil
	}
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return nil
}

// replayable reports whether req may be sent again as it is.
func replayable(req *http.Request) bool {
	if KindOf(req.Method, req.URL.Path) == KindBlobUpload {
		return false
	}
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete:
	default:
		return false
	}
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}

// rewind returns a copy of req with a fresh body.
func rewind(req *http.Request) (*http.Request, error) {
	r := req.Clone(req.Context())
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		r.Body = body
	}
	return r, nil
}

// discard drains and closes a response that will not be returned, so its
// connection can be reused.
func discard(resp *http.Response) {
	if resp == nil || resp.Body == nil {
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
}
