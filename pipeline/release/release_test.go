package release_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"sort"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/patchline/patchline/pipeline/attest"
	"github.com/patchline/patchline/pipeline/build"
	"github.com/patchline/patchline/pipeline/internal/testing/fixture"
	"github.com/patchline/patchline/pipeline/internal/testing/regtest"
	"github.com/patchline/patchline/pipeline/publish"
	"github.com/patchline/patchline/pipeline/release"
	"github.com/patchline/patchline/pipeline/version"
)

var ctx = context.Background()

func TestReleaseEndToEnd(t *testing.T) {
	for _, impl := range regtest.All() {
		t.Run(impl.Name, func(t *testing.T) {
			e := fixture.New(t, impl)
			in := e.Inputs("weekly-refresh")
			rep, err := release.Release(ctx, in, fixture.Version(t, "v1.6.0"), fixture.Released(in.Policy, []string{"v1.5.2", "v1.6.0"}))
			if err != nil {
				t.Fatal(err)
			}
			// Every planned tag points at the published index.
			for _, tg := range []string{"1.6.0", "1.6.0-20260204", "1.6", "latest"} {
				if got := e.Digest(e.Repo + ":" + tg); got != rep.Digest {
					t.Errorf("%s -> %q; want %s", tg, got, rep.Digest)
				}
			}
			idx := e.Index(e.Repo + ":latest")
			im, _ := idx.IndexManifest()
			baseDigest := e.Digest(e.Base)
			want := map[string]string{
				build.AnnotationVersion:    "1.6.0",
				build.AnnotationRevision:   fixture.Commit,
				build.AnnotationCreated:    "2026-02-03T18:00:00Z",
				build.AnnotationSource:     "https://github.com/acme/app",
				build.AnnotationBaseName:   e.Base,
				build.AnnotationBaseDigest: baseDigest,
			}
			for k, v := range want {
				if k == build.AnnotationBaseName {
					if !strings.HasSuffix(im.Annotations[k], "library/debian:bookworm-slim") {
						t.Errorf("index %s = %q", k, im.Annotations[k])
					}
					continue
				}
				if im.Annotations[k] != v {
					t.Errorf("index %s = %q; want %q", k, im.Annotations[k], v)
				}
			}
			// Each platform manifest has the same keys, with its own
			// platform's base digest, also on its index descriptor.
			baseIdx := e.Index(e.Base)
			bim, _ := baseIdx.IndexManifest()
			basePlat := map[string]string{}
			for _, d := range bim.Manifests {
				basePlat[d.Platform.String()] = d.Digest.String()
			}
			platforms := 0
			for _, d := range im.Manifests {
				if d.Platform.OS == "unknown" {
					continue
				}
				platforms++
				img, _ := idx.Image(d.Digest)
				m, _ := img.Manifest()
				if m.Annotations[build.AnnotationVersion] != "1.6.0" || m.Annotations[build.AnnotationRevision] != fixture.Commit {
					t.Errorf("%s manifest annotations = %v", d.Platform, m.Annotations)
				}
				if m.Annotations[build.AnnotationBaseDigest] != basePlat[d.Platform.String()] || d.Annotations[build.AnnotationBaseDigest] != basePlat[d.Platform.String()] {
					t.Errorf("%s base digest = %q (descriptor %q); want %q", d.Platform, m.Annotations[build.AnnotationBaseDigest], d.Annotations[build.AnnotationBaseDigest], basePlat[d.Platform.String()])
				}
				checkReferrers(t, e, d.Digest)
			}
			if platforms != 2 {
				t.Errorf("%d platform images", platforms)
			}
			checkIndexAttestations(t, idx)
			if rep.Requests.PutManifest == 0 || rep.Requests.Total() == 0 {
				t.Errorf("no requests counted: %+v", rep.Requests)
			}
		})
	}
}

// checkReferrers asserts a platform image has a real SPDX SBOM and a
// provenance statement as OCI referrers.
func checkReferrers(t *testing.T, e *fixture.Env, d v1.Hash) {
	t.Helper()
	sboms := e.Referrers(d, "application/spdx+json")
	if len(sboms) != 1 {
		t.Fatalf("%s has %d SPDX referrers", d, len(sboms))
	}
	prov := e.Referrers(d, attest.MediaTypeInToto)
	if len(prov) != 1 || prov[0].Annotations[attest.AnnotationPredicateType] != attest.PredicateSLSAProvenanceV1 {
		t.Fatalf("%s provenance referrers = %+v", d, prov)
	}
}

