package calendar

import (
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	d, err := Parse("2028-06-30")
	if err != nil || d.String() != "2028-06-30" || d.Location() != time.UTC || d.Hour() != 0 {
		t.Fatalf("Parse = %v, %v", d, err)
	}
	for _, tc := range []struct{ in, want string }{
		{"2026-02-30", `"2026-02-30" is not a day of the calendar`},
		{"2026-13-01", "YYYY-MM-DD"},
		{"2026-6-1", `"2026-6-1" is not a date; write it as YYYY-MM-DD`},
		{"30/06/2028", "is not a date"},
		{"", "is not a date"},
	} {
		if _, err := Parse(tc.in); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q) = %v; want an error saying %q", tc.in, err, tc.want)
		}
	}
	var u Date
	if err := u.UnmarshalText([]byte("2026-02-04")); err != nil || u.String() != "2026-02-04" {
		t.Errorf("UnmarshalText = %v, %v", u, err)
	}
	if err := u.UnmarshalText([]byte("2026-02-30")); err == nil {
		t.Error("UnmarshalText took 2026-02-30")
	}
}

// The day of a moment is the one on its own clock, not UTC's.
func TestDateOf(t *testing.T) {
	berlin := time.FixedZone("CET", 3600)
	if got := DateOf(time.Date(2028, 6, 30, 23, 30, 0, 0, berlin)); got.String() != "2028-06-30" {
		t.Errorf("DateOf = %s, want 2028-06-30", got)
	}
	if got := DateOf(time.Date(2028, 7, 1, 0, 30, 0, 0, berlin)); got.String() != "2028-07-01" {
		t.Errorf("DateOf = %s, want 2028-07-01", got)
	}
}

func TestDaysUntil(t *testing.T) {
	a, _ := Parse("2028-03-25")
	b, _ := Parse("2028-03-26")
	far, _ := Parse("9999-12-31")
	if a.DaysUntil(b) != 1 || b.DaysUntil(a) != -1 {
		t.Errorf("DaysUntil: %d, %d", a.DaysUntil(b), b.DaysUntil(a))
	}
	if n := a.DaysUntil(far); n < 2_900_000 {
		t.Errorf("DaysUntil(9999-12-31) = %d", n)
	}
}
