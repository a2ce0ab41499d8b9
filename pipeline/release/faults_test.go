package release_test

import (
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/patchline/patchline/pipeline/attest"
	"github.com/patchline/patchline/pipeline/internal/testing/fixture"
	"github.com/patchline/patchline/pipeline/internal/testing/regtest"
	"github.com/patchline/patchline/pipeline/registry"
	"github.com/patchline/patchline/pipeline/release"
	"github.com/patchline/patchline/pipeline/version"
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

// floatingTags are the tags of a weekly-refresh release of 1.6.0 that
// move, the exact tag among them: none may point at an unattested image.
var floatingTags = []string{"1.6.0", "1.6", "latest"}

// releaseShape is what one release of version v did: the tags it wrote
// (v written as V), the images they hold, and the referrers of each
// platform image of those.
func releaseShape(t *testing.T, e *fixture.Env, from int, v string) string {
	t.Helper()
	final := map[string]bool{}
	for _, w := range e.TagWrites()[from:] {
		if !strings.HasPrefix(w.Tag, "sha256-") {
			final[w.Tag] = true
		}
	}
	var tags []string
	images := map[string]bool{}
	for tg := range final {
		tags = append(tags, strings.ReplaceAll(tg, v, "V"))
		images[e.Digest(e.Repo+":"+tg)] = true
	}
	sort.Strings(tags)
	out := fmt.Sprintf("tags %v on %d image(s);", tags, len(images))
	for d := range images {
		s := snapshot(t, e, d)
		keys := make([]string, 0, len(s.referrers))
		for k, n := range s.referrers {
			keys = append(keys, fmt.Sprintf("%s=%d", k, n))
		}
		sort.Strings(keys)
		out += " " + strings.Join(keys, " ")
	}
	return out
}

// TestFaultAtEveryWriteThenRerun fails a release at every write it makes,
// with a 500, a 429 with Retry-After, a connection reset and a registry
// that never answers (the failing run's client then gives up at a short
// deadline), on every registry, then runs it again as the same CI run or
// as a new one (the two alternate from one write to the next): the re-run ends with the
// tags of a clean release on one attested image, no floating tag ever
// pointed at an unattested image, and no dated tag was written twice.
// Each environment releases patch after patch, so one serves many writes.
func TestFaultAtEveryWriteThenRerun(t *testing.T) {
	kinds := []regtest.Fault{
		{Status: http.StatusInternalServerError},
		{Status: http.StatusTooManyRequests, RetryAfter: "1"},
		{Reset: true},
		{Hang: true},
	}
	for _, impl := range matrixImpls() {
		t.Run(impl.Name, func(t *testing.T) {
			clean := fixture.New(t, impl)
			rel := func(e *fixture.Env, v, invocation string, tags []string) (*release.Report, error) {
				in := e.Inputs(fixture.OnePlatform)
				in.InvocationID = invocation
				b, src, _ := e.Source(ctx, "v"+v)
				in.Builder, in.Source = b, src
				return release.Release(ctx, in, fixture.Version(t, v), fixture.Released(in.Policy, tags))
			}
			clean.Server.ResetCounts()
			if _, err := rel(clean, "1.6.0", "test-run", []string{"v1.6.0"}); err != nil {
				t.Fatal(err)
			}
			want := releaseShape(t, clean, 0, "1.6.0")
			n := 0
			for _, r := range clean.Server.Log() {
				if r.Kind == registry.KindPutManifest || r.Kind == registry.KindBlobUpload {
					n++
				}
			}
			if n < 10 {
				t.Fatalf("a clean release made only %d writes", n)
			}
			for ki, kind := range kinds {
				var e *fixture.Env
				var tags []string
				for k := 1; k <= n; k++ {
					if raceBuild && k%4 != ki%4 {
						continue
					}
					if e == nil || k%12 == 1 {
						e, tags = fixture.New(t, impl), nil
					}
					v := fmt.Sprintf("1.6.%d", k)
					tags = append(tags, "v"+v)
					from := len(e.TagWrites())
					f := kind
					f.Match, f.Nth, f.Times = writes, k, -1
					in := e.Server.Inject(f)
					if f.Hang {
						e.Client = e.ImpatientClient(2)
					}
					_, err := rel(e, v, "test-run", tags)
					e.Client = e.NewClient()
					if in.Fired() == 0 {
						continue
					}
					if err == nil {
						t.Fatalf("%+v at write %d: the release succeeded although every write from it on failed", kind, k)
					}
					if f.Hang && (!errors.Is(err, registry.ErrTimeout) || !strings.Contains(err.Error(), "registry "+e.Server.Host)) {
						t.Fatalf("a hang at write %d: %v; want ErrTimeout naming the registry", k, err)
					}
					checkNoUnattestedFloatingTag(t, e, []string{v, "1.6", "latest"})
					e.Server.ClearFaults()
					invocation := "test-run"
					if (k+ki)%2 == 1 {
						invocation = fmt.Sprintf("rerun-%d", k)
					}
					if _, err := rel(e, v, invocation, tags); err != nil {
						t.Fatalf("%+v at write %d, re-run as %s: %v", kind, k, invocation, err)
					}
					if got := releaseShape(t, e, from, v); got != want {
						t.Fatalf("%+v at write %d, re-run as %s: the repository has\n %s\nwant the clean release's\n %s", kind, k, invocation, got, want)
					}
					checkNoUnattestedFloatingTag(t, e, []string{v, "1.6", "latest"})
					seen := map[string]string{}
					for _, w := range e.TagWrites() {
						if strings.Contains(w.Tag, "-2026") && !strings.HasPrefix(w.Tag, "sha256-") && seen[w.Tag] != "" && seen[w.Tag] != w.Digest {
							t.Fatalf("%+v at write %d: dated tag %s written twice", kind, k, w.Tag)
						}
						seen[w.Tag] = w.Digest
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
	rep, err := release.Release(ctx, e.Inputs("weekly-refresh"), fixture.Version(t, "1.6.0"), version.Set{})
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
