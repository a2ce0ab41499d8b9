package eol

import (
	"testing"
	"time"

	"github.com/patchline/patchline/pipeline/calendar"
)

// digest is a well-formed digest for references in tests.
const digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func builtin(t *testing.T) *Table {
	t.Helper()
	tb, err := Builtin()
	if err != nil {
		t.Fatalf("built-in table: %v", err)
	}
	return tb
}

func day(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := calendar.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return d.Time
}

func date(t *testing.T, s string) calendar.Date {
	t.Helper()
	d, err := calendar.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
