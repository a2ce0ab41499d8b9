package release_test

import (
	"encoding/json"
	"testing"

	"github.com/patchline/patchline/pipeline/attest"
	"github.com/patchline/patchline/pipeline/internal/testing/fixture"
	"github.com/patchline/patchline/pipeline/internal/testing/regtest"
	"github.com/patchline/patchline/pipeline/release"
)

// The base of a multi-platform build is one manifest per platform: each
// platform's provenance records that manifest's digest under a package URL
// for that platform, not the base index's digest.
func TestProvenanceRecordsTheBasePlatformDigest(t *testing.T) {
	e := fixture.New(t, regtest.GGCR())
	in := e.Inputs("version: 1\nattestations:\n  layouts: [index]\n")
	rep, err := release.Release(ctx, in, fixture.Version(t, "v1.6.0"), fixture.Released(in.Policy, []string{"v1.6.0"}))
	if err != nil {
		t.Fatal(err)
	}
	index := e.Digest(e.Base)
	basePlatforms := map[string]string{}
	bim, _ := e.Index(e.Base).IndexManifest()
	for _, d := range bim.Manifests {
		basePlatforms[d.Platform.String()] = d.Digest.Hex
	}
	atts, err := attest.ReadIndexAttestations(e.Index(e.Repo + ":1.6.0"))
	if err != nil {
		t.Fatal(err)
	}
	for _, pi := range rep.Platforms {
		var deps []attest.ResourceDescriptor
		for _, st := range atts[pi.Descriptor.Digest] {
			if st.PredicateType != attest.PredicateSLSAProvenanceV1 {
				continue
			}
			var p attest.ProvenancePredicate
			if err := json.Unmarshal(st.Predicate, &p); err != nil {
				t.Fatal(err)
			}
			deps = p.BuildDefinition.ResolvedDependencies
		}
		purl, err := attest.ImagePURL(e.Base, pi.Descriptor.Platform)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, d := range deps[1:] {
			if d.Digest["sha256"] == index[len("sha256:"):] {
				t.Errorf("%s provenance records the base index digest: %+v", pi.Platform, d)
			}
			if d.URI == purl {
				found = true
				if d.Digest["sha256"] != basePlatforms[pi.Platform] {
					t.Errorf("%s provenance records base %s; want the %s manifest %s", pi.Platform, d.Digest["sha256"], pi.Platform, basePlatforms[pi.Platform])
				}
			}
		}
		if !found {
			t.Errorf("%s provenance has no %s: %+v", pi.Platform, purl, deps)
		}
	}
}
