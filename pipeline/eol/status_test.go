package eol

import (
	"strings"
	"testing"
	"time"
)

func known(t *testing.T, product, cycle, codename, eol string) Match {
	t.Helper()
	c := Cycle{Name: cycle, Codename: codename}
	switch eol {
	case "false":
	case "true":
		c.EOL = DateOrBool{Bool: true}
	default:
		c.EOL = DateOrBool{Date: date(t, eol), Bool: true}
	}
	return Match{Ref: "ref", Product: product, Cycle: c, Known: true}
}

func TestStatusBoundaries(t *testing.T) {
	bookworm := known(t, "debian", "12", "bookworm", "2028-06-30")
	tests := []struct {
		name     string
		m        Match
		today    string
		warn     int
		state    State
		daysLeft int
		message  string
	}{
		{"far ahead", bookworm, "2026-11-23", 30, StateOK, 585,
			"debian 12 (bookworm) reaches end of life on 2028-06-30, in 585 days"},
		{"one day outside the window", bookworm, "2028-05-30", 30, StateOK, 31,
			"debian 12 (bookworm) reaches end of life on 2028-06-30, in 31 days"},
		{"window edge", bookworm, "2028-05-31", 30, StateWarning, 30,
			"debian 12 (bookworm) reaches end of life on 2028-06-30, in 30 days"},
		{"inside the window", bookworm, "2028-06-18", 30, StateWarning, 12,
			"debian 12 (bookworm) reaches end of life on 2028-06-30, in 12 days"},
		{"day before", bookworm, "2028-06-29", 30, StateWarning, 1,
			"debian 12 (bookworm) reaches end of life on 2028-06-30, in 1 day"},
		{"day before, no window", bookworm, "2028-06-29", 0, StateOK, 1,
			"debian 12 (bookworm) reaches end of life on 2028-06-30, in 1 day"},
		{"EOL day is the last supported day", bookworm, "2028-06-30", 30, StateWarning, 0,
			"debian 12 (bookworm) reaches end of life today, 2028-06-30: move to a supported base"},
		{"EOL day warns even with no window", bookworm, "2028-06-30", 0, StateWarning, 0,
			"debian 12 (bookworm) reaches end of life today, 2028-06-30: move to a supported base"},
		{"negative window is no window", bookworm, "2028-06-29", -5, StateOK, 1,
			"debian 12 (bookworm) reaches end of life on 2028-06-30, in 1 day"},
		{"day after", bookworm, "2028-07-01", 30, StateEOL, -1,
			"debian 12 (bookworm) reached end of life on 2028-06-30, 1 day ago: move to a supported base"},
		{"long past, no codename", known(t, "alpine", "3.18", "", "2025-05-09"), "2026-11-23", 30, StateEOL, -563,
			"alpine 3.18 reached end of life on 2025-05-09, 563 days ago: move to a supported base"},
		{"no EOL announced", known(t, "go", "1.26", "", "false"), "2026-11-23", 30, StateOK, 0,
			"go 1.26 has no end-of-life date announced"},
		{"ended on an unrecorded day", known(t, "python", "3.5", "", "true"), "2026-11-23", 30, StateEOL, 0,
			"python 3.5 has reached end of life (the day is not recorded): move to a supported base"},
		{"unknown", Match{Ref: "docker.io/library/debian:latest", Reason: `tag "latest" names no debian release`}, "2026-11-23", 30, StateUnknown, 0,
			`tag "latest" names no debian release`},
		{"zero match", Match{}, "2026-11-23", 30, StateUnknown, 0, "no end-of-life data"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := Status(tc.m, day(t, tc.today), tc.warn)
			want := Verdict{State: tc.state, DaysLeft: tc.daysLeft, Message: tc.message}
			if v != want {
				t.Errorf("Status on %s (window %d) =\n  %+v\nwant\n  %+v", tc.today, tc.warn, v, want)
			}
		})
	}
}

// The day is read where the caller's clock is: late evening west of UTC is
// still the EOL day there, though it is already the next day in UTC.
func TestStatusUsesTheCallersDay(t *testing.T) {
	m := known(t, "debian", "12", "bookworm", "2028-06-30")
	honolulu := time.FixedZone("HST", -10*3600)
	v := Status(m, time.Date(2028, 6, 30, 23, 30, 0, 0, honolulu), 30)
	if v.State != StateWarning || v.DaysLeft != 0 {
		t.Errorf("at 23:30 on the EOL day in Honolulu: %+v; want warning, 0 days left", v)
	}
	tokyo := time.FixedZone("JST", 9*3600)
	v = Status(m, time.Date(2028, 7, 1, 0, 30, 0, 0, tokyo), 30)
	if v.State != StateEOL || v.DaysLeft != -1 {
		t.Errorf("at 00:30 the day after in Tokyo: %+v; want eol, -1", v)
	}
}

// End to end with the built-in table, on a fixed day (2026-11-23).
func TestStatusOfBuiltinLookups(t *testing.T) {
	tb := builtin(t)
	today := day(t, "2026-11-23")
	tests := []struct {
		ref   string
		state State
		msg   string
	}{
		{"debian:bookworm-slim", StateOK, "debian 12 (bookworm) reaches end of life on 2028-06-30, in 585 days"},
		{"alpine:3.18", StateEOL, "alpine 3.18 reached end of life on 2025-05-09, 563 days ago: move to a supported base"},
		{"alpine:3.21", StateEOL, "alpine 3.21 reached end of life on 2026-11-01, 22 days ago"},
		{"node:20-alpine", StateEOL, "node 20 (iron) reached end of life on 2026-04-30"},
		{"ubuntu:22.04", StateWarning, "ubuntu 22.04 (jammy) reaches end of life on 2027-04-01, in 129 days"},
		{"golang:1.26", StateOK, "go 1.26 has no end-of-life date announced"},
		{"debian:latest", StateUnknown, `tag "latest" names no debian release`},
	}
	for _, tc := range tests {
		m, _ := tb.Lookup(tc.ref)
		v := Status(m, today, 180)
		if v.State != tc.state || !strings.Contains(v.Message, tc.msg) {
			t.Errorf("%s: %s %q; want %s containing %q", tc.ref, v.State, v.Message, tc.state, tc.msg)
		}
	}
}

// A far-off date is counted exactly; time.Duration would saturate at 292
// years.
func TestStatusFarFuture(t *testing.T) {
	v := Status(known(t, "acme", "1", "", "9999-12-31"), day(t, "2026-11-23"), 30)
	if v.State != StateOK || v.DaysLeft != 2912116 {
		t.Errorf("%+v", v)
	}
}
