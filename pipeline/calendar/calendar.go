// Package calendar is patchline's one date type: Date, a day of the
// calendar written YYYY-MM-DD, as policies give end-of-life dates, the
// end-of-life table records them, and --date names a build's day.
//
// A Date is held as midnight UTC, so the days between two dates are whole
// and no time zone or daylight saving change moves them. The day a moment
// falls on is read in the moment's own location (DateOf): a run at 23:30
// in Berlin is about that Berlin day, not the UTC one.
package calendar

import (
	"fmt"
	"regexp"
	"time"

	"github.com/patchline/patchline/pipeline/internal/safetext"
)

// Layout is how dates are written in policies, tables, reports and on the
// command line (YYYY-MM-DD).
const Layout = "2006-01-02"

// Date is a calendar day, held as midnight UTC.
type Date struct{ time.Time }

// Parse reads a YYYY-MM-DD day. It is strict: 2026-6-1 and 2026-02-30 are
// refused rather than read as something the writer did not mean.
func Parse(s string) (Date, error) {
	t, err := time.Parse(Layout, s)
	switch {
	case err == nil:
		return Date{t}, nil
	case LooksLikeDate(s):
		return Date{}, fmt.Errorf("%s is not a day of the calendar; check the month and the day (YYYY-MM-DD)", safetext.Quote(s))
	}
	return Date{}, fmt.Errorf("%s is not a date; write it as YYYY-MM-DD, e.g. 2026-02-04", safetext.Quote(s))
}

// shape tells a mistyped day (2026-02-30) from another format.
var shape = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)

// LooksLikeDate reports whether s is written as YYYY-MM-DD, whether or not
// it is a day of the calendar: a reader can then say "check the day"
// rather than "this is not a date".
func LooksLikeDate(s string) bool { return shape.MatchString(s) }

// DateOf returns the calendar day of t as read in t's own location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}

// String renders YYYY-MM-DD.
func (d Date) String() string { return d.Format(Layout) }

// MarshalText renders YYYY-MM-DD.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// MarshalJSON renders "YYYY-MM-DD". The embedded time.Time has a
// MarshalJSON of its own, which encoding/json would otherwise take over
// MarshalText and write a timestamp.
func (d Date) MarshalJSON() ([]byte, error) { return []byte(`"` + d.String() + `"`), nil }

// UnmarshalText reads YYYY-MM-DD with Parse.
func (d *Date) UnmarshalText(b []byte) error {
	v, err := Parse(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// DaysUntil is the number of days from d to e: positive when e is later.
// It counts in Unix seconds rather than time.Duration, which saturates
// after 292 years and would misreport an "eol: 9999-12-31".
func (d Date) DaysUntil(e Date) int {
	return int((e.Unix() - d.Unix()) / (24 * 60 * 60))
}
