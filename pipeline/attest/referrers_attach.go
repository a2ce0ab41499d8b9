package attest

import (
	"context"
	"fmt"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Attached reports what Attach did.
type Attached struct {
	// Descriptor is the artifact manifest as the referrers list shows it.
	Descriptor v1.Descriptor
	// Existing is true when the same document was already attached with
	// the same artifactType; nothing was written and Descriptor is that
	// earlier referrer.
	Existing bool
	// FallbackTag is the tag that lists the subject's referrers on a
	// registry without the referrers API; empty where the API exists.
	FallbackTag string
	// Repairs counts the times the fallback tag had lost this entry to a
	// concurrent writer and was merged and written again.
	Repairs int
}

// Attach pushes art as a referrer of subject (a platform manifest, or the
// index) in repo. created becomes the org.opencontainers.image.created
// annotation; it is passed in so the manifest, and so its digest, depends
// only on the inputs.
//
// Attach is idempotent: when a referrer of the same artifactType already
// holds the same document (even one attached at another time), it returns
// that one and writes nothing.
//
// On a registry without the referrers API, go-containerregistry's remote
// package updates the fallback tag itself when it writes a manifest that
// has a subject: it GETs the tag's index, appends the descriptor unless its
// digest is there, sorts by digest and PUTs the tag, with no conditional
// request. Two writers that read the tag before either writes lose one
// entry. It also skips that update entirely when the manifest already
// exists, so re-pushing an artifact never repairs a lost entry. Attach
// therefore reads the tag back after writing and, while its descriptor is
// missing, merges it into what is there now and writes again, up to the
// configured number of attempts (ErrFallbackConflict after that). Writers
// sharing this Referrers are also serialised per subject. Without
// conditional writes no client can exclude a writer in another process
// overwriting the tag after this one checked; re-running Attach repairs it.
func (r *Referrers) Attach(ctx context.Context, repo name.Repository, subject v1.Descriptor, art Artifact, created time.Time) (Attached, error) {
	img, err := artifactImage(subject, art, created)
	if err != nil {
		return Attached{}, err
	}
	desc, err := artifactDescriptor(img, art)
	if err != nil {
		return Attached{}, fmt.Errorf("building %s artifact for %s: %w", art.ArtifactType, subject.Digest, err)
	}
	layerDigest, err := singleLayerDigest(img)
	if err != nil {
		return Attached{}, err
	}

	unlock := r.lock(repo, subject.Digest)
	defer unlock()

	_, existing, err := r.list(ctx, repo, subject.Digest)
	if err != nil {
		return Attached{}, err
	}
	if same, ok, err := r.findEquivalent(ctx, repo, subject.Digest, existing, desc, layerDigest); err != nil {
		return Attached{}, err
	} else if ok {
		res := Attached{Descriptor: same, Existing: true}
		if err := r.settle(ctx, repo, subject.Digest, same, &res); err != nil {
			return res, err
		}
		return res, nil
	}

	ref := repo.Digest(desc.Digest.String())
	if _, err := r.pusher.Push(ctx, ref.Name(), img); err != nil {
		return Attached{}, fmt.Errorf("pushing %s referrer %s of %s: %w", art.ArtifactType, desc.Digest, subject.Digest, err)
	}
	res := Attached{Descriptor: desc}
	if err := r.settle(ctx, repo, subject.Digest, desc, &res); err != nil {
		return res, err
	}
	return res, nil
}

// settle makes sure desc is listed: nothing to do where the registry has the
// referrers API, the read-back-and-merge loop on the fallback tag where not.
func (r *Referrers) settle(ctx context.Context, repo name.Repository, subject v1.Hash, desc v1.Descriptor, res *Attached) error {
	api, _, err := r.list(ctx, repo, subject)
	if err != nil {
		return err
	}
	if api {
		return nil
	}
	res.FallbackTag = FallbackTag(repo, subject).TagStr()
	res.Repairs, err = r.ensureFallbackEntry(ctx, repo, subject, desc)
	return err
}

// findEquivalent returns the existing referrer that is desc itself, or that
// has the same artifactType, subject and layer: the same document attached
// before, perhaps at another time.
func (r *Referrers) findEquivalent(ctx context.Context, repo name.Repository, subject v1.Hash, existing []v1.Descriptor, desc v1.Descriptor, layer v1.Hash) (v1.Descriptor, bool, error) {
	for _, e := range existing {
		if e.Digest == desc.Digest {
			return e, true, nil
		}
	}
	for _, e := range existing {
		if e.ArtifactType != desc.ArtifactType {
			continue
		}
		m, err := r.fetchReferrerManifest(ctx, repo, e.Digest)
		if err != nil {
			return v1.Descriptor{}, false, err
		}
		if m.Subject != nil && m.Subject.Digest == subject && len(m.Layers) == 1 && m.Layers[0].Digest == layer {
			return e, true, nil
		}
	}
	return v1.Descriptor{}, false, nil
}

// singleLayerDigest returns the digest of an artifact's one layer.
func singleLayerDigest(img v1.Image) (v1.Hash, error) {
	ls, err := img.Layers()
	if err != nil {
		return v1.Hash{}, err
	}
	if len(ls) != 1 {
		return v1.Hash{}, fmt.Errorf("%w: artifact has %d layers, want 1", ErrInvalidArtifact, len(ls))
	}
	return ls[0].Digest()
}
