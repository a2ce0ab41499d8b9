package eol

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// head is the start of most override files below; products begin on
// line 3.
const head = "version: 1\nproducts:\n"

// Every malformed override is refused with its file, line and a message
// that names the offending value, so the user can fix it without guessing.
func TestLoadRefusesMalformedOverrides(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		line int
		want []string // pieces of the message
	}{
		{"unknown cycle key", head + `  debian:
    cycles:
      - cycle: "12"
        eol: 2028-06-30
        releasedate: 2023-06-10
`, 7, []string{`unknown key "releasedate"`, `did you mean "releaseDate"?`}},
		{"impossible date", head + `  debian:
    cycles:
      - cycle: "12"
        eol: 2026-02-30
`, 6, []string{`"2026-02-30" is not a day of the calendar`}},
		{"date in another format", head + `  debian:
    cycles:
      - cycle: "12"
        eol: 30/06/2028
`, 6, []string{`"30/06/2028" is neither a date written as YYYY-MM-DD nor true/false`}},
		{"eol as a word", head + `  debian:
    cycles:
      - cycle: "12"
        eol: soon
`, 6, []string{`"soon"`, "false when none is announced"}},
		{"releaseDate as a boolean", head + `  debian:
    cycles:
      - cycle: "12"
        releaseDate: true
        eol: 2028-06-30
`, 6, []string{"expected a date", `"true"`}},
		{"cycle read as a number", head + `  alpine:
    cycles:
      - cycle: 3.20
        eol: 2026-04-01
`, 5, []string{"3.20 was read as a number", `quote it: "3.20"`}},
		{"cycle listed twice", head + `  debian:
    cycles:
      - cycle: "12"
        eol: 2028-06-30
      - cycle: "12"
        eol: 2028-07-31
`, 7, []string{`cycle "12" is listed twice (first on line 5)`}},
		{"cycle without eol", head + `  debian:
    cycles:
      - cycle: "14"
        codename: forky
`, 5, []string{"eol: missing", "eol: false"}},
		{"regex that does not compile", head + `  debian:
    match:
      - repository: ghcr.io/acme/debian
        tagPattern: '(?P<cycle>1[0-9]'
`, 6, []string{`"(?P<cycle>1[0-9]" is not a regular expression`, "missing closing )"}},
		{"unknown capture group", head + `  debian:
    match:
      - repository: ghcr.io/acme/debian
        tagPattern: '(?P<version>[0-9]+)'
`, 6, []string{`(?P<version>...)`, "only (?P<cycle>...) and (?P<codename>...)"}},
		{"rule that names no cycle", head + `  debian:
    match:
      - repository: ghcr.io/acme/debian
        tags: ["bookworm*"]
`, 5, []string{"does not say which cycle", `add "cycle:"`}},
		{"cycle given twice", head + `  debian:
    match:
      - repository: ghcr.io/acme/debian
        tagPattern: '(?P<cycle>[0-9]+)'
        cycle: "12"
`, 5, []string{"the cycle is given 2 times", `cycle "12"`, "(?P<cycle>...)"}},
		{"repository with a tag", head + `  debian:
    match:
      - repository: debian:12
        cycle: "12"
`, 5, []string{`repository "debian:12" has a tag`}},
		{"repository in upper case", head + `  debian:
    match:
      - repository: ghcr.io/Acme/Debian
        cycle: "12"
`, 5, []string{`repository "ghcr.io/Acme/Debian" is not an image repository`}},
		{"wildcard registry", head + `  debian:
    match:
      - repository: "*.example.com/debian"
        cycle: "12"
`, 5, []string{`"*.example.com/debian": a wildcard cannot stand for the registry`}},
		{"tag glob with a slash", head + `  debian:
    match:
      - repository: ghcr.io/acme/debian
        tags: ["bookworm/slim"]
        cycle: "12"
`, 6, []string{`tag glob "bookworm/slim"`}},
		{"repository and repositoryPattern", head + `  debian:
    match:
      - repository: ghcr.io/acme/debian
        repositoryPattern: 'ghcr\.io/acme/.*'
        cycle: "12"
`, 6, []string{"either repository (globs) or repositoryPattern"}},
		{"rule without repository", head + `  debian:
    match:
      - tags: ["bookworm"]
        cycle: "12"
`, 5, []string{`missing "repository:"`}},
		{"bad product name", head + `  Debian OS:
    cycles: []
`, 3, []string{`product name "Debian OS"`}},
		{"product written twice", head + `  debian:
    cycles:
      - cycle: "12"
        eol: 2028-06-30
  debian:
    cycles: []
`, 7, []string{`"debian" is written twice (first on line 3)`}},
		{"cycles as a mapping", head + `  debian:
    cycles:
      "12": 2028-06-30
`, 5, []string{"expected a list of cycles", "a mapping"}},
		{"link that is not a URL", head + `  debian:
    cycles:
      - cycle: "12"
        eol: 2028-06-30
        link: debian.org/releases
`, 7, []string{`"debian.org/releases" is not a web address`}},
		{"missing version", `products:
  debian:
    cycles:
      - cycle: "12"
        eol: 2028-06-30
`, 1, []string{`version: missing`, `"version: 1"`}},
		{"future version", "version: 2\nproducts: {}\n", 1, []string{"reads end-of-life table version 1; found 2"}},
		{"unknown top-level key", "version: 1\nprodcts: {}\n", 2, []string{`unknown key "prodcts"`, `did you mean "products"?`}},
		{"not YAML", head + "  debian:\n    cycles: [\n      - cycle: 12\n", 4, []string{"not valid YAML"}},
		// Found only when the override meets the built-in table.
		{"eol before release", head + `  debian:
    cycles:
      - cycle: "12"
        eol: 2020-01-01
`, 5, []string{"eol 2020-01-01 is before releaseDate 2023-06-10"}},
		{"support after eol", head + `  debian:
    cycles:
      - cycle: "11"
        support: 2027-01-01
        eol: 2026-08-31
`, 5, []string{"support 2027-01-01 ends after eol 2026-08-31"}},
		{"fixed cycle nobody lists", head + `  debian:
    match:
      - repository: ghcr.io/acme/debian
        cycle: "8"
`, 5, []string{`debian cycle "8", which no table lists`, "listed: [13 12 11 10]"}},
		{"codename taken", head + `  debian:
    cycles:
      - cycle: "14"
        codename: Bookworm
        eol: false
`, 5, []string{`codename "Bookworm" is already cycle "12"'s`}},
		{"new product without rules", head + `  acme:
    cycles:
      - cycle: "1"
        eol: false
`, 3, []string{`product "acme" has no match rules`}},
		{"new product without cycles", head + `  acme:
    match:
      - repository: ghcr.io/acme/base
        cycle: "1"
`, 5, []string{`acme cycle "1", which no table lists`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load("eol.yaml", []byte(tc.yaml))
			if err == nil {
				t.Fatal("accepted")
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error does not wrap ErrInvalid: %v", err)
			}
			msg := err.Error()
			if at := fmt.Sprintf("eol.yaml:%d:", tc.line); !strings.Contains(msg, at) {
				t.Errorf("error does not point at %s:\n%s", at, msg)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error does not say %q:\n%s", w, msg)
				}
			}
		})
	}
}

