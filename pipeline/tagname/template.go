package tagname

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/patchline/patchline/pipeline/internal/safetext"
)

// Field is a placeholder a tag template can use, written {name}.
type Field string

// The fields a template can use.
const (
	FieldVersion    Field = "version"    // full version, e.g. 1.6.0 or 2.0.0-rc.1
	FieldMajor      Field = "major"      // e.g. 1
	FieldMinor      Field = "minor"      // e.g. 6
	FieldPatch      Field = "patch"      // e.g. 0
	FieldPrerelease Field = "prerelease" // e.g. rc.1, empty for a release
	FieldDate       Field = "date"       // the build date in the policy's date format
	FieldBranch     Field = "branch"     // the sanitised branch name
	FieldSHA        Field = "sha"        // the full commit id
	FieldSHA7       Field = "sha7"       // the first 7 characters of the commit id
)

// Fields lists every field, in the order the documentation gives them.
var Fields = []Field{FieldVersion, FieldMajor, FieldMinor, FieldPatch, FieldPrerelease, FieldDate, FieldBranch, FieldSHA, FieldSHA7}

func knownField(f string) bool {
	for _, k := range Fields {
		if string(k) == f {
			return true
		}
	}
	return false
}

// Template is a parsed tag template such as "{major}.{minor}" or
// "edge-sha-{sha7}".
type Template struct {
	raw   string
	parts []part
}

type part struct {
	lit   string
	field Field // set when this part is a placeholder
}

var literalRE = regexp.MustCompile(`^[A-Za-z0-9._-]*$`)

// ParseTemplate parses a tag template. Literal text may contain letters,
// digits, "_", "." and "-"; placeholders are written {field}.
func ParseTemplate(s string) (Template, error) {
	bad := func(format string, args ...any) (Template, error) {
		return Template{}, fmt.Errorf("%w %s: %s", ErrInvalidTemplate, safetext.Quote(s), safetext.Clip(fmt.Sprintf(format, args...)))
	}
	if s == "" {
		return bad("it is empty")
	}
	var t Template
	t.raw = s
	used := map[Field]bool{}
	for rest := s; rest != ""; {
		open := strings.IndexByte(rest, '{')
		closeAt := strings.IndexByte(rest, '}')
		if closeAt >= 0 && (open < 0 || closeAt < open) {
			return bad("unmatched }")
		}
		if open < 0 {
			t.parts = append(t.parts, part{lit: rest})
			break
		}
		if open > 0 {
			t.parts = append(t.parts, part{lit: rest[:open]})
		}
		end := strings.IndexByte(rest[open:], '}')
		if end < 0 {
			return bad("unclosed {; placeholders are written {field}")
		}
		name := rest[open+1 : open+end]
		if strings.HasPrefix(name, "{") || strings.HasPrefix(name, ".") {
			return bad("placeholders are written with single braces and no dot, e.g. {version}")
		}
		if !knownField(name) {
			return bad("unknown placeholder {%s}; known: %s%s", name, fieldList(), suggestField(name))
		}
		f := Field(name)
		if used[f] {
			return bad("{%s} appears twice", name)
		}
		used[f] = true
		t.parts = append(t.parts, part{field: f})
		rest = rest[open+end+1:]
	}
	for _, p := range t.parts {
		if p.field == "" && !literalRE.MatchString(p.lit) {
			return bad("the text %q may only contain letters, digits, _ . and -", p.lit)
		}
	}
	first := t.parts[0]
	if first.field == "" && strings.ContainsRune(".-", rune(first.lit[0])) {
		return bad("a tag cannot start with %q", first.lit[:1])
	}
	if first.field == FieldPrerelease {
		return bad("a tag cannot start with {prerelease}: it is empty for releases")
	}
	if len(t.fixedText()) > MaxLen {
		return bad("its fixed text alone is longer than %d characters", MaxLen)
	}
	return t, nil
}

func fieldList() string {
	var names []string
	for _, f := range Fields {
		names = append(names, "{"+string(f)+"}")
	}
	return strings.Join(names, " ")
}

func suggestField(name string) string {
	for _, f := range Fields {
		if levenshtein(name, string(f)) <= 2 {
			return fmt.Sprintf(" (did you mean {%s}?)", f)
		}
	}
	return ""
}

// String returns the template as written.
func (t Template) String() string { return t.raw }

// IsZero reports whether the template was never set.
func (t Template) IsZero() bool { return t.raw == "" }

// Uses reports whether the template contains the placeholder f.
func (t Template) Uses(f Field) bool {
	for _, p := range t.parts {
		if p.field == f {
			return true
		}
	}
	return false
}

