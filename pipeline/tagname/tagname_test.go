package tagname

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	for _, ok := range []string{"latest", "1.6.0", "1.6.0-20260204", "_x", "edge-feature-x", strings.Repeat("a", 128)} {
		if err := Validate(ok); err != nil {
			t.Errorf("Validate(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", "-x", ".x", "a/b", "a:b", "a b", "é", strings.Repeat("a", 129)} {
		err := Validate(bad)
		if err == nil || !errors.Is(err, ErrInvalidTag) {
			t.Errorf("Validate(%q) = %v; want ErrInvalidTag", bad, err)
		}
	}
	if err := Validate(strings.Repeat("a", 129)); !strings.Contains(err.Error(), "129 characters") {
		t.Errorf("over-long tag error does not give the length: %v", err)
	}
}

func TestSanitizeBranch(t *testing.T) {
	tests := []struct{ in, want string }{
		{"main", "main"},
		{"refs/heads/main", "main"},
		{"feature/Big_Thing#2", "feature..Big_Thing-2-" + hash7("feature/Big_Thing#2")},
		{"release/1.6", "release..1.6"},
		{"feature/a", "feature..a"},
		{"feature-a", "feature-a"},
		{"dependabot/npm_and_yarn/lodash-4.17.21", "dependabot..npm_and_yarn..lodash-4.17.21"},
		{"fix//x", ""}, // refused below
		{"a+++b", "a-b-" + hash7("a+++b")},
		{"ünïcode", "n-code-" + hash7("ünïcode")},
		{"#1-hotfix", "1-hotfix-" + hash7("#1-hotfix")},
		{"x#", "x-" + hash7("x#")},
	}
	for _, tt := range tests {
		if tt.want == "" {
			continue
		}
		got, err := SanitizeBranch(tt.in, 100)
		if err != nil || got != tt.want {
			t.Errorf("SanitizeBranch(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
		if err := Validate("edge-" + got); err != nil {
			t.Errorf("sanitised %q is not a valid tag part: %v", got, err)
		}
	}
}

func hash7(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])[:7]
}

// Branches that an older sanitiser turned into one tag stay apart: the
// second no longer moves the first's edge tag.
func TestSanitizeBranchKeepsBranchesApart(t *testing.T) {
	groups := [][]string{
		{"feature/a", "feature-a", "feature.a", "feature_a", "feature#a", "feature+a", "feature/a#", "feature--a"},
		{"release/1.6", "release-1.6", "release/1/6", "release.1.6"},
		{"a/b/c", "a/b-c", "a-b/c", "a-b-c"},
	}
	for _, g := range groups {
		seen := map[string]string{}
		for _, b := range g {
			s, err := SanitizeBranch(b, 100)
			if err != nil {
				t.Fatalf("%q: %v", b, err)
			}
			if prev, dup := seen[s]; dup {
				t.Errorf("%q and %q both become %q", prev, b, s)
			}
			seen[s] = b
		}
	}
}

func TestSanitizeBranchLongNamesStayUnique(t *testing.T) {
	a := "feature/" + strings.Repeat("x", 200) + "-one"
	b := "feature/" + strings.Repeat("x", 200) + "-two"
	sa, err := SanitizeBranch(a, 123)
	if err != nil {
		t.Fatal(err)
	}
	sb, err := SanitizeBranch(b, 123)
	if err != nil {
		t.Fatal(err)
	}
	if len(sa) > 123 || len(sb) > 123 {
		t.Errorf("lengths %d, %d exceed the budget 123", len(sa), len(sb))
	}
	if sa == sb {
		t.Errorf("two different long branches both became %q", sa)
	}
	if err := Validate("edge-" + sa); err != nil {
		t.Error(err)
	}
}

func TestValidateBranchRefuses(t *testing.T) {
	for _, bad := range []string{"", "-x", "a..b", "a b", "a~1", "a^", "a:b", "a?", "a*", "a[", `a\b`, "x.lock", "x/", "/x", "a//b", "a@{1}", "@", "x.", "a/.b", "tab\there"} {
		_, err := SanitizeBranch(bad, 100)
		if err == nil || !errors.Is(err, ErrInvalidBranch) {
			t.Errorf("SanitizeBranch(%q) = %v; want ErrInvalidBranch", bad, err)
			continue
		}
		if !strings.Contains(err.Error(), "--branch") {
			t.Errorf("error for %q does not say how to fix it: %v", bad, err)
		}
	}
	if _, err := SanitizeBranch("###", 100); err == nil || !strings.Contains(err.Error(), `"###"`) {
		t.Errorf("a branch with no tag characters: %v", err)
	}
}

func TestNormalizeSHA(t *testing.T) {
	got, err := NormalizeSHA("ABCDEF1234567")
	if err != nil || got != "abcdef1234567" {
		t.Errorf("NormalizeSHA = %q, %v", got, err)
	}
	for _, bad := range []string{"", "abc", "xyz1234", "1234567-", strings.Repeat("a", 65)} {
		if _, err := NormalizeSHA(bad); err == nil || !errors.Is(err, ErrInvalidSHA) {
			t.Errorf("NormalizeSHA(%q) = %v; want ErrInvalidSHA", bad, err)
		}
	}
}

func TestTemplateRender(t *testing.T) {
	vals := Values{Version: "1.6.0", Major: "1", Minor: "6", Patch: "0", Date: "20260204", Branch: "feature/Big_Thing#2", SHA: "0123456789abcdef"}
	tests := []struct{ tmpl, want string }{
		{"{version}", "1.6.0"},
		{"v{version}", "v1.6.0"},
		{"{major}.{minor}", "1.6"},
		{"{version}-{date}", "1.6.0-20260204"},
		{"{major}.{minor}-r{date}", "1.6-r20260204"},
		{"edge-{branch}", "edge-feature..Big_Thing-2-0edebcb"},
		{"edge-sha-{sha7}", "edge-sha-0123456"},
		{"sha-{sha}", "sha-0123456789abcdef"},
		{"latest", "latest"},
	}
	for _, tt := range tests {
		tm, err := ParseTemplate(tt.tmpl)
		if err != nil {
			t.Fatalf("ParseTemplate(%q): %v", tt.tmpl, err)
		}
		got, err := tm.Render(vals)
		if err != nil || got != tt.want {
			t.Errorf("%q rendered %q, %v; want %q", tt.tmpl, got, err, tt.want)
		}
	}
}

func TestTemplateBranchFitsTagLength(t *testing.T) {
	tm, _ := ParseTemplate("edge-{branch}-{sha7}")
	got, err := tm.Render(Values{Branch: strings.Repeat("b", 300), SHA: "abcdef0"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) > MaxLen || !strings.HasSuffix(got, "-abcdef0") {
		t.Errorf("rendered %d chars %q; want <= %d ending in the sha", len(got), got, MaxLen)
	}
}

func TestTemplateRenderMissingValue(t *testing.T) {
	tm, _ := ParseTemplate("edge-sha-{sha7}")
	if _, err := tm.Render(Values{}); err == nil || !strings.Contains(err.Error(), "--sha") {
		t.Errorf("render without sha: %v", err)
	}
	long, _ := ParseTemplate(strings.Repeat("x", 120) + "-{version}")
	if _, err := long.Render(Values{Version: "1.2.3-averyveryverylongprerelease"}); err == nil || !errors.Is(err, ErrInvalidTag) {
		t.Errorf("render over 128 characters: %v", err)
	}
}

func TestParseTemplateRefuses(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "empty"},
		{"{minr}", "did you mean {minor}"},
		{"{{version}}", "single braces"},
		{"{.Version}", "single braces"},
		{"{version", "unclosed"},
		{"version}", "unmatched"},
		{"{version}{version}", "twice"},
		{"v/{version}", "letters, digits"},
		{"-{version}", "cannot start"},
		{"{prerelease}-x", "cannot start with {prerelease}"},
		{"a b{version}", "letters, digits"},
		{strings.Repeat("x", 129), "longer than 128"},
	}
	for _, tt := range tests {
		_, err := ParseTemplate(tt.in)
		if err == nil || !errors.Is(err, ErrInvalidTemplate) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseTemplate(%q) = %v; want an error mentioning %q", tt.in, err, tt.want)
		}
	}
}

