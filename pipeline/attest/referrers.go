package attest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// defaultSettle is the longest pause before Settle reads a fallback tag
// back. It must outlast another writer's read-modify-write of the tag (a
// GET and a PUT, well under a second on the registries seen) for the read
// to catch a stale write.
const defaultSettle = time.Second

// defaultFallbackAttempts bounds the read-back-and-merge loop on the
// fallback tag. Each attempt is one GET and at most one PUT; losing five
// times in a row means something keeps rewriting the tag.
const defaultFallbackAttempts = 5

// Referrers attaches artifacts to images in the OCI 1.1 referrers layout
// and lists them. It works with registries that have the referrers API and
// with those that need the `sha256-<hex>` fallback tag (GHCR, CNCF
// Distribution).
//
// A Referrers is safe for concurrent use. Writers that share one value are
// serialised per subject, so they never lose each other's fallback entries.
// Writers in other processes are covered by reading the fallback tag back
// after every write and merging again when an entry went missing, which
// narrows the lost-update window but cannot close it: registries offer no
// conditional write to build a lock on (see Attach). Use one Referrers per
// run, shared by every goroutine that attaches.
type Referrers struct {
	remote   []remote.Option
	attempts int
	retry    RetryFunc
	pauseMax time.Duration

	// Shared clients, so one run authenticates once per repository instead
	// of once per call: against GHCR every fresh client costs a ping and a
	// token exchange. apiPuller lists with the tag fallback off, to tell
	// whether the registry has the referrers API.
	puller, apiPuller *remote.Puller
	pusher            *remote.Pusher

	locks sync.Map // repository@subject digest -> *sync.Mutex
}

// Option configures a Referrers.
type Option func(*Referrers) error

// WithRemoteOptions sets the go-containerregistry options every registry
// call uses: transport, authentication, user agent, retries. Default: none,
// so the default transport and anonymous access. A
// remote.WithReferrersTagFallback or remote.Reuse among them is overridden:
// maintaining the fallback tag, and sharing clients between calls, is this
// type's job. The context of each call is added last.
func WithRemoteOptions(opts ...remote.Option) Option {
	return func(r *Referrers) error {
		r.remote = append(r.remote, opts...)
		return nil
	}
}

// RetryFunc runs op, a write to a registry, under a retry policy: it runs
// op again when a request op could not replay itself (a blob upload) failed
// for a reason that may pass. op must make its requests with the context it
// is given. registry.Client.Do is one.
type RetryFunc func(ctx context.Context, op func(ctx context.Context) error) error

// WithRetry runs every write (the artifact's blobs and manifest, the
// fallback tag) through retry, so that an upload interrupted by a 5xx, a
// 429 or a reset is started over, honouring Retry-After. Default: each
// write runs once, and only what the transport itself replays is retried.
func WithRetry(retry RetryFunc) Option {
	return func(r *Referrers) error {
		if retry == nil {
			return errors.New("nil retry function")
		}
		r.retry = retry
		return nil
	}
}

// write runs op under the retry function, if there is one.
func (r *Referrers) write(ctx context.Context, op func(ctx context.Context) error) error {
	if r.retry == nil {
		return op(ctx)
	}
	return r.retry(ctx, op)
}

// WithFallbackAttempts sets how many times Attach reads the fallback tag
// back and merges its entry in again before giving up with
// ErrFallbackConflict. Default: 5. It must be at least 1.
func WithFallbackAttempts(n int) Option {
	return func(r *Referrers) error {
		if n < 1 {
			return fmt.Errorf("fallback attempts must be at least 1, got %d", n)
		}
		r.attempts = n
		return nil
	}
}

// WithSettle sets the longest pause Settle makes before reading a fallback
// tag back; each pause is drawn at random between d/2 and d, so writers
// that started together do not read in step. Default: 1s. Zero reads back
// at once, which only tests should do.
func WithSettle(d time.Duration) Option {
	return func(r *Referrers) error {
		if d < 0 {
			return fmt.Errorf("settle pause %s is negative", d)
		}
		r.pauseMax = d
		return nil
	}
}

// NewReferrers returns a Referrers configured by opts.
func NewReferrers(opts ...Option) (*Referrers, error) {
	r := &Referrers{attempts: defaultFallbackAttempts, pauseMax: defaultSettle}
	for _, o := range opts {
		if err := o(r); err != nil {
			return nil, err
		}
	}
	with := func(fallback bool) []remote.Option {
		return append(slices.Clone(r.remote), remote.WithReferrersTagFallback(fallback))
	}
	var err error
	if r.puller, err = remote.NewPuller(with(true)...); err != nil {
		return nil, fmt.Errorf("registry options: %w", err)
	}
	if r.apiPuller, err = remote.NewPuller(with(false)...); err != nil {
		return nil, fmt.Errorf("registry options: %w", err)
	}
	if r.pusher, err = remote.NewPusher(with(true)...); err != nil {
		return nil, fmt.Errorf("registry options: %w", err)
	}
	return r, nil
}

// options returns the remote options for one call: the caller's, the
// shared clients, and the call's context.
func (r *Referrers) options(ctx context.Context) []remote.Option {
	return r.optionsFor(ctx, r.puller)
}

// optionsFor is options with a chosen puller.
func (r *Referrers) optionsFor(ctx context.Context, p *remote.Puller) []remote.Option {
	opts := slices.Clone(r.remote)
	return append(opts,
		remote.WithReferrersTagFallback(p == r.puller),
		remote.Reuse(p),
		remote.Reuse(r.pusher),
		remote.WithContext(ctx),
	)
}

// lock serialises writers of this value on one subject and returns the
// unlock function.
func (r *Referrers) lock(repo name.Repository, subject v1.Hash) func() {
	v, _ := r.locks.LoadOrStore(repo.Name()+"@"+subject.String(), &sync.Mutex{})
	mu := v.(*sync.Mutex)
	mu.Lock()
	return mu.Unlock
}

// FallbackTag returns the tag that registries without the referrers API
// keep a subject's referrers under: "sha256-<hex>", as the OCI distribution
// spec's referrers tag schema says.
func FallbackTag(repo name.Repository, subject v1.Hash) name.Tag {
	return repo.Tag(subject.Algorithm + "-" + subject.Hex)
}

// isNoReferrersAPI reports whether err is go-containerregistry saying the
// registry has no referrers API while the tag fallback is off. That error
// is a plain string in go-containerregistry v0.22.1; a test pins it, so a
// change of wording fails loudly instead of being taken for a real error.
func isNoReferrersAPI(err error) bool {
	return err != nil && strings.Contains(err.Error(), "does not support the Referrers API")
}
