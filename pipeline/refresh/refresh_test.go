package refresh_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/patchline/patchline/pipeline/internal/testing/fixture"
	"github.com/patchline/patchline/pipeline/internal/testing/regtest"
	"github.com/patchline/patchline/pipeline/refresh"
	"github.com/patchline/patchline/pipeline/release"
	"github.com/patchline/patchline/pipeline/signing"
)

var ctx = context.Background()

// world is a repository with two released lines and a clock.
type world struct {
	t       *testing.T
	e       *fixture.Env
	policy  string
	gitTags []string
	day     time.Time
	// invocation names the CI run in provenance; a new one is a new run.
	invocation string
	// packages checks OS packages, for refresh.packages.
	packages refresh.PackageChecker
	// signer signs attestations, for attestations.sign.
	signer *signing.Signer
}

func newWorld(t *testing.T, impl regtest.Impl, policy string, tags ...string) *world {
	return newWorldWith(t, impl, policy, nil, tags...)
}

// newWorldWith is newWorld with setup run on the environment before the
// releases (a Dockerfile of its own, images it uses).
func newWorldWith(t *testing.T, impl regtest.Impl, policy string, setup func(e *fixture.Env), tags ...string) *world {
	return newWorldFrom(&world{t: t, policy: policy}, impl, setup, tags...)
}

// newWorldFrom makes w's environment, runs setup on it and releases tags
// with w's inputs (its policy and signer).
func newWorldFrom(w *world, impl regtest.Impl, setup func(e *fixture.Env), tags ...string) *world {
	w.e, w.gitTags, w.day = fixture.New(w.t, impl), tags, fixture.Day
	if setup != nil {
		setup(w.e)
	}
	for _, tag := range tags {
		w.e.Release(w.inputs(), tag, tags)
	}
	return w
}

func (w *world) inputs() release.Inputs {
	in := w.e.Inputs(w.policy)
	if w.invocation != "" {
		in.InvocationID = w.invocation
	}
	in.Date = w.day
	day := w.day
	in.Clock = func() time.Time { return day }
	in.Signer = w.signer
	return in
}

func (w *world) refresh(mod ...func(*refresh.Request)) (*refresh.Report, error) {
	in := w.inputs()
	req := refresh.Request{Inputs: in, Released: fixture.Released(in.Policy, w.gitTags), SourceFor: w.e.Source, Packages: w.packages}
	for _, m := range mod {
		m(&req)
	}
	return refresh.Run(ctx, req)
}

func (w *world) week() { w.day = w.day.AddDate(0, 0, 7) }

func statuses(rep *refresh.Report) string {
	var out []string
	for _, l := range rep.Lines {
		out = append(out, l.Line+"="+string(l.Status))
	}
	return strings.Join(out, " ")
}

func line(rep *refresh.Report, l string) *refresh.LineReport {
	for _, x := range rep.Lines {
		if x.Line == l {
			return x
		}
	}
	return nil
}

// contract is one row of the tag contracts: the versions released, and the
// tags a refresh of the newest line must move and must leave alone.
type contract struct {
	preset        string
	tags          []string
	newest, older string // lines
	refreshTags   func(date string) []string
	stays         []string // tags a refresh never moves
}

var contracts = []contract{
	{
		preset: "weekly-refresh", tags: []string{"v1.5.3", "v1.6.2"}, newest: "1.6", older: "1.5",
		refreshTags: func(d string) []string { return []string{"1.6.2", "1.6.2-" + d, "1.6", "latest"} },
		stays:       []string{"1.6.2-20260204"},
	},
	{
		preset: "stable-line", tags: []string{"v0.2.9", "v0.3.1"}, newest: "0.3", older: "0.2",
		refreshTags: func(d string) []string { return []string{"0.3-r" + d, "0.3", "stable", "latest"} },
		stays:       []string{"0.3.1"},
	},
}

