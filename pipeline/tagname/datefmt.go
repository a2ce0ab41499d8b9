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

// ParseDateFormat parses a date format: YYYY, MM and DD once each, in any
// order, joined directly or by single separators. A token written twice
// (YYYYYYYYMMDD) would render the year twice and is refused, as are
// separators at either end or doubled, which leave tags that read as
// something else once a collision suffix (".1") is added.
func ParseDateFormat(s string) (DateFormat, error) {
	q := safetext.Quote(s)
	var layout strings.Builder
	seen := map[string]bool{}
	lastSep := false
	for rest := s; rest != ""; {
		tok, lay := "", ""
		switch {
		case strings.HasPrefix(rest, "YYYY"):
			tok, lay = "YYYY", "2006"
		case strings.HasPrefix(rest, "MM"):
			tok, lay = "MM", "01"
		case strings.HasPrefix(rest, "DD"):
			tok, lay = "DD", "02"
		case strings.ContainsRune("-._", rune(rest[0])):
			if lastSep || layout.Len() == 0 {
				return DateFormat{}, fmt.Errorf("%w %s: a separator must stand between two of YYYY, MM and DD, e.g. YYYY-MM-DD", ErrInvalidDateFormat, q)
			}
			layout.WriteByte(rest[0])
			rest = rest[1:]
			lastSep = true
			continue
		default:
			return DateFormat{}, fmt.Errorf("%w %s: %q is not a token; use YYYY, MM and DD with the separators - . or _, e.g. YYYYMMDD",
				ErrInvalidDateFormat, q, rest[:1])
		}
		if seen[tok] {
			return DateFormat{}, fmt.Errorf("%w %s: %s appears twice; use each of YYYY, MM and DD once, e.g. YYYYMMDD", ErrInvalidDateFormat, q, tok)
		}
		seen[tok] = true
		layout.WriteString(lay)
		rest = rest[len(tok):]
		lastSep = false
	}
	for _, tok := range []string{"YYYY", "MM", "DD"} {
		if !seen[tok] {
			return DateFormat{}, fmt.Errorf("%w %s: it has no %s; a dated tag must name the whole day, e.g. YYYYMMDD",
				ErrInvalidDateFormat, q, tok)
		}
	}
	if lastSep {
		return DateFormat{}, fmt.Errorf("%w %s: it must not end with a separator", ErrInvalidDateFormat, q)
	}
	return DateFormat{raw: s, layout: layout.String()}, nil
}

// Format renders t (in UTC) in this format.
func (f DateFormat) Format(t time.Time) string { return t.UTC().Format(f.layout) }

// String returns the format as written.
func (f DateFormat) String() string { return f.raw }

// MarshalText renders the format as written (YYYYMMDD): its fields are
// unexported, so JSON would otherwise write {}.
func (f DateFormat) MarshalText() ([]byte, error) { return []byte(f.raw), nil }

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
