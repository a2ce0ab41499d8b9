package signing

import (
	"errors"
	"strings"
	"sync"
)

// redactor scrubs secrets out of error messages. Fulcio, Rekor and token
// endpoints answer errors with bodies that may repeat what they were sent,
// and an HTTP client error quotes the URL it asked; any of that would land
// on a CI log. Every error a Signer returns passes through here.
type redactor struct {
	mu      sync.Mutex
	secrets []string
}

// minSecret is the shortest string treated as a secret: shorter values
// (an empty password, a one-letter one) would blank out ordinary words.
const minSecret = 6

// add remembers secrets, and the parts of a JWT-like token, which a server
// may quote one at a time.
func (r *redactor) add(secrets ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range secrets {
		if len(s) < minSecret {
			continue
		}
		r.secrets = append(r.secrets, s)
		if parts := strings.Split(s, "."); len(parts) == 3 {
			for _, p := range parts {
				if len(p) >= 16 {
					r.secrets = append(r.secrets, p)
				}
			}
		}
	}
}

// redact returns err with every secret in its message replaced by ***. The
// result still matches the sentinels err wraps with errors.Is, but it no
// longer unwraps to the original (whose message holds the secret).
func (r *redactor) redact(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	r.mu.Lock()
	clean := msg
	for _, s := range r.secrets {
		clean = strings.ReplaceAll(clean, s, "***")
	}
	r.mu.Unlock()
	if clean == msg {
		return err
	}
	return &redactedError{msg: clean, sentinels: sentinelsOf(err)}
}

// redactedError is an error whose message was scrubbed.
type redactedError struct {
	msg       string
	sentinels []error
}

func (e *redactedError) Error() string   { return e.msg }
func (e *redactedError) Unwrap() []error { return e.sentinels }

// sentinelsOf returns the package's sentinel errors that err wraps.
func sentinelsOf(err error) []error {
	var out []error
	for _, s := range []error{ErrKey, ErrToken, ErrSigning, ErrReadBack} {
		if errors.Is(err, s) {
			out = append(out, s)
		}
	}
	return out
}
