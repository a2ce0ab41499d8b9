package release

import (
	"context"
	"errors"
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/patchline/patchline/pipeline/attest"
	"github.com/patchline/patchline/pipeline/build"
	"github.com/patchline/patchline/pipeline/plan"
	"github.com/patchline/patchline/pipeline/publish"
	"github.com/patchline/patchline/pipeline/registry"
)

// published is an image already in a repository under the exact tag.
type published struct {
	repo     string
	digest   string
	revision string
}

// findPublished looks for the exact tag in every repository. An image of
// the same revision is adopted: the release is finished (missing tags and
// attestations) instead of rebuilt, because a rebuild would make a
// different digest and an immutable tag cannot move. An image of another
// revision under an immutable exact tag is refused before anything runs.
func findPublished(ctx context.Context, in Inputs, exact plan.Tag) (*published, []string, error) {
	var notes []string
	for _, repo := range in.Repositories {
		ref := repo + ":" + exact.Name
		// HEAD first: a release of a new version, the usual case, then
		// costs no GET.
		if _, err := in.Registry.Resolve(ctx, ref); errors.Is(err, registry.ErrNotFound) {
			continue
		} else if err != nil {
			return nil, nil, err
		}
		m, err := in.Registry.Inspect(ctx, ref)
		if err != nil {
			return nil, nil, err
		}
		rev := m.Annotations[build.AnnotationRevision]
		if rev != "" && rev == in.Source.Commit {
			return &published{repo: repo, digest: m.Digest.String(), revision: rev}, notes, nil
		}
		if exact.Immutable {
			return nil, nil, fmt.Errorf("%w: %s holds a build of revision %q and this is revision %s; %s is immutable in %s, so nothing was built or written. Release a new version",
				publish.ErrImmutable, ref, rev, in.Source.Commit, exact.Name, in.Policy.Source)
		}
		notes = append(notes, fmt.Sprintf("%s holds a build of revision %q; the exact tag moves to this build of %s", ref, rev, in.Source.Commit))
	}
	return nil, notes, nil
}

// adopt loads a published image so that a re-run can finish its release.
func adopt(ctx context.Context, in Inputs, b Build, pub *published) (*Product, error) {
	idx, err := in.Registry.Index(ctx, pub.repo+"@"+pub.digest)
	if err != nil {
		return nil, err
	}
	prod := &Product{Index: idx, Digest: pub.digest, Adopted: true, Statements: map[v1.Hash][]attest.Statement{}, Documents: map[v1.Hash]attest.SBOM{}}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, err
	}
	if name := im.Annotations[build.AnnotationBaseName]; name != "" {
		prod.Pinned = &Pinned{Bases: []Base{{Ref: name, Digest: im.Annotations[build.AnnotationBaseDigest], Final: true}}}
		prod.Pinned.Final = &prod.Pinned.Bases[0]
	}
	if err := prod.setPlatforms(idx); err != nil {
		return nil, err
	}
	started := in.Now()
	prod.make = func(ctx context.Context, d v1.Descriptor) error {
		return prod.makeStatements(ctx, in, b, idx, d, started, "build")
	}
	return prod, nil
}
