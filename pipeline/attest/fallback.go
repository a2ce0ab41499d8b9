package attest

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/patchline/patchline/pipeline/registry"
)

// ensureFallbackEntry reads the subject's fallback tag back and, while desc
// is not in it, merges desc into the index found and writes the tag again.
// It returns how many writes that took. Each round re-reads the tag, so an
// entry another writer added in between is kept; a bounded number of rounds
// keeps two writers that keep clobbering each other from looping forever.
func (r *Referrers) ensureFallbackEntry(ctx context.Context, repo name.Repository, subject v1.Hash, desc v1.Descriptor) (int, error) {
	tag := FallbackTag(repo, subject)
	for writes := 0; ; writes++ {
		im, err := r.readFallback(ctx, tag)
		if err != nil {
			return writes, err
		}
		if slices.ContainsFunc(im.Manifests, func(d v1.Descriptor) bool { return d.Digest == desc.Digest }) {
			return writes, nil
		}
		if writes == r.attempts {
			return writes, fmt.Errorf("%w: %s still lacks %s after %d writes", ErrFallbackConflict, tag, desc.Digest, writes)
		}
		im.Manifests = append(im.Manifests, desc)
		// Sorted by digest, as go-containerregistry writes it, so both
		// writers produce the same index from the same entries.
		slices.SortFunc(im.Manifests, func(a, b v1.Descriptor) int {
			return cmp.Compare(a.Digest.String(), b.Digest.String())
		})
		if err := r.writeFallback(ctx, tag, im); err != nil {
			return writes, err
		}
	}
}

// readFallback returns the index under the fallback tag, or an empty one
// when the tag does not exist yet.
func (r *Referrers) readFallback(ctx context.Context, tag name.Tag) (v1.IndexManifest, error) {
	empty := v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex, Manifests: []v1.Descriptor{}}
	var got *registry.Manifest
	err := r.timed(func() (err error) {
		got, err = r.reg.Inspect(ctx, tag.Name())
		return err
	})
	if errors.Is(err, registry.ErrNotFound) {
		return empty, nil
	}
	if err != nil {
		return v1.IndexManifest{}, fmt.Errorf("reading referrers fallback tag %s: %w", tag, err)
	}
	if got.MediaType != types.OCIImageIndex {
		return v1.IndexManifest{}, fmt.Errorf("%w: fallback tag %s holds %s, not an OCI image index; something else uses that tag", ErrMalformedAttestation, tag, got.MediaType)
	}
	var im v1.IndexManifest
	if err := json.Unmarshal(got.Raw, &im); err != nil {
		return v1.IndexManifest{}, fmt.Errorf("%w: fallback tag %s: %v", ErrMalformedAttestation, tag, err)
	}
	if im.Manifests == nil {
		im.Manifests = []v1.Descriptor{}
	}
	return im, nil
}

// writeFallback PUTs the fallback index. It has no subject, so
// go-containerregistry does not try to maintain a fallback tag for it.
func (r *Referrers) writeFallback(ctx context.Context, tag name.Tag, im v1.IndexManifest) error {
	im.SchemaVersion, im.MediaType = 2, types.OCIImageIndex
	b, err := json.Marshal(im)
	if err != nil {
		return err
	}
	m, err := registry.ManifestOf(tag.Name(), b, types.OCIImageIndex)
	if err != nil {
		return err
	}
	if err := r.timed(func() error { return r.reg.Tag(ctx, tag.Context().Name(), tag.TagStr(), m) }); err != nil {
		return fmt.Errorf("writing referrers fallback tag %s: %w", tag, err)
	}
	return nil
}
