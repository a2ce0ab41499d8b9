package tagname

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/patchline/patchline/pipeline/internal/safetext"
)

// DateFormat renders the date part of dated rebuild tags. It is written with
// the tokens YYYY, MM and DD and the separators "-", "." and "_", e.g.
// "YYYYMMDD" renders 20260204. Time of day is left out on purpose: dated
// tags record the day of a rebuild, and a second rebuild on the same day gets
// a numbered suffix instead.
type DateFormat struct {
	raw    string
	layout string
}

// ParseDateFormat parses a date format.
func ParseDateFormat(s string) (DateFormat, error) {
	var layout strings.Builder
	seen := map[string]bool{}
	for rest := s; rest != ""; {
		switch {
		case strings.HasPrefix(rest, "YYYY"):
			layout.WriteString("2006")
			seen["YYYY"] = true
			rest = rest[4:]
		case strings.HasPrefix(rest, "MM"):
			layout.WriteString("01")
			seen["MM"] = true
			rest = rest[2:]
		case strings.HasPrefix(rest, "DD"):
			layout.WriteString("02")
			seen["DD"] = true
			rest = rest[2:]
		case strings.ContainsRune("-._", rune(rest[0])):
			layout.WriteByte(rest[0])
			rest = rest[1:]
		default:
			return DateFormat{}, fmt.Errorf("%w %s: %q is not a token; use YYYY, MM and DD with the separators - . or _, e.g. YYYYMMDD",
				ErrInvalidDateFormat, safetext.Quote(s), rest[:1])
		}
	}
	for _, tok := range []string{"YYYY", "MM", "DD"} {
		if !seen[tok] {
			return DateFormat{}, fmt.Errorf("%w %s: it has no %s; a dated tag must name the whole day, e.g. YYYYMMDD",
				ErrInvalidDateFormat, safetext.Quote(s), tok)
		}
	}
	if strings.ContainsRune("-.", rune(s[0])) {
		return DateFormat{}, fmt.Errorf("%w %s: it must not start with a separator", ErrInvalidDateFormat, safetext.Quote(s))
	}
	return DateFormat{raw: s, layout: layout.String()}, nil
}

// Format renders t (in UTC) in this format.
func (f DateFormat) Format(t time.Time) string { return t.UTC().Format(f.layout) }

// String returns the format as written.
func (f DateFormat) String() string { return f.raw }

// IsZero reports whether the format was never set.
func (f DateFormat) IsZero() bool { return f.raw == "" }

// pattern returns a regular expression matching any rendered date.
func (f DateFormat) pattern() string {
	var sb strings.Builder
	for _, r := range f.layout {
		switch {
		case r >= '0' && r <= '9':
			sb.WriteString(`\d`)
		default:
			sb.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	return sb.String()
}
