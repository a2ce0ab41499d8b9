package eol

import (
	"slices"
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

// productsOf lists a table's products by name, each with its rules.
func productsOf(t *Table) []Product {
	names := make([]string, 0, len(t.products))
	for n := range t.products {
		names = append(names, n)
	}
	slices.Sort(names)
	out := make([]Product, 0, len(names))
	for _, n := range names {
		p := t.products[n]
		p.Cycles = slices.Clone(p.Cycles)
		p.Rules = nil
		for _, r := range t.rules {
			if r.Product == n {
				p.Rules = append(p.Rules, r)
			}
		}
		out = append(out, p)
	}
	return out
}
