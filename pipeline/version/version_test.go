package version

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestParseAccepts(t *testing.T) {
	tests := []struct {
		in, want, line string
		pre            bool
	}{
		{"1.6.0", "1.6.0", "1.6", false},
		{"v1.6.0", "1.6.0", "1.6", false},
		{"0.3.4", "0.3.4", "0.3", false},
		{"2.0.0-rc.1", "2.0.0-rc.1", "2.0", true},
		{"v10.20.30-alpha.1.beta", "10.20.30-alpha.1.beta", "10.20", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			v, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if v.String() != tt.want || v.Line().String() != tt.line || v.IsPrerelease() != tt.pre {
				t.Errorf("Parse(%q) = %s line %s pre %v; want %s line %s pre %v", tt.in, v, v.Line(), v.IsPrerelease(), tt.want, tt.line, tt.pre)
			}
		})
	}
}

func TestParseRefuses(t *testing.T) {
	tests := []struct{ in, wantMsg string }{
		{"", "empty"},
		{"1.6", "all three numbers"},
		{"1", "all three numbers"},
		{"V1.6.0", "lowercase v"},
		{"vv1.6.0", `"vv1.6.0"`},
		{"1.6.0+build.5", "build metadata"},
		{"v1.6.0+20260204", `release "1.6.0"`},
		{"01.6.0", `"01.6.0"`},
		{"1.06.0", `"1.06.0"`},
		{"1.6.0-", `"1.6.0-"`},
		{" 1.6.0", "spaces"},
		{"1.6.0 ", "spaces"},
		{"latest", `"latest"`},
		{"1.6.x", `"1.6.x"`},
		{"-1.6.0", `"-1.6.0"`},
		{"1.6.0-rc..1", `"1.6.0-rc..1"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := Parse(tt.in)
			if err == nil {
				t.Fatalf("Parse(%q) accepted a malformed version", tt.in)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error does not wrap ErrInvalid: %v", err)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("Parse(%q) error %q does not mention %q", tt.in, err, tt.wantMsg)
			}
		})
	}
}

func TestParseLine(t *testing.T) {
	for _, ok := range []string{"1.6", "0.3", "v2.0", "10.200"} {
		if _, err := ParseLine(ok); err != nil {
			t.Errorf("ParseLine(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", "1", "1.6.0", "1.x", "01.6", "1.", ".6", "a.b"} {
		_, err := ParseLine(bad)
		if err == nil || !errors.Is(err, ErrInvalidLine) || !strings.Contains(err.Error(), "MAJOR.MINOR") {
			t.Errorf("ParseLine(%q) = %v; want an error explaining MAJOR.MINOR", bad, err)
		}
	}
}

func TestFromTagsExcludesDatedAndJunk(t *testing.T) {
	tags := []string{
		"v1.6.0", "1.6.0", "1.6.2", "1.6.0-20260204", "1.6.0-20260204.1", "1.5.9",
		"2.0.0-rc.1", "latest", "1.6", "nightly", "0.3-r20260204", "v1.7.0+meta",
	}
	set := FromTags(tags, nil)
	var got []string
	for _, v := range set.Releases {
		got = append(got, v.String())
	}
	want := "2.0.0-rc.1 1.6.2 1.6.0 1.5.9"
	if strings.Join(got, " ") != want {
		t.Errorf("releases = %v; want %s", got, want)
	}
	reasons := map[string]string{}
	for _, ig := range set.Ignored {
		reasons[ig.Tag] = ig.Reason
	}
	for _, d := range []string{"1.6.0-20260204", "1.6.0-20260204.1"} {
		if reasons[d] != "dated rebuild tag" {
			t.Errorf("%s: reason %q; want it recognised as a dated rebuild tag", d, reasons[d])
		}
	}
	if reasons["latest"] == "" || reasons["v1.7.0+meta"] == "" {
		t.Errorf("junk tags not reported as ignored: %v", reasons)
	}
}

func TestFromTagsPolicyDatedMatcher(t *testing.T) {
	// A policy whose dated tags use a prerelease that is not only a date.
	isDated := func(s string) bool { return strings.Contains(s, "-r2026") }
	set := FromTags([]string{"1.6.0", "1.6.0-r20260204"}, isDated)
	if len(set.Releases) != 1 || set.Releases[0].String() != "1.6.0" {
		t.Errorf("releases = %v; the policy's dated tag was taken as a release", set.Releases)
	}
}

// A set names the tag each release was found under, whichever order the
// tags were listed in, and counts every tag it was made from.
func TestSetTagAndCount(t *testing.T) {
	tags := []string{"v1.6.0", "1.6.2", "1.6.0", "latest", "1.6.0-20260204"}
	for _, order := range [][]string{tags, {tags[4], tags[3], tags[2], tags[1], tags[0]}} {
		set := FromTags(order, nil)
		for v, want := range map[string]string{"1.6.0": "v1.6.0", "1.6.2": "1.6.2"} {
			parsed, err := Parse(v)
			if err != nil {
				t.Fatal(err)
			}
			if got, ok := set.Tag(parsed); !ok || got != want {
				t.Errorf("%v: Tag(%s) = %q, %v; want %q", order, v, got, ok, want)
			}
		}
		missing, _ := Parse("1.7.0")
		if got, ok := set.Tag(missing); ok {
			t.Errorf("Tag(1.7.0) = %q for a version never tagged", got)
		}
		if set.Count() != len(tags) {
			t.Errorf("Count = %d; want %d", set.Count(), len(tags))
		}
	}
}

// The union of two sets holds what one set of all their tags holds.
func TestSetUnion(t *testing.T) {
	git := []string{"v1.6.0", "1.5.9", "nightly"}
	registry := []string{"1.6.0", "1.6.1", "1.6.0-20260204", "latest"}
	got := FromTags(git, nil).Union(FromTags(registry, nil))
	want := FromTags(append(append([]string{}, git...), registry...), nil)
	if fmt.Sprint(got.Releases) != fmt.Sprint(want.Releases) {
		t.Errorf("releases = %v; want %v", got.Releases, want.Releases)
	}
	if len(got.Ignored) != len(want.Ignored) || got.Count() != want.Count() {
		t.Errorf("ignored %v, count %d; want %v, %d", got.Ignored, got.Count(), want.Ignored, want.Count())
	}
	v, _ := Parse("1.6.0")
	if tag, _ := got.Tag(v); tag != "v1.6.0" {
		t.Errorf("Tag(1.6.0) = %q; want v1.6.0", tag)
	}
}

func TestNewestByLineSkipsPrereleases(t *testing.T) {
	vs := []Version{mustParse(t, "1.6.0"), mustParse(t, "1.6.2"), mustParse(t, "1.7.0-rc.1"), mustParse(t, "0.3.3")}
	got := NewestByLine(vs)
	if got[Line{1, 6}].String() != "1.6.2" || got[Line{0, 3}].String() != "0.3.3" {
		t.Errorf("NewestByLine = %v", got)
	}
	if _, ok := got[Line{1, 7}]; ok {
		t.Errorf("a prerelease made line 1.7: %v", got)
	}
}

func mustParse(t *testing.T, s string) Version {
	t.Helper()
	v, err := Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
