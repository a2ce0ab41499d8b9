package refresh_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patchline/patchline/pipeline/attest"
	"github.com/patchline/patchline/pipeline/internal/testing/fixture"
	"github.com/patchline/patchline/pipeline/internal/testing/regtest"
	"github.com/patchline/patchline/pipeline/policy"
	"github.com/patchline/patchline/pipeline/refresh"
	"github.com/patchline/patchline/pipeline/release"
)

// concurrentSettle is the read-back pause of the runs in the concurrency
// tests: long against an in-process request, short for a test.
const concurrentSettle = 20 * time.Millisecond

// lineTags are a line's tags in a contract, for checks: the ones that
// follow the line and the dated tag of the day.
type lineTags struct {
	floating []string
	dated    string
}

// linesOf returns what each line of contract c gets from a refresh on date.
func linesOf(c contract, date string) map[string]lineTags {
	newest := lineTags{}
	for _, tg := range c.refreshTags(date) {
		if strings.Contains(tg, date) {
			newest.dated = tg
		} else {
			newest.floating = append(newest.floating, tg)
		}
	}
	older := lineTags{floating: []string{c.older}}
	switch c.preset {
	case "weekly-refresh":
		older.floating = append(older.floating, "1.5.3")
		older.dated = "1.5.3-" + date
	case "stable-line":
		older.dated = "0.2-r" + date
	}
	return map[string]lineTags{c.newest: newest, c.older: older}
}

// checkBound asserts what any two runs at once must leave behind: every
// immutable tag holds the one image first written to it, unless a run
// reported that it lost that tag to another run writing it in the same
// instant (registries have no conditional write; see publish); every
// floating tag of a line points at the same image; that image has its
// dated tag and carries its attestations. It returns how many immutable
// tags were written twice.
func checkBound(t *testing.T, e *fixture.Env, p *policy.Policy, lines map[string]lineTags, reported []string, when string) int {
	t.Helper()
	twice := 0
	first := map[string]string{}
	for _, w := range e.TagWrites() {
		if _, seen := first[w.Tag]; !seen {
			first[w.Tag] = w.Digest
		}
	}
	for _, tg := range e.Tags() {
		if !p.IsDatedTag(tg) && !(p.IsImmutable(policy.RoleExact) && strings.Count(tg, ".") == 2 && !strings.Contains(tg, "-")) {
			continue
		}
		if f, ok := first[tg]; ok && e.Digest(e.Repo+":"+tg) != f {
			twice++
			if !mentions(reported, ":"+tg) {
				t.Errorf("%s: the immutable tag %s holds %s, not %s, the image first written to it, and no run reported losing it", when, tg, e.Digest(e.Repo+":"+tg), f)
			}
		}
	}
	for name, l := range lines {
		img := e.Digest(e.Repo + ":" + l.floating[0])
		for _, tg := range l.floating[1:] {
			if d := e.Digest(e.Repo + ":" + tg); d != img {
				t.Errorf("%s: line %s is split: %s -> %s but %s -> %s", when, name, l.floating[0], img, tg, d)
			}
		}
		dated := false
		for _, tg := range e.Tags() {
			if strings.HasPrefix(tg, l.dated) && e.Digest(e.Repo+":"+tg) == img {
				dated = true
			}
		}
		if !dated {
			t.Errorf("%s: line %s's image %s has no dated tag %s*", when, name, img, l.dated)
		}
		idx := e.Index(e.Repo + "@" + img)
		im, _ := idx.IndexManifest()
		atts, _ := attest.ReadIndexAttestations(idx)
		for _, m := range im.Manifests {
			if m.Platform.OS == "unknown" {
				continue
			}
			if len(atts[m.Digest]) == 0 || len(e.Referrers(m.Digest, attest.MediaTypeInToto)) == 0 || len(e.Referrers(m.Digest, "application/spdx+json")) == 0 {
				t.Errorf("%s: line %s's image %s is not attested on %s", when, name, img, m.Platform)
			}
		}
	}
	return twice
}