// TestWeeks runs both contracts over simulated weeks with the injected
// clock, on every registry implementation.
func TestWeeks(t *testing.T) {
	for _, c := range contracts {
		for _, impl := range regtest.All() {
			t.Run(c.preset+"/"+impl.Name, func(t *testing.T) {
				w := newWorld(t, impl, c.preset, c.tags...)
				e := w.e
				stays := map[string]string{}
				for _, tg := range c.stays {
					stays[tg] = e.Digest(e.Repo + ":" + tg)
				}
				both := c.newest + "=rebuilt " + c.older + "=rebuilt"
				skipped := c.newest + "=skipped " + c.older + "=skipped"

				// Week 1: the base moves; both lines are rebuilt with dated tags.
				w.week()
				e.PushBase(t, "2")
				builds := e.Builds()
				rep, err := w.refresh()
				if err != nil {
					t.Fatal(err)
				}
				if got := statuses(rep); got != both {
					t.Fatalf("week 1: %s", got)
				}
				if e.Builds() != builds+2 {
					t.Errorf("week 1 built %d times", e.Builds()-builds)
				}
				newest := line(rep, c.newest)
				for _, tg := range c.refreshTags("20260211") {
					if e.Digest(e.Repo+":"+tg) != newest.Digest {
						t.Errorf("week 1: %s does not point at the refreshed %s image", tg, c.newest)
					}
				}
				for tg, d := range stays {
					if e.Digest(e.Repo+":"+tg) != d {
						t.Errorf("week 1: %s moved", tg)
					}
				}
				older := line(rep, c.older)
				if e.Digest(e.Repo+":"+c.older) != older.Digest || e.Digest(e.Repo+":latest") == older.Digest {
					t.Errorf("week 1: the %s refresh moved latest, or not %s", c.older, c.older)
				}
				if !strings.Contains(newest.Reason, "moved") {
					t.Errorf("reason %q", newest.Reason)
				}

				// Week 2: nothing moves; every line is skipped with no build and
				// no write, for one GET per line (of the tag its publish writes
				// last) and one HEAD for the shared base.
				w.week()
				builds = e.Builds()
				e.Server.ResetCounts()
				rep, err = w.refresh()
				if err != nil {
					t.Fatal(err)
				}
				if got := statuses(rep); got != skipped {
					t.Fatalf("week 2: %s", got)
				}
				cnt := e.Server.Counts()
				if e.Builds() != builds || cnt.PutManifest != 0 || cnt.BlobUpload != 0 || cnt.HeadManifest != 1 || cnt.GetManifest != 2 || cnt.GetBlob != 0 {
					t.Errorf("week 2 (no-op) cost: builds %d, %s", e.Builds()-builds, cnt)
				}

				// Week 3: only arm64 of the base moves: rebuilt, and the report
				// says which platform moved.
				w.week()
				e.PushBase(t, "3", "linux/arm64")
				rep, err = w.refresh()
				if err != nil {
					t.Fatal(err)
				}
				if got := statuses(rep); got != both {
					t.Fatalf("week 3: %s", got)
				}
				newest = line(rep, c.newest)
				if !strings.Contains(newest.Reason, "only linux/arm64") {
					t.Errorf("week 3 reason %q", newest.Reason)
				}
				for _, p := range newest.Base.Platforms {
					moved := p.Recorded != p.Current
					if moved != (p.Platform == "linux/arm64") {
						t.Errorf("week 3 platform %s recorded %s current %s", p.Platform, p.Recorded, p.Current)
					}
				}
				for _, tg := range c.refreshTags("20260225") {
					if e.Digest(e.Repo+":"+tg) != newest.Digest {
						t.Errorf("week 3: %s does not point at the refreshed image", tg)
					}
				}
				// And the week after, everything is skipped again.
				w.week()
				if rep, err = w.refresh(); err != nil || statuses(rep) != skipped {
					t.Errorf("week 4: %v %s", err, statuses(rep))
				}
			})
		}
	}
}

func TestSecondRefreshOnTheSameDay(t *testing.T) {
	w := newWorld(t, regtest.GGCRNoReferrers(), "stable-line", "v0.2.9", "v0.3.1")
	e := w.e
	w.week()
	e.PushBase(t, "2")
	rep, err := w.refresh()
	if err != nil {
		t.Fatal(err)
	}
	first := line(rep, "0.3").Digest
	// The base moves again the same day: a second build gets a numbered
	// dated tag and the first one keeps its image.
	e.PushBase(t, "4")
	if rep, err = w.refresh(func(r *refresh.Request) { r.Lines = []string{"0.3"} }); err != nil {
		t.Fatal(err)
	}
	second := line(rep, "0.3").Digest
	if first == second || e.Digest(e.Repo+":0.3-r20260211") != first || e.Digest(e.Repo+":0.3-r20260211.1") != second {
		t.Errorf("same-day rebuilds: first %s second %s; tags %s %s", first, second, e.Digest(e.Repo+":0.3-r20260211"), e.Digest(e.Repo+":0.3-r20260211.1"))
	}
}

func TestImageWithoutBaseAnnotationsIsRebuiltThenSkipped(t *testing.T) {
	w := newWorld(t, regtest.Olareg(), "default", "v1.6.2")
	e := w.e
	// Someone pushed the line's tags by hand, with no annotations.
	hand := regtest.Index(t, "linux/amd64", "linux/arm64")
	for _, tag := range []string{"1.6.2", "1.6", "latest"} {
		e.Server.Seed(t, e.Repo+":"+tag, hand)
	}
	rep, err := w.refresh()
	if err != nil {
		t.Fatal(err)
	}
	l := line(rep, "1.6")
	if l.Status != "rebuilt" || !strings.Contains(l.Reason, "holds") && !strings.Contains(l.Reason, "records no base") {
		t.Fatalf("line = %+v", l)
	}
	w.week()
	if rep, err = w.refresh(); err != nil || statuses(rep) != "1.6=skipped" {
		t.Errorf("next week: %v %s", err, statuses(rep))
	}
}

