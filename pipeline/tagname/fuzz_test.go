package tagname

import (
	"strings"
	"testing"
)

// FuzzTemplate checks that ParseTemplate never panics and that whatever a
// parsed template renders is either refused or a valid tag.
func FuzzTemplate(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		tm, err := ParseTemplate(s)
		if err != nil {
			return
		}
		out, err := tm.Render(Values{Version: "1.6.0-rc.1", Major: "1", Minor: "6", Patch: "0", Prerelease: "rc.1", Date: "20260204", Branch: "feature/x", SHA: "0123456789abcdef"})
		if err != nil {
			return
		}
		if verr := Validate(out); verr != nil {
			t.Fatalf("template %q rendered invalid tag %q: %v", s, out, verr)
		}
		if tm.Literal() && out != s {
			t.Fatalf("literal template %q rendered %q", s, out)
		}
	})
}

// hashed reports whether a sanitised name ends in the 7-digit hash that
// marks a name changed beyond reading back.
func hashed(s string) bool {
	i := strings.LastIndexByte(s, '-')
	if i < 0 || len(s)-i-1 != 7 {
		return false
	}
	return strings.Trim(s[i+1:], "0123456789abcdef") == ""
}

// FuzzSanitizeBranch checks that every accepted branch becomes a string that
// fits the budget and is valid inside a tag, deterministically, and either
// reads back as the branch or carries its hash.
func FuzzSanitizeBranch(f *testing.F) {
	f.Fuzz(func(t *testing.T, branch string) {
		s, err := SanitizeBranch(branch, 100)
		if err != nil {
			return
		}
		if len(s) > 100 {
			t.Fatalf("%q became %d characters", branch, len(s))
		}
		if err := Validate(s); err != nil {
			t.Fatalf("%q became invalid tag %q: %v", branch, s, err)
		}
		if strings.HasSuffix(s, "-") || strings.HasSuffix(s, ".") {
			t.Fatalf("%q became %q, which ends in a separator", branch, s)
		}
		again, _ := SanitizeBranch(branch, 100)
		if again != s {
			t.Fatalf("not deterministic: %q then %q", s, again)
		}
		// A name kept whole reads back as the branch, so no other
		// branch can have become it. Git allows no ".." and no component
		// starting with '.', so a run of three dots was "./" and a run
		// of two was "/".
		b := strings.TrimPrefix(branch, "refs/heads/")
		back := strings.ReplaceAll(strings.ReplaceAll(s, "...", "./"), "..", "/")
		if back != b && !hashed(s) {
			t.Fatalf("%q became %q, which reads back as another branch and carries no hash", branch, s)
		}
	})
}
