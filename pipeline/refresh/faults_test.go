package refresh_test

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/patchline/patchline/pipeline/attest"
	"github.com/patchline/patchline/pipeline/build"
	"github.com/patchline/patchline/pipeline/internal/testing/fixture"
	"github.com/patchline/patchline/pipeline/internal/testing/regtest"
	"github.com/patchline/patchline/pipeline/refresh"
	"github.com/patchline/patchline/pipeline/registry"
)

var writes = regtest.OfKind(registry.KindPutManifest, registry.KindBlobUpload)

// faultKinds are the failures a write meets: a server error, a rate limit
// that says when to come back, a connection reset, and a registry that
// takes the request and never answers (the run's client then gives up at
// its deadline: see impatient).
var faultKinds = []struct {
	name  string
	fault regtest.Fault
}{
	{"500", regtest.Fault{Status: http.StatusInternalServerError}},
	{"429", regtest.Fault{Status: http.StatusTooManyRequests, RetryAfter: "1"}},
	{"reset", regtest.Fault{Reset: true}},
	{"timeout", regtest.Fault{Hang: true}},
}

// impatient gives w's runs a client with short deadlines while a hang is
// injected, attempts tries per request, and returns what restores a
// client with the default deadlines: the re-run is about finishing the
// job, so a loaded machine cannot turn a slow answer into its failure.
func impatient(w *world, f regtest.Fault, attempts int) (restore func()) {
	if !f.Hang {
		return func() {}
	}
	w.e.Client = w.e.ImpatientClient(attempts)
	return func() { w.e.Client = w.e.NewClient() }
}

// floatingOK checks what a reader relies on after any refresh, finished or
// not: every tag that moves points at an image that records its base and
// carries its attestations in both layouts.
func floatingOK(t *testing.T, e *fixture.Env, tags []string, when string) {
	t.Helper()
	checked := map[string]bool{}
	for _, tg := range tags {
		d := e.Digest(e.Repo + ":" + tg)
		if d == "" {
			t.Errorf("%s: %s is missing", when, tg)
			continue
		}
		if checked[d] {
			continue
		}
		checked[d] = true
		idx := e.Index(e.Repo + "@" + d)
		im, _ := idx.IndexManifest()
		if im.Annotations[build.AnnotationBaseDigest] == "" {
			t.Errorf("%s: %s records no base", when, tg)
		}
		atts, _ := attest.ReadIndexAttestations(idx)
		for _, m := range im.Manifests {
			if m.Platform.OS == "unknown" {
				continue
			}
			if len(atts[m.Digest]) != 2 || len(e.Referrers(m.Digest, attest.MediaTypeInToto)) == 0 || len(e.Referrers(m.Digest, "application/spdx+json")) == 0 {
				t.Errorf("%s: %s points at %s whose %s image is not attested", when, tg, d, m.Platform)
			}
		}
	}
}

// immutableOnce checks that no dated tag was ever written with two images.
func immutableOnce(t *testing.T, e *fixture.Env, when string) {
	t.Helper()
	seen := map[string]string{}
	for _, w := range e.TagWrites() {
		if !strings.Contains(w.Tag, "-2026") || strings.HasPrefix(w.Tag, "sha256-") { // not a referrers fallback tag
			continue
		}
		if d, ok := seen[w.Tag]; ok && d != w.Digest {
			t.Errorf("%s: dated tag %s written with %s and then %s", when, w.Tag, d, w.Digest)
		}
		seen[w.Tag] = w.Digest
	}
}

// shape is what one refresh did to the repository: the tags it wrote
// (the day written as DATE, so weeks compare), how many images they hold
// at the end, and how many referrers of each kind each platform image of
// those has.
type shape struct {
	tags      string
	images    int
	referrers string
}

// shapeSince returns the shape of the tag writes after the first from.
func shapeSince(e *fixture.Env, from int, date string) shape {
	final := map[string]string{}
	for _, w := range e.TagWrites()[from:] {
		if !strings.HasPrefix(w.Tag, "sha256-") {
			final[w.Tag] = ""
		}
	}
	var tags []string
	images := map[string]bool{}
	for tg := range final {
		tags = append(tags, strings.ReplaceAll(tg, date, "DATE"))
		images[e.Digest(e.Repo+":"+tg)] = true
	}
	sort.Strings(tags)
	s := shape{tags: strings.Join(tags, " "), images: len(images)}
	for d := range images {
		im, _ := e.Index(e.Repo + "@" + d).IndexManifest()
		var counts []string
		for _, m := range im.Manifests {
			if m.Platform.OS == "unknown" {
				continue
			}
			counts = append(counts, fmt.Sprintf("%s:%d/%d", m.Platform, len(e.Referrers(m.Digest, "application/spdx+json")), len(e.Referrers(m.Digest, attest.MediaTypeInToto))))
		}
		sort.Strings(counts)
		s.referrers = strings.Join(counts, " ")
	}
	return s
}

// weeksPerWorld bounds how many weekly refreshes one world serves: ggcr's
// referrers API reads every manifest of the registry, so a world that
// grows for a year slows every refresh down.
const weeksPerWorld = 12

