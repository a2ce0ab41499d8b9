package registry

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/patchline/patchline/pipeline/internal/safetext"
)

var (
	// ErrInvalidOption is wrapped by New when an option cannot be used.
	ErrInvalidOption = errors.New("invalid registry client option")
	// ErrInvalidReference is wrapped when a reference, repository or tag does not parse.
	ErrInvalidReference = errors.New("invalid image reference")
	// ErrNotFound is wrapped when the registry answers 404 for a manifest, tag or repository.
	ErrNotFound = errors.New("not found")
	// ErrUnauthorized is wrapped when the registry refuses the request for want of (valid) credentials: 401 or 403.
	ErrUnauthorized = errors.New("not authorized")
	// ErrRetriesExhausted is wrapped when a request kept failing until the retry policy's attempts or wait budget ran out.
	ErrRetriesExhausted = errors.New("retries exhausted")
	// ErrNotIndex is wrapped by PlatformManifests when the reference names a single-platform image.
	ErrNotIndex = errors.New("not a multi-platform index")
	// ErrTimeout is wrapped when a registry did not answer within the
	// client's Timeouts: one attempt, or the whole call.
	ErrTimeout = errors.New("timed out")
	// ErrBadResponse is wrapped when the registry answered with something the client cannot use.
	ErrBadResponse = errors.New("unusable registry response")
	// ErrTooLarge is wrapped by Blob when a blob is longer than the caller allows.
	ErrTooLarge = errors.New("blob too large")
)

// Error is what every Client method returns on failure: the operation, the
// reference as the caller gave it, and what the registry last said. It wraps
// the sentinel errors above, so callers test it with errors.Is, and, unless
// it had to be redacted, the underlying go-containerregistry error too.
type Error struct {
	// Op is what was being done: "resolving", "pushing", "tagging", ...
	Op string
	// Ref is the reference, or repository, the operation was about.
	Ref string
	// StatusCode is the registry's last HTTP status, 0 if none arrived.
	StatusCode int
	// Attempts is how many times the failing request was sent when the
	// retry policy gave up, 0 otherwise.
	Attempts int

	msg     string
	wrapped []error
}

// Error renders "<op> "<ref>": <sentinel>: <cause>".
func (e *Error) Error() string { return e.msg }

// Unwrap exposes the sentinels and, where it was safe, the cause.
func (e *Error) Unwrap() []error { return e.wrapped }

// fail turns err into an *Error about op on ref. call may be nil. Every
// error leaving the package passes through here, and so through the
// redaction of secrets: a registry or token service that repeats the
// presented credentials in an error body must not put them on a CI log.
func (c *Client) fail(op, ref string, call *callState, err error) error {
	if err == nil {
		return nil
	}
	var pe *Error
	if errors.As(err, &pe) {
		return err
	}
	e := &Error{Op: op, Ref: ref}
	var sentinels []error
	var terr *transport.Error
	if errors.As(err, &terr) {
		e.StatusCode = terr.StatusCode
		switch terr.StatusCode {
		case http.StatusNotFound:
			sentinels = append(sentinels, ErrNotFound)
		case http.StatusUnauthorized, http.StatusForbidden:
			sentinels = append(sentinels, ErrUnauthorized)
		}
	}
	var te *timeoutError
	if !errors.As(err, &te) && call != nil {
		te = call.timedOutWith()
	}
	if te != nil {
		sentinels = append(sentinels, ErrTimeout)
	}
	var re *redirectError
	if errors.As(err, &re) {
		sentinels = append(sentinels, ErrBadResponse)
	}
	var detail string
	if call != nil {
		if attempts, reason, ok := call.gaveUp(); ok {
			e.Attempts = attempts
			detail = reason
			sentinels = append(sentinels, ErrRetriesExhausted)
		}
	}

	var sb strings.Builder
	fmt.Fprintf(&sb, "%s %q: ", op, ref)
	for _, s := range sentinels {
		if errors.Is(err, s) {
			continue // already says so itself
		}
		sb.WriteString(s.Error())
		if s == ErrRetriesExhausted && detail != "" {
			sb.WriteString(" (" + detail + ")")
		}
		sb.WriteString(": ")
	}
	cause := err.Error()
	if te != nil && !strings.Contains(cause, te.Error()) {
		// The cause lost the timeout on its way up (a body read whose
		// error was wrapped without it); say what timed out.
		cause = te.Error() + ": " + cause
	}
	if code := e.StatusCode; code != 0 && !strings.Contains(cause, fmt.Sprintf("status code %d", code)) {
		// ggcr prints a registry's error body instead of the status;
		// a CI log needs both.
		fmt.Fprintf(&sb, "HTTP %d %s: ", code, http.StatusText(code))
	}
	sb.WriteString(cause)

	msg, redacted := c.creds.redact(sb.String())
	// URLs lose their query and fragment (an upload location's session
	// state, a token a registry put in a Link); the cause keeps them, so
	// it is unwrapped only when nothing had to be taken out.
	if clean := safetext.URLs(msg); clean != msg {
		msg, redacted = clean, true
	}
	e.msg = msg
	e.wrapped = sentinels
	if !redacted {
		e.wrapped = append(e.wrapped, err)
	}
	return e
}

// failf is fail for errors the client makes itself.
func (c *Client) failf(op, ref string, sentinel error, format string, args ...any) error {
	return c.fail(op, ref, nil, fmt.Errorf("%w: "+format, append([]any{sentinel}, args...)...))
}
