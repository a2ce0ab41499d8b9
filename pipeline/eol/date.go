package eol

import (
	"encoding/json"
	"fmt"
	"regexp"
	"time"
)

// DateLayout is how dates are written in tables and reports (YYYY-MM-DD).
const DateLayout = "2006-01-02"

// Date is a calendar day, held as midnight UTC so that the days between two
// dates are whole and no time zone or daylight saving change moves them.
type Date struct{ time.Time }

// ParseDate reads a YYYY-MM-DD day. It is strict: 2026-6-1 and 2026-02-30
// are refused rather than read as something the writer did not mean.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(DateLayout, s)
	switch {
	case err == nil:
		return Date{t}, nil
	case dateShape.MatchString(s):
		return Date{}, fmt.Errorf("%q is not a day of the calendar; check the month and the day", s)
	}
	return Date{}, fmt.Errorf("%q is not a date; write it as YYYY-MM-DD, e.g. 2028-06-30", s)
}

// dateShape tells a mistyped day (2026-02-30) from another format.
var dateShape = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)

// Day returns the calendar day of t as read in t's own location: a
// report run at 23:30 in Berlin is about that Berlin day, not the UTC one.
func Day(t time.Time) Date {
	y, m, d := t.Date()
	return Date{time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}

// String renders YYYY-MM-DD.
func (d Date) String() string { return d.Format(DateLayout) }

// MarshalText renders YYYY-MM-DD.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// daysUntil is the number of days from d to e: positive when e is later.
// It counts in Unix seconds rather than time.Duration, which saturates
// after 292 years and would misreport an "eol: 9999-12-31".
func (d Date) daysUntil(e Date) int {
	return int((e.Unix() - d.Unix()) / (24 * 60 * 60))
}

// DateOrBool is endoflife.date's "date or boolean" field. For eol a date is
// the last day of support, false means no date has been announced, and true
// means support has ended on a day nobody recorded.
type DateOrBool struct {
	// Date is set when a date was written.
	Date Date
	// Bool is the boolean written; it is true when a date was written, so
	// that "is there an end?" is always Bool.
	Bool bool
}

// HasDate reports whether a date was written.
func (v DateOrBool) HasDate() bool { return !v.Date.IsZero() }

// String renders the date, or true or false.
func (v DateOrBool) String() string {
	if v.HasDate() {
		return v.Date.String()
	}
	return fmt.Sprint(v.Bool)
}

// MarshalJSON renders the date as a string, or a JSON boolean, as
// endoflife.date's API does.
func (v DateOrBool) MarshalJSON() ([]byte, error) {
	if v.HasDate() {
		return json.Marshal(v.Date.String())
	}
	return json.Marshal(v.Bool)
}