func mentions(notes []string, s string) bool {
	for _, n := range notes {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}

// Two refreshes of the same lines started together by two CI runs (other
// invocation ids, other clients) end like one: they finish one image per
// line instead of each writing its own, every dated tag keeps the image
// first written to it, and a third refresh has nothing left to do.
func TestTwoRefreshesAtOnce(t *testing.T) {
	for _, c := range contracts {
		for _, impl := range regtest.All() {
			t.Run(c.preset+"/"+impl.Name, func(t *testing.T) {
				twice := 0
				defer func() { t.Logf("%d immutable tags written twice in %d rounds", twice, concurrentRounds) }()
				for round := range concurrentRounds {
					w := newWorld(t, impl, c.preset, c.tags...)
					w.week()
					w.e.PushBase(t, "2")
					var wg sync.WaitGroup
					errs := make([]error, 2)
					reps := make([]*refresh.Report, 2)
					for i := range errs {
						client := w.e.NewClient()
						wg.Add(1)
						go func() {
							defer wg.Done()
							reps[i], errs[i] = w.refresh(func(r *refresh.Request) {
								r.Inputs.Registry = client
								r.Inputs.InvocationID = fmt.Sprintf("ci-run-%d", i)
								r.Inputs.Settle = concurrentSettle
							})
						}()
					}
					wg.Wait()
					for i, err := range errs {
						if err != nil {
							t.Errorf("round %d: run %d: %v", round, i, err)
							for _, l := range reps[i].Lines {
								t.Logf("line %s: %s %s %s %v", l.Line, l.Status, l.Reason, l.Error, l.Notes)
							}
						}
					}
					var reported []string
					for _, rep := range reps {
						for _, l := range rep.Lines {
							reported = append(reported, l.Notes...)
						}
					}
					twice += checkBound(t, w.e, w.inputs().Policy, linesOf(c, "20260211"), reported, fmt.Sprintf("round %d", round))
					for _, tg := range w.e.Tags() {
						if strings.HasSuffix(tg, "20260211.1") {
							t.Errorf("round %d: two builds of one line on one base: %s", round, tg)
						}
					}
					if rep, err := w.refresh(); err != nil || statuses(rep) != c.newest+"=skipped "+c.older+"=skipped" {
						t.Errorf("round %d: a third refresh: %v %s", round, err, statuses(rep))
					}
					if t.Failed() {
						t.FailNow()
					}
				}
			})
		}
	}
}

// A release of a new patch and the weekly refresh, started together (the
// refresh from the git tags before the new one), end with the line on the
// new release: the refresh's rebuild of the older patch keeps its own
// dated and exact tags but moves no floating tag back, every immutable tag
// keeps the image first written to it, and the next refresh has nothing
// left to do.
func TestAReleaseAndARefreshAtOnce(t *testing.T) {
	for _, impl := range regtest.All() {
		t.Run(impl.Name, func(t *testing.T) {
			for round := range concurrentRounds {
				w := newWorld(t, impl, "weekly-refresh", "v1.5.3", "v1.6.2")
				w.week()
				w.e.PushBase(t, "2")
				withNew := append(slices.Clone(w.gitTags), "v1.6.3")
				var wg sync.WaitGroup
				var relErr, refErr error
				var refRep *refresh.Report
				relClient, refClient := w.e.NewClient(), w.e.NewClient()
				wg.Add(2)
				go func() {
					defer wg.Done()
					in := w.inputs()
					in.Registry, in.InvocationID, in.Settle = relClient, "ci-release", concurrentSettle
					b, src, _ := w.e.Source(ctx, "v1.6.3")
					in.Builder, in.Source = b, src
					_, relErr = release.Release(ctx, in, fixture.Version(t, "v1.6.3"), fixture.Released(in.Policy, withNew))
				}()
				go func() {
					defer wg.Done()
					refRep, refErr = w.refresh(func(r *refresh.Request) {
						r.Inputs.Registry, r.Inputs.InvocationID, r.Inputs.Settle = refClient, "ci-refresh", concurrentSettle
					})
				}()
				wg.Wait()
				if relErr != nil || refErr != nil {
					t.Fatalf("round %d: release: %v; refresh: %v", round, relErr, refErr)
				}
				var reported []string
				for _, l := range refRep.Lines {
					reported = append(reported, l.Notes...)
				}
				lines := map[string]lineTags{
					"1.6": {floating: []string{"1.6", "latest", "1.6.3"}, dated: "1.6.3-20260211"},
					"1.5": {floating: []string{"1.5", "1.5.3"}, dated: "1.5.3-20260211"},
				}
				checkBound(t, w.e, w.inputs().Policy, lines, reported, fmt.Sprintf("round %d", round))
				if d := w.e.Digest(w.e.Repo + ":1.6.2"); d != w.e.Digest(w.e.Repo+":1.6.2-20260211") {
					t.Errorf("round %d: 1.6.2 holds %s, not the refreshed build of 1.6.2", round, d)
				}
				w.gitTags = withNew
				if rep, err := w.refresh(); err != nil || statuses(rep) != "1.6=skipped 1.5=skipped" {
					t.Errorf("round %d: the next refresh: %v %s", round, err, statuses(rep))
				}
				if t.Failed() {
					t.FailNow()
				}
			}
		})
	}
}
