package version

import (
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics, that everything it accepts
// renders back to a canonical form that parses to the same version, and
// that it never accepts build metadata (which cannot be an image tag).
func FuzzParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		v, err := Parse(s)
		if err != nil {
			return
		}
		if strings.Contains(v.String(), "+") {
			t.Fatalf("Parse(%q) kept build metadata: %s", s, v)
		}
		again, err := Parse(v.String())
		if err != nil || again.Compare(v) != 0 || again.String() != v.String() {
			t.Fatalf("canonical form %q of %q does not round-trip: %v", v, s, err)
		}
		if s != v.String() && s != "v"+v.String() {
			t.Fatalf("Parse(%q) accepted a non-canonical spelling %q", s, v)
		}
	})
}