// All problems of a file come back at once, each on its own line.
func TestLoadReportsEveryProblem(t *testing.T) {
	_, err := Load("eol.yaml", []byte(head+`  debian:
    cycles:
      - cycle: "12"
        eol: 2028-13-01
      - cycle: 3.10
        eol: false
    match:
      - repository: debian
        tagPattern: '('
`))
	var errs *Errors
	if !errors.As(err, &errs) {
		t.Fatalf("want *Errors, got %v", err)
	}
	if len(errs.Problems) != 3 {
		t.Errorf("got %d problems, want 3:\n%v", len(errs.Problems), err)
	}
	if !strings.HasPrefix(err.Error(), "eol.yaml: 3 problems") {
		t.Errorf("error starts %q", strings.SplitN(err.Error(), "\n", 2)[0])
	}
}

func TestLoadEmptyFile(t *testing.T) {
	_, err := Load("eol.yaml", nil)
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "the file is empty") {
		t.Errorf("empty override: %v", err)
	}
}

// A quoted date is as good as a bare one, and a glob rule works as well as
// a pattern: the two spellings people will use.
func TestParseAcceptsBothSpellings(t *testing.T) {
	tb, err := Load("eol.yaml", []byte(head+`  acme:
    cycles:
      - cycle: "1"
        releaseDate: "2025-01-01"
        eol: 2027-01-01
    match:
      - repository: ghcr.io/acme/base-*
        tags: ["1", "1.*", "1-*"]
        cycle: "1"
`))
	if err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{"ghcr.io/acme/base-slim:1", "ghcr.io/acme/base-full:1.4.2", "ghcr.io/acme/base-x:1-rc"} {
		if m, ok := tb.Lookup(ref); !ok || m.Cycle.ReleaseDate.String() != "2025-01-01" {
			t.Errorf("%s: %+v", ref, m)
		}
	}
	for _, ref := range []string{"ghcr.io/acme/base-slim:10", "ghcr.io/acme/base/slim:1", "ghcr.io/acme/base-slim:latest"} {
		if m, ok := tb.Lookup(ref); ok {
			t.Errorf("%s matched %s %s", ref, m.Product, m.Cycle.Name)
		}
	}
}

// Either order of the two spellings of one condition is refused.
func TestRuleRefusesBothSpellingsInEitherOrder(t *testing.T) {
	for line, y := range map[int]string{
		6: "      - repositoryPattern: 'ghcr\\.io/acme/x'\n        repository: ghcr.io/acme/x\n        cycle: \"12\"\n",
		7: "      - repository: ghcr.io/acme/x\n        tagPattern: '12.*'\n        tags: [\"12\"]\n        cycle: \"12\"\n",
	} {
		_, err := Load("eol.yaml", []byte(head+"  debian:\n    match:\n"+y))
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("eol.yaml:%d:", line)) || !strings.Contains(err.Error(), "not both") {
			t.Errorf("accepted or misplaced:\n%s\n%v", y, err)
		}
	}
}

// A huge value in an override file gives a short message, and a file full
// of mistakes lists the first of them and counts the rest.
func TestHugeOverridesGiveShortErrors(t *testing.T) {
	huge := strings.Repeat("x", 1<<20)
	for name, doc := range map[string]string{
		"product name": head + "  " + huge + ":\n    cycles: []\n",
		"date":         head + "  debian:\n    cycles:\n      - cycle: \"12\"\n        eol: " + huge + "\n",
		"link":         head + "  debian:\n    cycles:\n      - cycle: \"12\"\n        eol: false\n        link: \"" + huge + "\"\n",
		"pattern":      head + "  debian:\n    match:\n      - repositoryPattern: \"(" + huge + "\"\n",
		"many keys":    strings.Repeat("unknown_key: 1\n", 5000),
	} {
		_, err := Load("o.yaml", []byte(doc))
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		if n := len(err.Error()); n > 8<<10 {
			t.Errorf("%s: a %d-byte message: %.200s", name, n, err)
		}
	}
}
