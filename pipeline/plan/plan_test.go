package plan

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/patchline/patchline/pipeline/policy"
	"github.com/patchline/patchline/pipeline/tagname"
	"github.com/patchline/patchline/pipeline/version"
)

var day = time.Date(2026, 2, 4, 9, 30, 0, 0, time.UTC)

func preset(t *testing.T, name string) *policy.Policy {
	t.Helper()
	p, err := policy.Preset(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func custom(t *testing.T, src string) *policy.Policy {
	t.Helper()
	p, err := policy.Parse("test.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func immutableNames(p *Plan) []string {
	var out []string
	for _, t := range p.Tags {
		if t.Immutable {
			out = append(out, t.Name)
		}
	}
	return out
}

func withheldReason(p *Plan, name string) string {
	for _, w := range p.Withheld {
		if w.Name == name {
			return w.Reason
		}
	}
	return ""
}

// The rows of the tag contracts the presets reproduce (see README.md),
// for release, refresh and edge.
func TestContracts(t *testing.T) {
	tests := []struct {
		name, preset string
		kind         Kind
		version      string
		released     []string
		wantTags     []string
		wantImmut    []string
	}{
		{
			name: "weekly-refresh release", preset: "weekly-refresh", kind: KindRelease,
			version: "1.6.0", released: []string{"v1.5.3", "v1.6.0"},
			// The exact tag follows refreshes, so it goes out after the
			// attestations, with the line tag.
			wantTags:  []string{"1.6.0-20260204", "1.6.0", "1.6", "latest"},
			wantImmut: []string{"1.6.0-20260204"},
		},
		{
			name: "weekly-refresh refresh", preset: "weekly-refresh", kind: KindRefresh,
			released:  []string{"v1.5.3", "v1.6.0"},
			wantTags:  []string{"1.6.0-20260204", "1.6.0", "1.6", "latest"},
			wantImmut: []string{"1.6.0-20260204"},
		},
		{
			name: "stable-line release", preset: "stable-line", kind: KindRelease,
			version: "0.3.0", released: []string{"v0.2.7"},
			wantTags:  []string{"0.3.0", "0.3", "stable", "latest"},
			wantImmut: []string{"0.3.0"},
		},
		{
			name: "stable-line refresh", preset: "stable-line", kind: KindRefresh,
			released:  []string{"v0.2.7", "v0.3.0"},
			wantTags:  []string{"0.3-r20260204", "0.3", "stable", "latest"},
			wantImmut: []string{"0.3-r20260204"},
		},
		{
			name: "development images", preset: "stable-line", kind: KindEdge,
			wantTags: []string{"edge-main", "edge-sha-0123abc"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := preset(t, tt.preset)
			var pl *Plan
			var err error
			switch tt.kind {
			case KindRelease:
				pl, err = ForRelease(p, ReleaseInput{Version: mustVersion(t, tt.version), Released: releasesOf(p, tt.released), Date: day})
			case KindRefresh:
				var rp *RefreshPlan
				rp, err = ForRefresh(p, RefreshInput{Released: releasesOf(p, tt.released), Date: day})
				if err == nil {
					pl = rp.Lines[0].Plan
				}
			case KindEdge:
				pl, err = ForEdge(p, EdgeInput{Branch: "main", SHA: "0123abcdef", Date: day})
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := pl.Names(); !reflect.DeepEqual(got, tt.wantTags) {
				t.Errorf("tags = %v; want %v", got, tt.wantTags)
			}
			if got := immutableNames(pl); !reflect.DeepEqual(got, tt.wantImmut) {
				t.Errorf("immutable = %v; want %v", got, tt.wantImmut)
			}
		})
	}
}

func TestReleasePatchOnSameLine(t *testing.T) {
	// Releasing 0.3.4 when 0.3.3 exists moves the line and the aliases.
	p := preset(t, "stable-line")
	pl, err := ForRelease(p, ReleaseInput{Version: mustVersion(t, "v0.3.4"), Released: releasesOf(p, []string{"v0.3.3", "v0.3.4", "v0.2.9"}), Date: day})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := pl.Names(), []string{"0.3.4", "0.3", "stable", "latest"}; !reflect.DeepEqual(got, want) {
		t.Errorf("tags = %v; want %v", got, want)
	}
}

func TestReleasePatchOfOlderLine(t *testing.T) {
	p := custom(t, "version: 1\ntags:\n  major: \"{major}\"\n")
	pl, err := ForRelease(p, ReleaseInput{Version: mustVersion(t, "1.5.4"), Released: releasesOf(p, []string{"1.6.2", "1.6.0", "1.5.3"}), Date: day})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := pl.Names(), []string{"1.5.4", "1.5"}; !reflect.DeepEqual(got, want) {
		t.Errorf("tags = %v; want %v", got, want)
	}
	if r := withheldReason(pl, "latest"); r != "1.5.4 is not on the newest supported line; latest stays on 1.6" {
		t.Errorf("latest withheld because %q", r)
	}
	if r := withheldReason(pl, "1"); !strings.Contains(r, "1.6 is the newest line of major 1; 1 stays on 1.6.2") {
		t.Errorf("major withheld because %q", r)
	}
}

func TestReleaseOlderPatchInLine(t *testing.T) {
	// 1.6.1 after 1.6.2: nothing floating moves backwards.
	p := preset(t, "default")
	pl, err := ForRelease(p, ReleaseInput{Version: mustVersion(t, "1.6.1"), Released: releasesOf(p, []string{"1.6.2"}), Date: day})
	if err != nil {
		t.Fatal(err)
	}
	if got := pl.Names(); !reflect.DeepEqual(got, []string{"1.6.1"}) {
		t.Errorf("tags = %v; want only the exact tag", got)
	}
	if r := withheldReason(pl, "1.6"); r != "1.6.2 is newer on line 1.6; 1.6 stays on 1.6.2" {
		t.Errorf("line withheld because %q", r)
	}
}

func TestReleasePrerelease(t *testing.T) {
	for _, name := range policy.PresetNames() {
		p := preset(t, name)
		pl, err := ForRelease(p, ReleaseInput{Version: mustVersion(t, "2.0.0-rc.1"), Released: releasesOf(p, []string{"1.6.2"}), Date: day})
		if err != nil {
			t.Fatal(err)
		}
		if got := pl.Names(); !reflect.DeepEqual(got, []string{"2.0.0-rc.1"}) {
			t.Errorf("%s: tags = %v; a prerelease gets only its exact tag", name, got)
		}
		if r := withheldReason(pl, "latest"); !strings.Contains(r, "prerelease") {
			t.Errorf("%s: latest withheld because %q", name, r)
		}
	}
	// A later final release of 2.0 still becomes the newest line.
	p := preset(t, "default")
	pl, err := ForRelease(p, ReleaseInput{Version: mustVersion(t, "2.0.0"), Released: releasesOf(p, []string{"1.6.2", "2.0.0-rc.1"}), Date: day})
	if err != nil {
		t.Fatal(err)
	}
	if got := pl.Names(); !reflect.DeepEqual(got, []string{"2.0.0", "2.0", "latest"}) {
		t.Errorf("2.0.0 tags = %v", got)
	}
}

func TestDatedTagsAreNotReleases(t *testing.T) {
	// Registry tags include dated rebuilds of 1.7.0, which parse as
	// prereleases of 1.7.0. They must not make 1.7 a line or be a release.
	registryTags := []string{"1.6.0", "1.6.0-20260101", "1.6.0-20260108.1", "1.6", "latest"}
	p := preset(t, "weekly-refresh")
	pl, err := ForRelease(p, ReleaseInput{Version: mustVersion(t, "1.6.1"), Released: releasesOf(p, registryTags), Date: day})
	if err != nil {
		t.Fatal(err)
	}
	if got := pl.Names(); !reflect.DeepEqual(got, []string{"1.6.1-20260204", "1.6.1", "1.6", "latest"}) {
		t.Errorf("tags = %v", got)
	}
}

func TestZeroXOnlyProject(t *testing.T) {
	p := custom(t, "version: 1\ntags:\n  major: \"{major}\"\n")
	pl, err := ForRelease(p, ReleaseInput{Version: mustVersion(t, "0.3.1"), Released: releasesOf(p, []string{"0.1.0", "0.2.5", "0.3.0"}), Date: day})
	if err != nil {
		t.Fatal(err)
	}
	if got := pl.Names(); !reflect.DeepEqual(got, []string{"0.3.1", "0.3", "latest"}) {
		t.Errorf("tags = %v", got)
	}
	if r := withheldReason(pl, "0"); !strings.Contains(r, "0.x") {
		t.Errorf("major of 0.x withheld because %q", r)
	}
	// An older 0.x line is a separate line: 0.2.6 moves 0.2 but not latest.
	pl, err = ForRelease(p, ReleaseInput{Version: mustVersion(t, "0.2.6"), Released: releasesOf(p, []string{"0.2.5", "0.3.1"}), Date: day})
	if err != nil {
		t.Fatal(err)
	}
	if got := pl.Names(); !reflect.DeepEqual(got, []string{"0.2.6", "0.2"}) {
		t.Errorf("tags = %v", got)
	}
	rp, err := ForRefresh(p, RefreshInput{Released: releasesOf(p, []string{"0.1.0", "0.2.5", "0.3.1"}), Date: day})
	if err != nil {
		t.Fatal(err)
	}
	var statuses []string
	for _, l := range rp.Lines {
		statuses = append(statuses, l.Line.String()+"="+string(l.Status))
	}
	if got := strings.Join(statuses, " "); got != "0.3=supported 0.2=supported 0.1=unsupported" {
		t.Errorf("lines = %s", got)
	}
}

func TestRefreshSameDateTwice(t *testing.T) {
	p := preset(t, "stable-line")
	released := []string{"v0.3.0", "v0.3.1"}
	first, err := ForRefresh(p, RefreshInput{Released: releasesOf(p, released), Date: day})
	if err != nil {
		t.Fatal(err)
	}
	existing := Existing{}
	for _, tg := range first.Lines[0].Plan.Tags {
		existing[tg.Name] = "sha256:aaa"
	}
	second, err := ForRefresh(p, RefreshInput{Released: releasesOf(p, released), Existing: existing, Date: day})
	if err != nil {
		t.Fatal(err)
	}
	got := second.Lines[0].Plan.Tags[0]
	if got.Name != "0.3-r20260204.1" || !got.Immutable || !strings.Contains(got.Note, "0.3-r20260204 already exists") {
		t.Errorf("second dated tag = %+v; want 0.3-r20260204.1, immutable, with a note", got)
	}
	existing["0.3-r20260204.1"] = "sha256:bbb"
	third, _ := ForRefresh(p, RefreshInput{Released: releasesOf(p, released), Existing: existing, Date: day})
	if n := third.Lines[0].Plan.Tags[0].Name; n != "0.3-r20260204.2" {
		t.Errorf("third dated tag = %s", n)
	}
	// A re-run that publishes the same image reuses its dated tag.
	info, _ := ComputeLines(p, mustReleases(released), day).Get(first.Lines[0].Line)
	again, err := ForRefreshLine(p, ComputeLines(p, mustReleases(released), day), info, existing, day, "sha256:bbb")
	if err != nil {
		t.Fatal(err)
	}
	if tg := again.Tags[0]; tg.Name != "0.3-r20260204.1" || tg.Note != "already points at this image" {
		t.Errorf("re-run dated tag = %+v", tg)
	}
}

func TestRefreshLinesAndEOL(t *testing.T) {
	p := custom(t, `version: 1
support:
  newest_lines: 3
  constraint: ">= 1.3"
  eol:
    "1.4": 2026-01-31
    "1.5": 2026-02-04
`)
	released := []string{"1.2.9", "1.3.9", "1.4.3", "1.5.1", "1.5.0", "1.6.0", "1.7.0-rc.1"}
	rp, err := ForRefresh(p, RefreshInput{Released: releasesOf(p, released), Date: day})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range rp.Lines {
		got = append(got, l.Line.String()+"="+string(l.Status)+"@"+l.Newest.String())
	}
	want := []string{"1.6=supported@1.6.0", "1.5=supported@1.5.1", "1.4=eol@1.4.3", "1.3=unsupported@1.3.9", "1.2=unsupported@1.2.9"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("lines = %v; want %v", got, want)
	}
	if r := rp.Lines[2].Reason; r != "reached end of life on 2026-01-31" {
		t.Errorf("eol reason %q", r)
	}
	if r := rp.Lines[4].Reason; !strings.Contains(r, `">= 1.3"`) {
		t.Errorf("constraint reason %q", r)
	}
	if rp.Lines[2].Plan != nil || rp.Lines[3].Plan != nil {
		t.Errorf("unsupported lines got a plan")
	}
	if got := rp.Lines[1].Plan.Names(); !reflect.DeepEqual(got, []string{"1.5.1-20260204", "1.5"}) {
		t.Errorf("1.5 refresh tags = %v (latest belongs to 1.6)", got)
	}
	only, err := ForRefresh(p, RefreshInput{Released: releasesOf(p, released), Date: day, Only: []string{"1.5"}})
	if err != nil || len(only.Lines) != 1 || only.Lines[0].Line.String() != "1.5" {
		t.Errorf("--line 1.5: %v %v", only, err)
	}
	if _, err := ForRefresh(p, RefreshInput{Released: releasesOf(p, released), Date: day, Only: []string{"1.9"}}); err == nil || !strings.Contains(err.Error(), "known lines: 1.6, 1.5") {
		t.Errorf("--line 1.9: %v", err)
	}
	if _, err := ForRefresh(p, RefreshInput{Released: releasesOf(p, []string{"latest"}), Date: day}); err == nil || !strings.Contains(err.Error(), "no release versions") {
		t.Errorf("no releases: %v", err)
	}
}

// A line outside the support scope gets only its exact tag from a release:
// refresh never patches it, so a line tag would go stale unnoticed.
func TestReleaseOfUnsupportedLine(t *testing.T) {
	for _, tt := range []struct {
		name, policy, version, reason string
		released                      []string
	}{
		{"newest_lines", "version: 1\n", "1.3.10", "only the newest 2 lines are supported", []string{"1.3.9", "1.4.0", "1.5.0"}},
		{"constraint", "version: 1\nsupport:\n  constraint: \">= 0.3.0\"\ntags:\n  aliases: [stable, latest]\n", "0.2.9", `0.2.9 does not satisfy the support constraint ">= 0.3.0"`, []string{"0.2.8", "0.3.1"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := custom(t, tt.policy)
			pl, err := ForRelease(p, ReleaseInput{Version: mustVersion(t, tt.version), Released: releasesOf(p, tt.released), Date: day})
			if err != nil {
				t.Fatal(err)
			}
			if got := pl.Names(); !reflect.DeepEqual(got, []string{tt.version}) {
				t.Errorf("tags = %v; want the exact tag alone", got)
			}
			line := strings.Join(strings.Split(tt.version, ".")[:2], ".")
			for _, name := range []string{line, "latest"} {
				if r := withheldReason(pl, name); !strings.Contains(r, "line "+line+" is unsupported ("+tt.reason+")") || !strings.Contains(r, "refresh never patches it") {
					t.Errorf("%s withheld because %q", name, r)
				}
			}
		})
	}
}

func TestEdge(t *testing.T) {
	p := preset(t, "default")
	pl, err := ForEdge(p, EdgeInput{Branch: "feature/Big_Thing#2", SHA: "ABCDEF0123456789", Date: day})
	if err != nil {
		t.Fatal(err)
	}
	if got := pl.Names(); !reflect.DeepEqual(got, []string{"edge-feature..Big_Thing-2-0edebcb", "edge-sha-abcdef0"}) {
		t.Errorf("tags = %v", got)
	}
	onlySHA, err := ForEdge(p, EdgeInput{SHA: "abcdef0", Date: day})
	if err != nil {
		t.Fatal(err)
	}
	if got := onlySHA.Names(); !reflect.DeepEqual(got, []string{"edge-sha-abcdef0"}) || len(onlySHA.Withheld) != 1 {
		t.Errorf("sha only: %v withheld %v", got, onlySHA.Withheld)
	}
	for _, bad := range []EdgeInput{
		{Date: day},
		{Branch: "a..b", Date: day},
		{SHA: "xyz", Date: day},
		{Branch: "main"},
	} {
		if _, err := ForEdge(p, bad); err == nil {
			t.Errorf("ForEdge(%+v) accepted", bad)
		}
	}
	shaOnlyPolicy := custom(t, "version: 1\ntags:\n  edge: [\"sha-{sha7}\"]\n")
	if _, err := ForEdge(shaOnlyPolicy, EdgeInput{Branch: "main", Date: day}); !errors.Is(err, ErrNoTags) {
		t.Errorf("no usable edge template: %v", err)
	}
}

func TestDuplicatesRemovedAndOrderDeterministic(t *testing.T) {
	// The line template renders the same tag as an edge-free alias would;
	// here line and major coincide for a policy that names them the same.
	p := custom(t, "version: 1\ntags:\n  major: \"v{major}\"\n  line: \"{major}.{minor}\"\n  aliases: [latest, stable]\n")
	a, err := ForRelease(p, ReleaseInput{Version: mustVersion(t, "3.1.0"), Released: releasesOf(p, []string{"3.0.0"}), Date: day})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 20; i++ {
		b, _ := ForRelease(p, ReleaseInput{Version: mustVersion(t, "3.1.0"), Released: releasesOf(p, []string{"3.0.0"}), Date: day})
		if !reflect.DeepEqual(a, b) {
			t.Fatal("plan is not deterministic")
		}
	}
	if got := a.Names(); !reflect.DeepEqual(got, []string{"3.1.0", "3.1", "v3", "latest", "stable"}) {
		t.Errorf("tags = %v", got)
	}
	dup := custom(t, "version: 1\ntags:\n  exact: \"{version}\"\n  line: \"{major}.{minor}\"\n  edge: [\"edge-{branch}\", \"edge-{branch}\"]\n")
	e, err := ForEdge(dup, EdgeInput{Branch: "main", Date: day})
	if err != nil {
		t.Fatal(err)
	}
	if got := e.Names(); !reflect.DeepEqual(got, []string{"edge-main"}) || len(e.Notes) != 1 {
		t.Errorf("duplicate edge templates: %v notes %v", got, e.Notes)
	}
}

func TestImmutableExistingNoted(t *testing.T) {
	pl, err := ForRelease(preset(t, "stable-line"), ReleaseInput{Version: mustVersion(t, "0.3.0"), Existing: Existing{"0.3.0": "sha256:x"}, Date: day})
	if err != nil {
		t.Fatal(err)
	}
	if tg := pl.Tags[0]; !tg.Exists || !strings.Contains(tg.Note, "refused") {
		t.Errorf("existing immutable tag = %+v", tg)
	}
}

func TestNoDate(t *testing.T) {
	_, err := ForRelease(preset(t, "default"), ReleaseInput{Version: mustVersion(t, "1.0.0")})
	if !errors.Is(err, ErrNoDate) {
		t.Errorf("missing date: %v", err)
	}
}

func TestBadVersion(t *testing.T) {
	// The planner takes versions parsed where they enter (app); the parse
	// refuses build metadata, so no such version reaches a plan.
	_, err := version.Parse("1.6.0+build.1")
	if err == nil || !strings.Contains(err.Error(), "build metadata") {
		t.Errorf("build metadata: %v", err)
	}
}

// The planners refuse a tag that spells a dated tag, or, for an edge
// build, a release's exact tag; the same version or branch without the
// date is planned as before.
func TestTagCollisions(t *testing.T) {
	weekly, _ := policy.Preset("weekly-refresh")
	def, _ := policy.Preset("default")
	day := time.Date(2026, 2, 4, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		p       *policy.Policy
		version string
		refused bool
	}{
		{weekly, "1.6.0-20260204", true},
		{weekly, "1.6.0-20991231.3", true},
		{def, "1.6.0-20260204", true},
		{weekly, "1.6.0-rc.1", false},
		{weekly, "1.6.0-2026", false},
		{weekly, "1.6.0", false},
	} {
		_, err := ForRelease(tc.p, ReleaseInput{Version: mustVersion(t, tc.version), Date: day})
		if got := errors.Is(err, ErrTagCollision); got != tc.refused {
			t.Errorf("%s %s: err = %v, refused %v", tc.p.Source, tc.version, err, tc.refused)
		}
	}
	bare := *weekly
	edge, _ := tagname.ParseTemplate("{branch}")
	bare.Tags.Edge = []tagname.Template{edge}
	// Under a bare {branch}, a branch named like a release's tags would
	// move them (the line tag 1.6, the alias latest), or be read back from
	// the image repository as a release (v9.0.0).
	for branch, refused := range map[string]bool{"1.6.0": true, "v1.6.0": true, "v9.0.0": true, "1.6.0-20260204": true,
		"1.6": true, "latest": true, "main": false, "v1.6": false, "1.6-hotfix": false} {
		_, err := ForEdge(&bare, EdgeInput{Branch: branch, Date: day})
		if got := errors.Is(err, ErrTagCollision); got != refused {
			t.Errorf("edge %s: err = %v, refused %v", branch, err, refused)
		}
	}
	// Under the presets' edge-{branch} and edge-sha-{sha7}, a branch named
	// sha-<7 hex> would take that commit's tag.
	for branch, refused := range map[string]bool{"sha-0123abc": true, "sha-main": false, "sha-0123abcd": false} {
		_, err := ForEdge(weekly, EdgeInput{Branch: branch, SHA: strings.Repeat("f", 40), Date: day})
		if got := errors.Is(err, ErrTagCollision); got != refused {
			t.Errorf("edge %s under %v: err = %v, refused %v", branch, weekly.Tags.Edge, err, refused)
		}
	}
}

// A plan is decided once, before the registry is read; Against then gives
// the same plan as planning with the tags that exist and the image's
// digest would have: dated suffixes, reuse, Exists flags and notes.
func TestAgainstEqualsPlanningWithTheTags(t *testing.T) {
	p := preset(t, "weekly-refresh")
	strict := preset(t, "stable-line")
	existing := Existing{"1.6.1-20260204": "sha256:aaa", "1.6.1-20260204.1": "sha256:bbb", "1.6.1": "", "latest": "sha256:ccc", "0.3.0": "sha256:x"}
	for _, digest := range []string{"", "sha256:bbb", "sha256:new"} {
		in := ReleaseInput{Version: mustVersion(t, "1.6.1"), Released: releasesOf(p, []string{"v1.6.0"}), Date: day}
		decided, err := ForRelease(p, in)
		if err != nil {
			t.Fatal(err)
		}
		in.Existing, in.Digest = existing, digest
		want, err := ForRelease(p, in)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := decided.Against(existing, digest); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("release, digest %q: Against = %+v, %v; want %+v", digest, got, err, want)
		}
		rp, err := ForRefresh(p, RefreshInput{Released: releasesOf(p, []string{"v1.6.1"}), Date: day})
		if err != nil {
			t.Fatal(err)
		}
		lp := rp.Lines[0]
		want, err = ForRefreshLine(p, rp.Known, lp.LineInfo, existing, day, digest)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := lp.Plan.Against(existing, digest); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("refresh, digest %q: Against = %+v, %v; want %+v", digest, got, err, want)
		}
	}
	exact, err := ForRelease(strict, ReleaseInput{Version: mustVersion(t, "0.3.0"), Date: day})
	if err != nil {
		t.Fatal(err)
	}
	got, err := exact.Against(existing, "")
	if err != nil || !got.Tags[0].Exists || got.Tags[0].Note != existsNote {
		t.Errorf("immutable exact tag that exists: %+v, %v", got.Tags[0], err)
	}
	if back, _ := got.Against(nil, ""); back.Tags[0].Exists || back.Tags[0].Note != "" || exact.Tags[0].Exists {
		t.Errorf("Against kept what the tags said before: %+v (the plan itself: %+v)", back.Tags[0], exact.Tags[0])
	}
}
