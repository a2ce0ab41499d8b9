package refresh_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patchline/patchline/pipeline/attest"
	"github.com/patchline/patchline/pipeline/internal/testing/fixture"
	"github.com/patchline/patchline/pipeline/internal/testing/regtest"
	"github.com/patchline/patchline/pipeline/policy"
	"github.com/patchline/patchline/pipeline/refresh"
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