// checkIndexAttestations asserts the BuildKit-style layout: one
// attestation manifest per platform with SPDX and SLSA statements whose
// subject is that platform image and whose provenance names the base and
// the source commit.
func checkIndexAttestations(t *testing.T, idx v1.ImageIndex) {
	t.Helper()
	atts, err := attest.ReadIndexAttestations(idx)
	if err != nil {
		t.Fatal(err)
	}
	if len(atts) != 2 {
		t.Fatalf("in-index attestations for %d platforms", len(atts))
	}
	for h, stmts := range atts {
		var types []string
		for _, st := range stmts {
			types = append(types, st.PredicateType)
			if st.Subject[0].Digest["sha256"] != h.Hex {
				t.Errorf("statement subject %v is not %s", st.Subject, h)
			}
			switch st.PredicateType {
			case "https://spdx.dev/Document":
				var doc struct {
					SPDXVersion string `json:"spdxVersion"`
					Packages    []struct{ Name, VersionInfo string }
				}
				json.Unmarshal(st.Predicate, &doc)
				if doc.SPDXVersion != "SPDX-2.3" || len(doc.Packages) != 2 || doc.Packages[1].Name != "libssl3" {
					t.Errorf("SBOM = %+v", doc)
				}
			case attest.PredicateSLSAProvenanceV1:
				var p attest.ProvenancePredicate
				if err := json.Unmarshal(st.Predicate, &p); err != nil {
					t.Fatal(err)
				}
				if p.BuildDefinition.ExternalParameters.Version != "1.6.0" || !strings.HasPrefix(p.RunDetails.Builder.ID, attest.BuilderIDBase) {
					t.Errorf("provenance = %+v", p)
				}
				deps, _ := json.Marshal(p.BuildDefinition.ResolvedDependencies)
				if !strings.Contains(string(deps), fixture.Commit) || !strings.Contains(string(deps), "debian") {
					t.Errorf("resolved dependencies lack the commit or the base: %s", deps)
				}
			}
		}
		sort.Strings(types)
		if !reflect.DeepEqual(types, []string{"https://slsa.dev/provenance/v1", "https://spdx.dev/Document"}) {
			t.Errorf("statements = %v", types)
		}
	}
}

func TestReleaseRerunAdoptsAndWritesNothing(t *testing.T) {
	e := fixture.New(t, regtest.GGCRNoReferrers())
	in := e.Inputs("stable-line")
	first, err := release.Release(ctx, in, fixture.Version(t, "0.3.0"), version.Set{})
	if err != nil {
		t.Fatal(err)
	}
	builds := e.Builder.Builds()
	e.Server.ResetCounts()
	again, err := release.Release(ctx, in, fixture.Version(t, "0.3.0"), version.Set{})
	if err != nil {
		t.Fatal(err)
	}
	if !again.Adopted || again.Digest != first.Digest || e.Builder.Builds() != builds {
		t.Errorf("re-run: adopted %v digest %s builds %d", again.Adopted, again.Digest, e.Builder.Builds()-builds)
	}
	if c := e.Server.Counts(); c.PutManifest != 0 || c.BlobUpload != 0 {
		t.Errorf("re-run wrote: %s", c)
	}
	if e.Scanner.Calls() != 2 {
		t.Errorf("syft ran %d times; a re-run must not scan again", e.Scanner.Calls())
	}
}