func TestEOLLineIsNotRebuilt(t *testing.T) {
	w := newWorld(t, regtest.GGCR(), "version: 1\nsupport:\n  eol:\n    \"1.5\": 2026-02-10\n", "v1.5.3", "v1.6.2")
	w.week()
	w.e.PushBase(t, "2")
	rep, err := w.refresh()
	if err != nil {
		t.Fatal(err)
	}
	l := line(rep, "1.5")
	if l.Status != refresh.StatusEOL || !strings.Contains(l.Reason, "2026-02-10") || l.Digest != "" {
		t.Errorf("1.5 = %+v", l)
	}
	if line(rep, "1.6").Status != refresh.StatusRebuilt {
		t.Errorf("1.6 = %+v", line(rep, "1.6"))
	}
}

func TestCheckGatesAndWritesNothing(t *testing.T) {
	w := newWorld(t, regtest.GGCR(), "default", "v1.6.2")
	w.e.PushBase(t, "2")
	builds := w.e.Builds()
	w.e.Server.ResetCounts()
	rep, err := w.refresh(func(r *refresh.Request) { r.CheckOnly = true })
	if !errors.Is(err, refresh.ErrStale) || !strings.Contains(err.Error(), "1.6") {
		t.Fatalf("check: %v", err)
	}
	l := line(rep, "1.6")
	if l.Status != refresh.StatusStale || len(l.Base.Platforms) != 2 || l.Base.Platforms[0].Current == l.Base.Platforms[0].Recorded {
		t.Errorf("check line = %+v", l)
	}
	if c := w.e.Server.Counts(); c.PutManifest != 0 || c.BlobUpload != 0 || w.e.Builds() != builds {
		t.Errorf("check wrote or built: %s", c)
	}
	if _, err := w.refresh(); err != nil {
		t.Fatal(err)
	}
	if _, err := w.refresh(func(r *refresh.Request) { r.CheckOnly = true }); err != nil {
		t.Errorf("check after a refresh: %v", err)
	}
}

func TestLinesWhoseNewestReleaseIsNotPublished(t *testing.T) {
	w := newWorld(t, regtest.GGCR(), "default", "v1.6.2")
	e := w.e
	// v1.6.3 was tagged but its release never ran; line 1.7 was tagged and
	// nothing of it was ever published.
	w.gitTags = []string{"v1.6.2", "v1.6.3", "v1.7.0"}
	rep, err := w.refresh()
	if err != nil {
		t.Fatal(err)
	}
	l16, l17 := line(rep, "1.6"), line(rep, "1.7")
	if l16.Status != refresh.StatusRebuilt || !strings.Contains(l16.Reason, "holds 1.6.2 but the newest release of line 1.6 is 1.6.3") {
		t.Errorf("1.6 = %s %q", l16.Status, l16.Reason)
	}
	// A line never published is not built by a refresh, and does not fail
	// it: the report says how to publish it.
	if l17.Status != refresh.StatusUnpublished || !strings.Contains(l17.Reason, "no image of 1.7.0 is published") ||
		l17.Command != "dagger call release --version v1.7.0" || !strings.Contains(l17.Reason, l17.Command) || rep.Unpublished != 1 {
		t.Errorf("1.7 = %s %q %q", l17.Status, l17.Reason, l17.Command)
	}
	if e.Digest(e.Repo+":1.6") != l16.Digest || e.Digest(e.Repo+":1.7") != "" {
		t.Errorf("line tags: 1.6 → %s (rebuilt %s), 1.7 → %q", e.Digest(e.Repo+":1.6"), l16.Digest, e.Digest(e.Repo+":1.7"))
	}
	if rep, err := w.refresh(func(r *refresh.Request) { r.CheckOnly = true }); err != nil || line(rep, "1.7").Status != refresh.StatusUnpublished {
		t.Errorf("check with an unpublished line: %v %s", err, statuses(rep))
	}
	w.week()
	if rep, err = w.refresh(); err != nil || statuses(rep) != "1.7=unpublished 1.6=skipped" {
		t.Errorf("next week: %v %s", err, statuses(rep))
	}
	// Once it is released, the next refresh looks after it like any line.
	e.Release(w.inputs(), "v1.7.0", w.gitTags)
	w.week()
	if rep, err = w.refresh(); err != nil || statuses(rep) != "1.7=skipped 1.6=skipped" {
		t.Errorf("after the release of 1.7.0: %v %s", err, statuses(rep))
	}
}

func TestSkipUnchangedFalseRebuildsEveryWeek(t *testing.T) {
	w := newWorld(t, regtest.GGCR(), "version: 1\nrefresh:\n  skip_unchanged: false\n", "v1.6.2")
	w.week()
	rep, err := w.refresh()
	if err != nil {
		t.Fatal(err)
	}
	if l := line(rep, "1.6"); l.Status != refresh.StatusRebuilt || !strings.Contains(l.Reason, "skip_unchanged: false") {
		t.Errorf("1.6 = %s %q", l.Status, l.Reason)
	}
}
