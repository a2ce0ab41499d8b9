package release_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/patchline/patchline/pipeline/attest"
	"github.com/patchline/patchline/pipeline/build"
	"github.com/patchline/patchline/pipeline/internal/testing/fixture"
	"github.com/patchline/patchline/pipeline/internal/testing/regtest"
	"github.com/patchline/patchline/pipeline/release"
)

// platformless builds like its inner builder, then drops the platform from
// every index entry: the shape a single-variant export had before its
// platform was read from the image config.
type platformless struct{ build.Builder }

func (b platformless) Build(ctx context.Context, spec build.Spec) (v1.ImageIndex, error) {
	idx, err := b.Builder.Build(ctx, spec)
	if err != nil {
		return nil, err
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, err
	}
	out := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, d := range im.Manifests {
		img, err := idx.Image(d.Digest)
		if err != nil {
			return nil, err
		}
		out = mutate.AppendManifests(out, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{MediaType: d.MediaType, Annotations: d.Annotations}})
	}
	return out, nil
}

func TestAnImageWithoutItsAttestationsGetsNoTag(t *testing.T) {
	for _, layouts := range []string{"[referrers, index]", "[referrers]", "[index]"} {
		t.Run(layouts, func(t *testing.T) {
			e := fixture.New(t, regtest.GGCR())
			in := e.Inputs("version: 1\nplatforms: [linux/amd64]\ntags:\n  aliases: [stable, latest]\nattestations:\n  layouts: " + layouts + "\n")
			in.Builder = platformless{e.Builder}
			_, err := release.Release(ctx, in, fixture.Version(t, "v0.3.1"), fixture.Released(in.Policy, []string{"v0.3.1"}))
			if !errors.Is(err, release.ErrUnattested) {
				t.Fatalf("release of an image without attestations: %v", err)
			}
			for _, want := range []string{"no platform", "SBOM", "provenance", "nothing was tagged"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error does not say %q: %v", want, err)
				}
			}
			if tags := e.Tags(); len(tags) != 0 {
				t.Errorf("tags written: %v", tags)
			}
			if c := e.Server.Counts(); c.PutManifest != 0 {
				t.Errorf("manifests written: %s", c)
			}
		})
	}
}

func TestEveryPlatformOfASinglePlatformReleaseIsAttested(t *testing.T) {
	e := fixture.New(t, regtest.GGCR())
	in := e.Inputs("stable-line")
	in.Platforms = []v1.Platform{{OS: "linux", Architecture: "amd64"}}
	rep, err := release.Release(ctx, in, fixture.Version(t, "v0.3.1"), fixture.Released(in.Policy, []string{"v0.3.1"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Platforms) != 1 || rep.Platforms[0].Platform != "linux/amd64" {
		t.Fatalf("platforms = %+v", rep.Platforms)
	}
	h, _ := v1.NewHash(rep.Platforms[0].Digest)
	checkReferrers(t, e, h)
	atts, err := attest.ReadIndexAttestations(e.Index(e.Repo + ":stable"))
	if err != nil || len(atts[h]) != 2 {
		t.Errorf("in-index attestations of %s: %d, %v", h, len(atts[h]), err)
	}
}

func TestCheckAttestedNamesWhatIsMissing(t *testing.T) {
	e := fixture.New(t, regtest.GGCR())
	in := e.Inputs("version: 1\nattestations:\n  layouts: [referrers, index]\n")
	prod, err := release.Produce(ctx, in, release.NewResolver(in.Registry), release.Build{Kind: attest.KindRelease, Version: "1.6.0"})
	if err != nil {
		t.Fatal(err)
	}
	if err := prod.CheckAttested(in.Policy); err != nil {
		t.Fatalf("a complete product: %v", err)
	}
	amd, arm := prod.Platforms[0], prod.Platforms[1]
	var kept []attest.Statement
	for _, st := range prod.Statements[arm.Descriptor.Digest] {
		if st.PredicateType != attest.PredicateSLSAProvenanceV1 {
			kept = append(kept, st)
		}
	}
	prod.Statements[arm.Descriptor.Digest] = kept
	delete(prod.Documents, amd.Descriptor.Digest)
	err = prod.CheckAttested(in.Policy)
	if !errors.Is(err, release.ErrUnattested) {
		t.Fatalf("incomplete product passed: %v", err)
	}
	for _, want := range []string{
		arm.Digest + " (linux/arm64) lacks its SLSA provenance",
		amd.Digest + " (linux/amd64) lacks its spdx SBOM document for the referrers layout",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
}

// An image published for this revision before the policy asked for
// attestations is adopted by a re-run. Under a policy whose only layout is
// the index, nothing can attest it where it is (that would change its
// digest): the run fails saying so, and moves no tag.
func TestAnAdoptedImageThatOnlyTheIndexLayoutCouldAttestGetsNoTag(t *testing.T) {
	e := fixture.New(t, regtest.GGCR())
	tags := []string{"v1.6.0"}
	first := e.Inputs("version: 1\ntags:\n  aliases: []\nattestations:\n  sbom: none\n  provenance: false\n")
	if _, err := release.Release(ctx, first, fixture.Version(t, "1.6.0"), fixture.Released(first.Policy, tags)); err != nil {
		t.Fatal(err)
	}
	e.Server.ResetCounts()
	in := e.Inputs("version: 1\ntags:\n  aliases: [latest]\nattestations:\n  layouts: [index]\n")
	_, err := release.Release(ctx, in, fixture.Version(t, "1.6.0"), fixture.Released(in.Policy, tags))
	if !errors.Is(err, release.ErrUnattested) || !strings.Contains(err.Error(), "referrers") {
		t.Fatalf("re-run under an index-only policy: %v", err)
	}
	if e.Digest(e.Repo+":latest") != "" {
		t.Error("latest was written for an image without attestations")
	}
	if c := e.Server.Counts(); c.PutManifest != 0 {
		t.Errorf("manifests written: %s", c)
	}
}