func TestReleaseGuards(t *testing.T) {
	t.Run("immutable exact tag of another revision", func(t *testing.T) {
		e := fixture.New(t, regtest.GGCR())
		in := e.Inputs("stable-line")
		if _, err := release.Release(ctx, in, fixture.Version(t, "0.3.0"), version.Set{}); err != nil {
			t.Fatal(err)
		}
		builds := e.Builder.Builds()
		e.Server.ResetCounts()
		in.Source.Commit = strings.Repeat("b", 40)
		_, err := release.Release(ctx, in, fixture.Version(t, "0.3.0"), version.Set{})
		if !errors.Is(err, publish.ErrImmutable) || !strings.Contains(err.Error(), "0.3.0") {
			t.Fatalf("err = %v", err)
		}
		if c := e.Server.Counts(); c.PutManifest != 0 || c.BlobUpload != 0 || e.Builder.Builds() != builds {
			t.Errorf("refused release wrote %s or built", c)
		}
	})
	t.Run("dated collision gets a suffix", func(t *testing.T) {
		e := fixture.New(t, regtest.Olareg())
		in := e.Inputs("weekly-refresh")
		first, err := release.Release(ctx, in, fixture.Version(t, "1.6.0"), version.Set{})
		if err != nil {
			t.Fatal(err)
		}
		// The same version rebuilt from another commit on the same day
		// (weekly-refresh lets the exact tag move): the dated tag is kept.
		in.Source.Commit = strings.Repeat("c", 40)
		e.Builder.SetFile("app/run", "#!/bin/sh\necho fixed\n")
		second, err := release.Release(ctx, in, fixture.Version(t, "1.6.0"), version.Set{})
		if err != nil {
			t.Fatal(err)
		}
		if e.Digest(e.Repo+":1.6.0-20260204") != first.Digest || e.Digest(e.Repo+":1.6.0-20260204.1") != second.Digest {
			t.Errorf("dated tags: %s %s", e.Digest(e.Repo+":1.6.0-20260204"), e.Digest(e.Repo+":1.6.0-20260204.1"))
		}
	})
	t.Run("prerelease gets only its exact tag", func(t *testing.T) {
		e := fixture.New(t, regtest.GGCR())
		in := e.Inputs("default")
		if _, err := release.Release(ctx, in, fixture.Version(t, "1.6.2"), version.Set{}); err != nil {
			t.Fatal(err)
		}
		latest := e.Digest(e.Repo + ":latest")
		rep, err := release.Release(ctx, in, fixture.Version(t, "2.0.0-rc.1"), fixture.Released(in.Policy, []string{"v1.6.2"}))
		if err != nil {
			t.Fatal(err)
		}
		if e.Digest(e.Repo+":latest") != latest || e.Digest(e.Repo+":2.0.0-rc.1") != rep.Digest || e.Digest(e.Repo+":2.0") != "" {
			t.Errorf("prerelease moved floating tags: %v", e.Tags())
		}
	})
	t.Run("patch of an older line keeps latest", func(t *testing.T) {
		e := fixture.New(t, regtest.Distribution())
		in := e.Inputs("default")
		newest, err := release.Release(ctx, in, fixture.Version(t, "1.6.2"), fixture.Released(in.Policy, []string{"v1.5.3", "v1.6.2"}))
		if err != nil {
			t.Fatal(err)
		}
		in.Source.Commit = strings.Repeat("d", 40)
		older, err := release.Release(ctx, in, fixture.Version(t, "1.5.4"), fixture.Released(in.Policy, []string{"v1.5.3", "v1.6.2", "v1.5.4"}))
		if err != nil {
			t.Fatal(err)
		}
		if e.Digest(e.Repo+":latest") != newest.Digest || e.Digest(e.Repo+":1.5") != older.Digest {
			t.Errorf("latest %s 1.5 %s", e.Digest(e.Repo+":latest"), e.Digest(e.Repo+":1.5"))
		}
	})
}

func TestDryRunWritesNothing(t *testing.T) {
	e := fixture.New(t, regtest.GGCR())
	in := e.Inputs("default")
	in.DryRun = true
	e.Server.ResetCounts()
	rep, err := release.Release(ctx, in, fixture.Version(t, "1.0.0"), version.Set{})
	if err != nil {
		t.Fatal(err)
	}
	c := e.Server.Counts()
	if c.PutManifest != 0 || c.BlobUpload != 0 || e.Builder.Builds() != 0 {
		t.Errorf("dry run wrote or built: %s", c)
	}
	if len(rep.Bases) != 1 || rep.Bases[0].Digest != e.Digest(e.Base) || c.GetManifest != 0 {
		t.Errorf("bases = %+v, counts %s", rep.Bases, c)
	}
}

func TestEdge(t *testing.T) {
	e := fixture.New(t, regtest.GGCR())
	in := e.Inputs("default")
	rep, err := release.Edge(ctx, in, "feature/Big_Thing#2", "ABCDEF0123456789")
	if err != nil {
		t.Fatal(err)
	}
	for _, tg := range []string{"edge-feature..Big_Thing-2-0edebcb", "edge-sha-abcdef0"} {
		if e.Digest(e.Repo+":"+tg) != rep.Digest {
			t.Errorf("%s not published", tg)
		}
	}
}