// TestFaultAtEveryWrite fails one refresh at every write it makes, with
// each kind of fault, on every registry, and runs it again, as the same CI
// run (same invocation id) and as a new one: the re-run must end in a tag
// set of the same shape as a clean run's, with no dated tag written twice
// and no floating tag ever on an image without its attestations. Each
// world refreshes week after week (the base moves every week), so one
// world serves every write.
func TestFaultAtEveryWrite(t *testing.T) {
	refreshTags := contracts[0].refreshTags
	floating := []string{"1.6.2", "1.6", "latest"}
	for _, impl := range matrixImpls() {
		t.Run(impl.Name, func(t *testing.T) {
			clean := newWorld(t, impl, fixture.OnePlatform, "v1.6.2")
			clean.week()
			clean.e.PushBase(t, "2")
			from := len(clean.e.TagWrites())
			clean.e.Server.ResetCounts()
			if _, err := clean.refresh(); err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, r := range clean.e.Server.Log() {
				if r.Kind == registry.KindPutManifest || r.Kind == registry.KindBlobUpload {
					n++
				}
			}
			date := clean.day.Format("20060102")
			want := shapeSince(clean.e, from, date)
			if want.images != 1 || len(strings.Fields(want.tags)) != len(refreshTags(date)) {
				t.Fatalf("clean refresh: %+v", want)
			}
			for ki, kind := range faultKinds {
				for _, rerun := range []string{"same run", "new run"} {
					t.Run(kind.name+"/"+rerun, func(t *testing.T) {
						var w *world
						for k := 1; k <= n; k++ {
							if raceBuild && k%4 != ki%4 {
								continue
							}
							if k%weeksPerWorld == 1 || w == nil {
								w = newWorld(t, impl, fixture.OnePlatform, "v1.6.2")
							}
							w.week()
							w.e.PushBase(t, fmt.Sprint(k+2))
							date := w.day.Format("20060102")
							from := len(w.e.TagWrites())
							w.invocation = ""
							f := kind.fault
							f.Match, f.Nth, f.Times = writes, k, -1
							in := w.e.Server.Inject(f)
							restore := impatient(w, f, 2)
							failed, err := w.refresh()
							restore()
							if in.Fired() == 0 {
								continue // this week's refresh made fewer writes
							}
							if err == nil {
								t.Fatalf("write %d: the refresh succeeded although every write from it on failed", k)
							}
							if why := line(failed, "1.6").Error; f.Hang && (!strings.Contains(why, "registry "+w.e.Server.Host) || !strings.Contains(why, fixture.HangDeadline.String())) {
								t.Errorf("write %d: a registry that never answers failed the line with %q; want the registry and the deadline named", k, why)
							}
							floatingOK(t, w.e, floating, fmt.Sprintf("write %d, after the failure", k))
							w.e.Server.ClearFaults()
							if rerun == "new run" {
								w.invocation = fmt.Sprintf("rerun-%d", k)
							}
							rep, err := w.refresh()
							if err != nil {
								t.Fatalf("write %d: re-run: %v", k, err)
							}
							if got := shapeSince(w.e, from, date); got != want {
								t.Fatalf("write %d: the re-run left\n %+v\nwant the clean run's\n %+v", k, got, want)
							}
							floatingOK(t, w.e, floating, fmt.Sprintf("write %d, after the re-run", k))
							immutableOnce(t, w.e, fmt.Sprintf("write %d", k))
							if l := line(rep, "1.6"); l.Status != refresh.StatusRebuilt && l.Status != refresh.StatusRepaired {
								t.Errorf("write %d: the re-run %s the line: %s", k, l.Status, l.Reason)
							}
							if t.Failed() {
								t.FailNow()
							}
						}
					})
				}
			}
		})
	}
}

// A single transient failure at any write, of any kind, is retried under
// the client's policy (Retry-After honoured) and the refresh ends exactly
// like a clean one.
func TestTransientFaultAtEveryWrite(t *testing.T) {
	for _, impl := range matrixImpls() {
		t.Run(impl.Name, func(t *testing.T) {
			for ki, kind := range faultKinds {
				w := newWorld(t, impl, fixture.OnePlatform, "v1.6.2")
				var want shape
				for k := 0; ; k++ {
					if k > 0 && raceBuild && k%4 != ki%4 {
						continue
					}
					if k%weeksPerWorld == 0 && k > 0 {
						w = newWorld(t, impl, fixture.OnePlatform, "v1.6.2")
					}
					w.week()
					w.e.PushBase(t, fmt.Sprint(k+2))
					date := w.day.Format("20060102")
					from := len(w.e.TagWrites())
					f := kind.fault
					f.Match, f.Nth = writes, k
					var in *regtest.Injected
					restore := func() {}
					if k > 0 {
						in = w.e.Server.Inject(f)
						restore = impatient(w, f, registry.DefaultRetryPolicy().MaxAttempts)
					}
					_, err := w.refresh()
					restore()
					if err != nil {
						t.Fatalf("%s at write %d: %v", kind.name, k, err)
					}
					w.e.Server.ClearFaults()
					got := shapeSince(w.e, from, date)
					if k == 0 {
						want = got // no fault: the clean shape
						continue
					}
					if in.Fired() == 0 {
						break // past the last write
					}
					if got != want {
						t.Fatalf("%s at write %d: the refresh left\n %+v\nwant\n %+v", kind.name, k, got, want)
					}
				}
			}
		})
	}
}
