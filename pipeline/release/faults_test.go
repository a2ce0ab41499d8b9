package release_test

import (
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/patchline/patchline/pipeline/attest"
	"github.com/patchline/patchline/pipeline/internal/fixture"
	"github.com/patchline/patchline/pipeline/internal/regtest"
	"github.com/patchline/patchline/pipeline/registry"
	"github.com/patchline/patchline/pipeline/release"
)

var writes = regtest.OfKind(registry.KindPutManifest, registry.KindBlobUpload)

// state is what a repository looks like after a release: each tag's
// digest, and how many SBOM and provenance referrers each platform image
// of the released index has.
type state struct {
	tags      map[string]string
	referrers map[string]int
}

func snapshot(t *testing.T, e *fixture.Env, digest string) state {
	t.Helper()
	s := state{tags: map[string]string{}, referrers: map[string]int{}}
	for _, tg := range e.Tags() {
		if strings.HasPrefix(tg, "sha256-") {
			continue // referrers fallback tags
		}
		s.tags[tg] = e.Digest(e.Repo + ":" + tg)
	}
	if digest == "" {
		return s
	}
	im, _ := e.Index(e.Repo + "@" + digest).IndexManifest()
	for _, d := range im.Manifests {
		if d.Platform.OS == "unknown" {
			continue
		}
		s.referrers[d.Platform.String()+" sbom"] = len(e.Referrers(d.Digest, "application/spdx+json"))
		s.referrers[d.Platform.String()+" provenance"] = len(e.Referrers(d.Digest, attest.MediaTypeInToto))
	}
	return s
}

// sameShape compares two states from different servers: the same tags,
// all on one digest each, and the same referrers.
func sameShape(a, b state) bool {
	ka, kb := keys(a.tags), keys(b.tags)
	if strings.Join(ka, ",") != strings.Join(kb, ",") || len(a.referrers) != len(b.referrers) {
		return false
	}
	for k, v := range a.referrers {
		if b.referrers[k] != v {
			return false
		}
	}
	return true
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// checkNoUnattestedFloatingTag asserts that every floating tag present
// points at an index whose platform images all carry their attestations,
// in both layouts.
func checkNoUnattestedFloatingTag(t *testing.T, e *fixture.Env, floating []string) {
	t.Helper()
	for _, tg := range floating {
		d := e.Digest(e.Repo + ":" + tg)
		if d == "" {
			continue
		}
		idx := e.Index(e.Repo + "@" + d)
		atts, err := attest.ReadIndexAttestations(idx)
		if err != nil {
			t.Fatal(err)
		}
		im, _ := idx.IndexManifest()
		for _, m := range im.Manifests {
			if m.Platform.OS == "unknown" || m.MediaType != types.OCIManifestSchema1 {
				continue
			}
			if len(atts[m.Digest]) != 2 {
				t.Errorf("%s points at %s whose %s image has %d in-index attestations", tg, d, m.Platform, len(atts[m.Digest]))
			}
			if len(e.Referrers(m.Digest, "application/spdx+json")) == 0 || len(e.Referrers(m.Digest, attest.MediaTypeInToto)) == 0 {
				t.Errorf("%s points at %s whose %s image has no referrers yet", tg, d, m.Platform)
			}
		}
	}
}

var floatingTags = []string{"1.6", "latest"}

func TestFaultAtEveryWriteThenRerun(t *testing.T) {
	for _, impl := range []regtest.Impl{regtest.GGCRNoReferrers(), regtest.Olareg()} {
		t.Run(impl.Name, func(t *testing.T) {
			clean := fixture.New(t, impl)
			clean.Server.ResetCounts()
			rep, err := release.Release(ctx, clean.Inputs("weekly-refresh"), "1.6.0", nil)
			if err != nil {
				t.Fatal(err)
			}
			want := snapshot(t, clean, rep.Digest)
			n := 0
			for _, r := range clean.Server.Log() {
				if r.Kind == registry.KindPutManifest || r.Kind == registry.KindBlobUpload {
					n++
				}
			}
			if n < 10 {
				t.Fatalf("a clean release made only %d writes", n)
			}
			for _, fault := range []regtest.Fault{
				{Status: http.StatusInternalServerError},
				{Reset: true},
			} {
				for k := 1; k <= n; k++ {
					e := fixture.New(t, impl)
					fault.Match, fault.Nth, fault.Times = writes, k, -1
					e.Server.Inject(fault)
					in := e.Inputs("weekly-refresh")
					if _, err := release.Release(ctx, in, "1.6.0", nil); err == nil {
						t.Fatalf("write %d: the release succeeded although every write from it on failed", k)
					}
					checkNoUnattestedFloatingTag(t, e, floatingTags)
					e.Server.ClearFaults()
					again, err := release.Release(ctx, in, "1.6.0", nil)
					if err != nil {
						t.Fatalf("write %d (%+v): re-run failed: %v", k, fault, err)
					}
					got := snapshot(t, e, again.Digest)
					if !sameShape(got, want) {
						t.Fatalf("write %d: after a re-run the repository is\n %v\nwant the clean run's\n %v", k, got, want)
					}
					for tg, d := range got.tags {
						if d != again.Digest {
							t.Errorf("write %d: %s -> %s, not the released %s", k, tg, d, again.Digest)
						}
					}
				}
			}
		})
	}
}

func TestTransientFaultsAreRetried(t *testing.T) {
	e := fixture.New(t, regtest.GGCR())
	e.Server.Inject(regtest.Fault{Match: writes, Nth: 3, Status: http.StatusTooManyRequests, RetryAfter: "7"})
	e.Server.Inject(regtest.Fault{Match: regtest.Route("PUT", `/manifests/latest$`), Status: http.StatusServiceUnavailable})
	e.Server.Inject(regtest.Fault{Match: regtest.OfKind(registry.KindHeadManifest), Nth: 2, Reset: true})
	rep, err := release.Release(ctx, e.Inputs("weekly-refresh"), "1.6.0", nil)
	if err != nil {
		t.Fatal(err)
	}
	if e.Digest(e.Repo+":latest") != rep.Digest {
		t.Errorf("latest not published")
	}
	if !e.Slept(7 * time.Second) {
		t.Errorf("Retry-After 7 was not honoured")
	}
}
