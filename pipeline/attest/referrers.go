package attest

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/patchline/patchline/pipeline/registry"
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
// Distribution). Every registry request goes through one registry.Client,
// which says which kind a registry is (registry.Client.Referrers), retries
// and starts interrupted uploads over under its policy, and fails with its
// errors.
//
// A Referrers is safe for concurrent use. Writers that share one value are
// serialised per subject, so they never lose each other's fallback entries.
// Writers in other processes are covered by reading the fallback tag back
// after every write and merging again when an entry went missing, which
// narrows the lost-update window but cannot close it: registries offer no
// conditional write to build a lock on (see Attach). Use one Referrers per
// run, shared by every goroutine that attaches.
type Referrers struct {
	reg      *registry.Client
	pusher   *registry.Pusher // one per Referrers: artifacts share their empty config
	attempts int
	pauseMax time.Duration
	// slowest is the longest a fallback-tag request of this Referrers has
	// taken, in nanoseconds: pauses grow with it (see pause).
	slowest atomic.Int64

	locks sync.Map // repository@subject digest -> *sync.Mutex
}

// Option configures a Referrers.
type Option func(*Referrers) error

// WithSettle sets the longest pause Settle makes before reading a fallback
// tag back; each pause is drawn at random between d/2 and d, so writers
// that started together do not read in step, and is longer on a registry
// slow enough to need it (see Settle). Default: 1s. Zero reads back at
// once, which only tests should do.
func WithSettle(d time.Duration) Option {
	return func(r *Referrers) error {
		if d < 0 {
			return fmt.Errorf("settle pause %s is negative", d)
		}
		r.pauseMax = d
		return nil
	}
}

// NewReferrers returns a Referrers that reaches registries through reg,
// configured by opts.
func NewReferrers(reg *registry.Client, opts ...Option) (*Referrers, error) {
	if reg == nil {
		return nil, errors.New("no registry client")
	}
	r := &Referrers{reg: reg, pusher: reg.NewPusher(), attempts: defaultFallbackAttempts, pauseMax: defaultSettle}
	for _, o := range opts {
		if err := o(r); err != nil {
			return nil, err
		}
	}
	return r, nil
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