// Literal reports whether the template has no placeholder at all.
func (t Template) Literal() bool {
	for _, p := range t.parts {
		if p.field != "" {
			return false
		}
	}
	return true
}

func (t Template) fixedText() string {
	var sb strings.Builder
	for _, p := range t.parts {
		sb.WriteString(p.lit)
	}
	return sb.String()
}

// Values are what placeholders render to. Branch is the raw branch name; it
// is sanitised while rendering so that the whole tag fits in MaxLen.
type Values struct {
	Version    string
	Major      string
	Minor      string
	Patch      string
	Prerelease string
	Date       string
	Branch     string
	SHA        string
}

// Render fills in the template and validates the result as a tag.
func (t Template) Render(v Values) (string, error) {
	var sb strings.Builder
	fixed := 0
	for _, p := range t.parts {
		if p.field == FieldBranch {
			continue
		}
		s, err := t.value(p, v)
		if err != nil {
			return "", err
		}
		fixed += len(s)
	}
	for _, p := range t.parts {
		if p.field == FieldBranch {
			if v.Branch == "" {
				return "", fmt.Errorf("template %q needs a branch; pass --branch", t.raw)
			}
			b, err := SanitizeBranch(v.Branch, MaxLen-fixed)
			if err != nil {
				return "", err
			}
			sb.WriteString(b)
			continue
		}
		s, err := t.value(p, v)
		if err != nil {
			return "", err
		}
		sb.WriteString(s)
	}
	out := sb.String()
	if err := Validate(out); err != nil {
		return "", fmt.Errorf("template %q rendered %w", t.raw, err)
	}
	return out, nil
}

func (t Template) value(p part, v Values) (string, error) {
	need := func(val, flag string) (string, error) {
		if val == "" {
			return "", fmt.Errorf("template %q needs {%s}; %s", t.raw, p.field, flag)
		}
		return val, nil
	}
	switch p.field {
	case "":
		return p.lit, nil
	case FieldVersion:
		return need(v.Version, "pass --version")
	case FieldMajor:
		return need(v.Major, "pass --version")
	case FieldMinor:
		return need(v.Minor, "pass --version")
	case FieldPatch:
		return need(v.Patch, "pass --version")
	case FieldPrerelease:
		return v.Prerelease, nil
	case FieldDate:
		return need(v.Date, "pass --date")
	case FieldSHA:
		return need(v.SHA, "pass --sha")
	case FieldSHA7:
		s, err := need(v.SHA, "pass --sha")
		if err != nil {
			return "", err
		}
		return s[:min(7, len(s))], nil
	}
	return "", fmt.Errorf("template %q: unhandled placeholder {%s}", t.raw, p.field)
}

// Pattern returns a regular expression that matches every tag this template
// can render, with an optional ".N" collision suffix when suffixed is true.
// It is used to recognise dated tags among a registry's or a repository's
// tags, so that they are never mistaken for releases.
func (t Template) Pattern(date DateFormat, suffixed bool) *regexp.Regexp {
	var sb strings.Builder
	sb.WriteString("^")
	for _, p := range t.parts {
		switch p.field {
		case "":
			sb.WriteString(regexp.QuoteMeta(p.lit))
		case FieldVersion:
			sb.WriteString(`\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?`)
		case FieldMajor, FieldMinor, FieldPatch:
			sb.WriteString(`\d+`)
		case FieldPrerelease:
			sb.WriteString(`[0-9A-Za-z.-]*`)
		case FieldDate:
			if date.IsZero() {
				sb.WriteString(`\d+`)
			} else {
				sb.WriteString(date.pattern())
			}
		case FieldBranch:
			sb.WriteString(`[A-Za-z0-9_.-]+`)
		case FieldSHA:
			sb.WriteString(`[0-9a-f]{7,64}`)
		case FieldSHA7:
			sb.WriteString(`[0-9a-f]{7}`)
		}
	}
	if suffixed {
		sb.WriteString(`(\.\d+)?`)
	}
	sb.WriteString("$")
	return regexp.MustCompile(sb.String())
}

// MarshalText renders the template as written.
func (t Template) MarshalText() ([]byte, error) { return []byte(t.raw), nil }

// levenshtein is the edit distance between two short strings, used for
// "did you mean" hints.
func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Suggest returns the candidate closest to s within an edit distance of 2,
// or "" when none is close. Policy loading uses it for unknown keys.
func Suggest(s string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		if d := levenshtein(s, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}
