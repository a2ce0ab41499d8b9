package attest

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// List returns the referrers of subject in repo whose artifactType is
// artifactType, or all of them when artifactType is "". It asks the
// referrers API and falls back to the `sha256-<hex>` tag where there is
// none. The result is sorted by artifactType, creation annotation and
// digest, so the newest document of a type is last.
//
// Descriptors whose artifactType is missing or is the empty config type
// are resolved by reading the manifest: some registries (go-containerregistry's
// own test registry among them) report the config media type there instead
// of the manifest's artifactType, and filtering on the listing alone would
// then hide every OCI 1.1 artifact.
func (r *Referrers) List(ctx context.Context, repo name.Repository, subject v1.Hash, artifactType string) ([]v1.Descriptor, error) {
	_, all, err := r.list(ctx, repo, subject)
	if err != nil {
		return nil, err
	}
	if artifactType == "" {
		return all, nil
	}
	return slices.DeleteFunc(all, func(d v1.Descriptor) bool { return d.ArtifactType != artifactType }), nil
}

// list returns whether the registry answered through the referrers API and
// every referrer of subject, with artifactTypes resolved, sorted.
func (r *Referrers) list(ctx context.Context, repo name.Repository, subject v1.Hash) (bool, []v1.Descriptor, error) {
	d := repo.Digest(subject.String())
	listed, api, err := r.reg.Referrers(ctx, d.Name())
	if err != nil {
		return false, nil, err
	}
	if !api {
		im, err := r.readFallback(ctx, FallbackTag(repo, subject))
		if err != nil {
			return false, nil, fmt.Errorf("listing referrers of %s: %w", d, err)
		}
		listed = im.Manifests
	}
	out := make([]v1.Descriptor, 0, len(listed))
	for _, desc := range listed {
		if desc.ArtifactType == "" || desc.ArtifactType == MediaTypeEmptyJSON {
			at, err := r.manifestArtifactType(ctx, repo, desc.Digest)
			if err != nil {
				return false, nil, fmt.Errorf("listing referrers of %s: %w", d, err)
			}
			desc.ArtifactType = at
		}
		out = append(out, desc)
	}
	slices.SortFunc(out, func(a, b v1.Descriptor) int {
		return cmp.Or(
			cmp.Compare(a.ArtifactType, b.ArtifactType),
			cmp.Compare(a.Annotations[AnnotationCreated], b.Annotations[AnnotationCreated]),
			cmp.Compare(a.Digest.String(), b.Digest.String()),
		)
	})
	return api, slices.CompactFunc(out, func(a, b v1.Descriptor) bool { return a.Digest == b.Digest }), nil
}

// referrerManifest is the part of an artifact manifest this package reads.
type referrerManifest struct {
	ArtifactType string          `json:"artifactType"`
	Config       v1.Descriptor   `json:"config"`
	Layers       []v1.Descriptor `json:"layers"`
	Subject      *v1.Descriptor  `json:"subject"`
}

// fetchReferrerManifest reads one referrer's manifest.
func (r *Referrers) fetchReferrerManifest(ctx context.Context, repo name.Repository, h v1.Hash) (referrerManifest, error) {
	got, err := r.reg.Inspect(ctx, repo.Digest(h.String()).Name())
	if err != nil {
		return referrerManifest{}, fmt.Errorf("reading referrer manifest %s: %w", h, err)
	}
	var m referrerManifest
	if err := json.Unmarshal(got.Raw, &m); err != nil {
		return referrerManifest{}, fmt.Errorf("%w: referrer manifest %s: %v", ErrMalformedAttestation, h, err)
	}
	return m, nil
}

// manifestArtifactType returns a manifest's artifactType, or its config
// media type for manifests without one, as the OCI spec defines it.
func (r *Referrers) manifestArtifactType(ctx context.Context, repo name.Repository, h v1.Hash) (string, error) {
	m, err := r.fetchReferrerManifest(ctx, repo, h)
	if err != nil {
		return "", err
	}
	return cmp.Or(m.ArtifactType, string(m.Config.MediaType)), nil
}
