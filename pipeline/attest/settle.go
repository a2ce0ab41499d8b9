package attest

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/patchline/patchline/pipeline/internal/wait"
)

// Settle makes sure every descriptor in want is listed among the referrers
// of subject, and stays listed, before the caller relies on it (before a
// release moves a floating tag to the subject's image).
//
// Where the registry has the referrers API, the registry keeps the list
// itself: a listing checks it. An entry it lacks is written again (its
// manifest, as it is) and the list read again after a pause, up to the
// configured number of attempts: olareg, for one, updates its list
// read-modify-write and can drop an entry when two are pushed at once. Where it has not, the list is the
// fallback tag, which any writer rewrites from what it read earlier; a
// writer that read before this one's entry arrived can drop it after an
// immediate read-back found it (Attach's). Settle therefore pauses (see
// WithSettle) so that such a stale write has landed, reads the tag, merges
// back whatever of want is missing and writes it, and repeats until a read
// after a pause lists all of want, at most the configured number of
// attempts (ErrFallbackConflict after that). It returns how many times it
// wrote the tag.
func (r *Referrers) Settle(ctx context.Context, repo name.Repository, subject v1.Descriptor, want []v1.Descriptor) (int, error) {
	if len(want) == 0 {
		return 0, nil
	}
	for writes := 0; ; writes++ {
		api, listed, err := r.list(ctx, repo, subject.Digest)
		if err != nil {
			return writes, err
		}
		if !api {
			break
		}
		missing := lacking(listed, want)
		if len(missing) == 0 {
			return writes, nil
		}
		// A registry that updates its listing read-modify-write (olareg
		// does) can drop an entry when two artifacts for one subject are
		// pushed at once. Writing the artifact's manifest again makes it
		// list the artifact again.
		if writes == r.attempts {
			return writes, fmt.Errorf("%w: the referrers of %s@%s do not list %s after %d writes", ErrReferrerMissing, repo, subject.Digest, digests(missing), writes)
		}
		for _, d := range missing {
			if err := r.rewrite(ctx, repo, d); err != nil {
				return writes, err
			}
		}
		if err := r.pause(ctx); err != nil {
			return writes, err
		}
	}
	tag := FallbackTag(repo, subject.Digest)
	unlock := r.lock(repo, subject.Digest)
	defer unlock()
	for writes := 0; ; writes++ {
		if err := r.pause(ctx); err != nil {
			return writes, err
		}
		im, err := r.readFallback(ctx, tag)
		if err != nil {
			return writes, err
		}
		missing := lacking(im.Manifests, want)
		if len(missing) == 0 {
			return writes, nil
		}
		if writes == r.attempts {
			return writes, fmt.Errorf("%w: %s still lacks %s after %d writes", ErrFallbackConflict, tag, digests(missing), writes)
		}
		im.Manifests = append(im.Manifests, missing...)
		slices.SortFunc(im.Manifests, func(a, b v1.Descriptor) int {
			return cmp.Compare(a.Digest.String(), b.Digest.String())
		})
		if err := r.writeFallback(ctx, tag, im); err != nil {
			return writes, err
		}
	}
}

// rewrite writes the manifest of a referrer again, as it is.
func (r *Referrers) rewrite(ctx context.Context, repo name.Repository, d v1.Descriptor) error {
	ref := repo.Digest(d.Digest.String()).Name()
	got, err := r.reg.Inspect(ctx, ref)
	if err != nil {
		return fmt.Errorf("%w: %s is not listed and cannot be read: %v", ErrReferrerMissing, ref, err)
	}
	if err := r.reg.Put(ctx, ref, got); err != nil {
		return fmt.Errorf("writing referrer %s again: %w", ref, err)
	}
	return nil
}

// pause waits between half the settle time and all of it, or until ctx is
// done. A stale write that a pause must outlast is another writer's
// read-modify-write of the fallback tag, which takes about two of the
// registry's round trips; so on a registry whose fallback requests have
// taken longer than a quarter of the settle time, the pause is stretched
// to two to four times the slowest request seen, up to maxPause. Zero
// settle time (tests) never pauses.
func (r *Referrers) pause(ctx context.Context) error {
	lo, hi := r.pauseRange()
	return wait.Between(ctx, lo, hi)
}

// pauseRange is the shortest and longest pause, from the settle time and
// the slowest fallback request seen so far.
func (r *Referrers) pauseRange() (lo, hi time.Duration) {
	if r.pauseMax == 0 {
		return 0, 0
	}
	lo, hi = r.pauseMax/2, r.pauseMax
	if slow := time.Duration(r.slowest.Load()); 4*slow > hi {
		lo, hi = min(2*slow, maxPause), min(4*slow, maxPause)
	}
	return lo, hi
}

// maxPause bounds a pause stretched by a slow registry.
const maxPause = 30 * time.Second

// timed runs a fallback-tag request and remembers how long the slowest
// one took.
func (r *Referrers) timed(f func() error) error {
	start := time.Now()
	err := f()
	took := int64(time.Since(start))
	for {
		cur := r.slowest.Load()
		if took <= cur || r.slowest.CompareAndSwap(cur, took) {
			return err
		}
	}
}

// lacking returns the descriptors of want whose digest is not in have.
func lacking(have, want []v1.Descriptor) []v1.Descriptor {
	var out []v1.Descriptor
	for _, w := range want {
		if !slices.ContainsFunc(have, func(d v1.Descriptor) bool { return d.Digest == w.Digest }) {
			out = append(out, w)
		}
	}
	return out
}

func digests(ds []v1.Descriptor) string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Digest.String())
	}
	return fmt.Sprint(out)
}