func TestDateFormat(t *testing.T) {
	day := time.Date(2026, 2, 4, 23, 30, 0, 0, time.FixedZone("X", -5*3600))
	tests := []struct{ in, want string }{
		{"YYYYMMDD", "20260205"}, // rendered in UTC
		{"YYYY.MM.DD", "2026.02.05"},
		{"YYYY-MM-DD", "2026-02-05"},
		{"DD_MM_YYYY", "05_02_2026"},
	}
	for _, tt := range tests {
		f, err := ParseDateFormat(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := f.Format(day); got != tt.want {
			t.Errorf("%s: %q; want %q", tt.in, got, tt.want)
		}
	}
	for _, bad := range []string{"", "YYYYMM", "%Y%m%d", "yyyymmdd", "YYYYMMDDHH", "-YYYYMMDD", "YYYY/MM/DD",
		"YYYYYYYYMMDD", "YYYYMMDDDD", "YYYYMMMMDD", "YYYY-MM-DD-", "YYYYMMDD_", "YYYY--MM-DD"} {
		if _, err := ParseDateFormat(bad); err == nil || !errors.Is(err, ErrInvalidDateFormat) {
			t.Errorf("ParseDateFormat(%q) = %v; want ErrInvalidDateFormat", bad, err)
		}
	}
}

func TestPatternMatchesRenderedDatedTags(t *testing.T) {
	df, _ := ParseDateFormat("YYYYMMDD")
	tm, _ := ParseTemplate("{major}.{minor}-r{date}")
	re := tm.Pattern(df, true)
	for _, s := range []string{"0.3-r20260204", "0.3-r20260204.1", "12.40-r20261231.17"} {
		if !re.MatchString(s) {
			t.Errorf("pattern %s does not match %q", re, s)
		}
	}
	for _, s := range []string{"0.3", "0.3.0", "0.3-r2026020", "0.3-rc1", "latest"} {
		if re.MatchString(s) {
			t.Errorf("pattern %s matches %q", re, s)
		}
	}
}

func TestSuggest(t *testing.T) {
	if got := Suggest("newest_line", []string{"newest_lines", "constraint", "eol"}); got != "newest_lines" {
		t.Errorf("Suggest = %q", got)
	}
	if got := Suggest("zzzzzz", []string{"eol"}); got != "" {
		t.Errorf("Suggest far = %q", got)
	}
}
