package registry

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/patchline/patchline/pipeline/internal/safetext"
	"github.com/patchline/patchline/pipeline/internal/wait"
)

// Option configures a Client.
type Option func(*options) error

type options struct {
	creds     credentials
	insecure  map[string]bool
	transport http.RoundTripper
	retry     RetryPolicy
	timeouts  Timeouts
	sleep     SleepFunc
	now       func() time.Time
	pageSize  int
	jobs      int
}

const (
	// userAgent starts the User-Agent header; go-containerregistry
	// appends its own.
	userAgent = "patchline"
	// defaultPageSize is ggcr's too: ECR refuses n > 1000.
	defaultPageSize = 1000
	defaultJobs     = 4
)

func makeOptions(opts ...Option) (*options, error) {
	o := &options{
		creds:     credentials{},
		insecure:  map[string]bool{},
		transport: remote.DefaultTransport,
		retry:     DefaultRetryPolicy(),
		timeouts:  DefaultTimeouts(),
		sleep:     wait.For,
		now:       time.Now,
		pageSize:  defaultPageSize,
		jobs:      defaultJobs,
	}
	for _, opt := range opts {
		if err := opt(o); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidOption, err)
		}
	}
	return o, nil
}

// canonicalHost spells a registry host the way go-containerregistry does,
// so "docker.io" and "index.docker.io" name the same host.
// CanonicalHost is the name credentials are kept under for host:
// "docker.io" and "index.docker.io" are one registry.
func CanonicalHost(host string) (string, error) {
	if host == "" {
		return "", errors.New("empty registry host")
	}
	reg, err := name.NewRegistry(host, name.StrictValidation)
	if err != nil {
		return "", fmt.Errorf("registry host %s: %w", safetext.Quote(host), err)
	}
	return reg.RegistryStr(), nil
}

// WithCredentials authenticates to host with username and password (for
// GHCR, a token as password). go-containerregistry sends them as Basic auth
// or exchanges them for a bearer token, as the registry's challenge asks.
// The password is never printed: not in errors, not by fmt.
//
// Give it once per host; a second set for the same host is an error. "docker.io"
// and "index.docker.io" are the same host.
//
// The default is anonymous access to every host.
func WithCredentials(host, username, password string) Option {
	return func(o *options) error {
		h, err := CanonicalHost(host)
		if err != nil {
			return err
		}
		if username == "" || password == "" {
			return fmt.Errorf("credentials for %s need both a username and a password", safetext.Quote(h))
		}
		if err := CheckUsername(username); err != nil {
			return fmt.Errorf("credentials for %q: %w", h, err)
		}
		if _, dup := o.creds[h]; dup {
			return fmt.Errorf("credentials for %q given twice", h)
		}
		o.creds[h] = newCredential(username, password)
		return nil
	}
}

// CheckUsername refuses a username that Basic authentication cannot
// carry: Basic sends "user:password", so a ':' in the user would move
// the rest of it into the password and the registry would answer 401
// with no hint why (RFC 7617). Control characters are refused too.
func CheckUsername(username string) error {
	if i := strings.IndexFunc(username, func(r rune) bool { return r == ':' || r < 0x20 || r == 0x7f }); i >= 0 {
		return fmt.Errorf("username %s contains %q, which Basic authentication cannot carry; give the account name alone (for a token, the user the registry expects, e.g. your GitHub user for GHCR)", safetext.Quote(username), username[i:i+1])
	}
	return nil
}

// WithInsecure lets the client speak plain HTTP to host, for a local
// registry such as "registry:5000" (a Dagger service) or "127.0.0.1:5000".
// Loopback, RFC 1918 and *.local hosts are tried over HTTP anyway, after
// HTTPS, as go-containerregistry does.
//
// The default is HTTPS only for every other host.
func WithInsecure(host string) Option {
	return func(o *options) error {
		h, err := CanonicalHost(host)
		if err != nil {
			return err
		}
		o.insecure[h] = true
		return nil
	}
}

// WithTransport sets the HTTP transport that requests finally go through.
// The client wraps it to count, retry and authenticate; do not pass a
// transport that retries by itself.
//
// The default is go-containerregistry's remote.DefaultTransport.
func WithTransport(t http.RoundTripper) Option {
	return func(o *options) error {
		if t == nil {
			return errors.New("nil transport")
		}
		o.transport = t
		return nil
	}
}

// WithRetry sets the retry policy.
//
// The default is DefaultRetryPolicy().
func WithRetry(p RetryPolicy) Option {
	return func(o *options) error {
		if err := p.validate(); err != nil {
			return err
		}
		o.retry = p
		return nil
	}
}

// WithTimeouts sets how long the client waits for a registry: per
// attempt and per call (see Timeouts).
//
// The default is DefaultTimeouts().
func WithTimeouts(t Timeouts) Option {
	return func(o *options) error {
		if err := t.validate(); err != nil {
			return err
		}
		o.timeouts = t
		return nil
	}
}

// WithSleep sets how the client waits between attempts, so tests can record
// the waits instead of spending them.
//
// The default waits on a timer and returns early when the context is done.
func WithSleep(sleep SleepFunc) Option {
	return func(o *options) error {
		if sleep == nil {
			return errors.New("nil sleep function")
		}
		o.sleep = sleep
		return nil
	}
}