func TestMalformedDockerfileWritesNothing(t *testing.T) {
	e := fixture.New(t, regtest.GGCR())
	e.Builder.SetFile("Dockerfile", "FROM ${BASE}\nCOPY app/ /app/\n")
	e.Server.ResetCounts()
	_, err := release.Release(ctx, e.Inputs("default"), fixture.Version(t, "1.0.0"), version.Set{})
	if err == nil || !strings.Contains(err.Error(), "Dockerfile:1") || !strings.Contains(err.Error(), "BASE") {
		t.Fatalf("err = %v", err)
	}
	if c := e.Server.Counts(); c.PutManifest != 0 || c.BlobUpload != 0 || e.Builder.Builds() != 0 {
		t.Errorf("a malformed Dockerfile still wrote or built: %s", c)
	}
}

// A release of a line the policy does not support publishes its exact tag
// and withholds the line tag, with the reason in the plan: refresh would
// never patch that line tag.
func TestReleaseOfAnUnsupportedLineWithholdsItsLineTag(t *testing.T) {
	const pol = "version: 1\nsupport:\n  constraint: \">= 0.3.0\"\ntags:\n  aliases: [stable, latest]\n"
	for _, impl := range regtest.All() {
		t.Run(impl.Name, func(t *testing.T) {
			e := fixture.New(t, impl)
			tags := []string{"v0.3.1", "v0.2.9"}
			newer := e.Release(e.Inputs(pol), "v0.3.1", tags)
			rep := e.Release(e.Inputs(pol), "v0.2.9", tags)
			if e.Digest(e.Repo+":0.2.9") != rep.Digest {
				t.Errorf("0.2.9 was not published")
			}
			if d := e.Digest(e.Repo + ":0.2"); d != "" {
				t.Errorf("the unsupported line got its line tag 0.2 -> %s", d)
			}
			if e.Digest(e.Repo+":latest") != newer.Digest {
				t.Errorf("latest moved")
			}
			found := false
			for _, w := range rep.Plan.Withheld {
				found = found || w.Name == "0.2" && strings.Contains(w.Reason, "unsupported")
			}
			if !found {
				t.Errorf("the plan does not say why 0.2 was withheld: %+v", rep.Plan.Withheld)
			}
		})
	}
}

// An edge build with no branch publishes the edge tags that need none
// (edge-sha-<sha7>), withholds edge-<branch> with the reason, and records
// the commit as the ref built; plan shows the same.
func TestEdgeWithoutABranch(t *testing.T) {
	for _, impl := range regtest.All() {
		t.Run(impl.Name, func(t *testing.T) {
			e := fixture.New(t, impl)
			in := e.Inputs("default")
			in.Source.Ref = ""
			in.DryRun = true
			planned, err := release.Edge(ctx, in, "", fixture.Commit)
			if err != nil {
				t.Fatal(err)
			}
			in.DryRun = false
			rep, err := release.Edge(ctx, in, "", fixture.Commit)
			if err != nil {
				t.Fatalf("edge without a branch: %v", err)
			}
			want := "edge-sha-" + fixture.Commit[:7]
			if got := rep.Plan.Names(); len(got) != 1 || got[0] != want || strings.Join(planned.Plan.Names(), ",") != want {
				t.Errorf("edge tags %v, planned %v; want %s alone", got, planned.Plan.Names(), want)
			}
			if e.Digest(e.Repo+":"+want) != rep.Digest {
				t.Errorf("%s not published", want)
			}
			if len(rep.Plan.Withheld) != 1 || rep.Plan.Withheld[0].Reason != "no --branch given" {
				t.Errorf("withheld = %+v", rep.Plan.Withheld)
			}
			im, _ := e.Index(e.Repo + "@" + rep.Digest).IndexManifest()
			atts, err := attest.ReadIndexAttestations(e.Index(e.Repo + "@" + rep.Digest))
			if err != nil {
				t.Fatal(err)
			}
			checked := 0
			for _, st := range atts[im.Manifests[0].Digest] {
				if st.PredicateType != attest.PredicateSLSAProvenanceV1 {
					continue
				}
				checked++
				if !strings.Contains(string(st.Predicate), `"ref":"`+fixture.Commit+`"`) {
					t.Errorf("provenance does not record the commit as the ref: %s", st.Predicate)
				}
			}
			if checked != 1 {
				t.Errorf("%d provenance statements", checked)
			}
		})
	}
}
