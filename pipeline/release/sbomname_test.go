package release_test

import (
	"encoding/json"
	"testing"

	"github.com/patchline/patchline/pipeline/attest"
	"github.com/patchline/patchline/pipeline/internal/testing/fixture"
	"github.com/patchline/patchline/pipeline/internal/testing/regtest"
	"github.com/patchline/patchline/pipeline/release"
)

func TestSBOMIsNamedAfterTheImage(t *testing.T) {
	for _, format := range []string{"spdx", "cyclonedx"} {
		t.Run(format, func(t *testing.T) {
			e := fixture.New(t, regtest.GGCR())
			in := e.Inputs("version: 1\nattestations:\n  sbom: " + format + "\n  layouts: [index]\n")
			rep, err := release.Release(ctx, in, fixture.Version(t, "v1.6.0"), fixture.Released(in.Policy, []string{"v1.6.0"}))
			if err != nil {
				t.Fatal(err)
			}
			atts, err := attest.ReadIndexAttestations(e.Index(e.Repo + ":1.6.0"))
			if err != nil {
				t.Fatal(err)
			}
			for _, pi := range rep.Platforms {
				want := e.Repo + "@" + pi.Digest + " (" + pi.Platform + ")"
				if got := release.SBOMName(e.Repo, pi.Descriptor); got != want {
					t.Errorf("SBOMName = %q; want %q", got, want)
				}
				found := false
				for _, st := range atts[pi.Descriptor.Digest] {
					if st.PredicateType == attest.PredicateSLSAProvenanceV1 {
						continue
					}
					var doc struct {
						Name     string `json:"name"`
						Metadata struct {
							Component struct{ Name string } `json:"component"`
						} `json:"metadata"`
					}
					if err := json.Unmarshal(st.Predicate, &doc); err != nil {
						t.Fatal(err)
					}
					got := doc.Name
					if format == "cyclonedx" {
						got = doc.Metadata.Component.Name
					}
					found = true
					if got != want {
						t.Errorf("%s SBOM of %s is named %q; want %q", format, pi.Platform, got, want)
					}
				}
				if !found {
					t.Errorf("no SBOM for %s", pi.Platform)
				}
			}
		})
	}
}
