package eol

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"
)

// The embedded table loads, covers the products the reports are expected
// to know, and every product can be reached by at least one rule.
func TestBuiltinTable(t *testing.T) {
	tb := builtin(t)
	want := []string{"alpine", "debian", "eclipse-temurin", "go", "nginx", "node", "python", "ubuntu"}
	var got []string
	for _, p := range productsOf(tb) {
		got = append(got, p.Name)
		if len(p.Rules) == 0 {
			t.Errorf("%s has no match rule", p.Name)
		}
		if len(p.Cycles) == 0 {
			t.Errorf("%s has no cycles", p.Name)
		}
		for _, c := range p.Cycles {
			if c.ReleaseDate.IsZero() {
				t.Errorf("%s %s has no releaseDate", p.Name, c.Name)
			}
			if c.Pos.File != builtinName || c.Pos.Line == 0 {
				t.Errorf("%s %s has no position: %v", p.Name, c.Name, c.Pos)
			}
		}
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("products = %v; want %v", got, want)
	}
}

// Every cycle the table promises is present, reachable through the rules
// from an ordinary tag, and carries the date the table is meant to hold.
// A change here is a change of data: check it at the publisher.
func TestBuiltinCoverage(t *testing.T) {
	tb := builtin(t)
	tests := map[string]string{
		"debian:10": "2024-06-30", "debian:11": "2026-08-31", "debian:12": "2028-06-30", "debian:13": "2030-06-30",
		"ubuntu:20.04": "2025-05-31", "ubuntu:22.04": "2027-04-01", "ubuntu:24.04": "2029-05-31",
		"alpine:3.18": "2025-05-09", "alpine:3.19": "2025-11-01", "alpine:3.20": "2026-04-01", "alpine:3.21": "2026-11-01", "alpine:3.22": "2027-05-01",
		"golang:1.24": "2026-02-10", "golang:1.25": "2026-08-19", "golang:1.26": "false",
		"node:18": "2025-04-30", "node:20": "2026-04-30", "node:22": "2027-04-30", "node:24": "2028-04-30",
		"python:3.9": "2025-10-31", "python:3.10": "2026-10-31", "python:3.11": "2027-10-31", "python:3.12": "2028-10-31", "python:3.13": "2029-10-31",
		"eclipse-temurin:11": "2027-10-31", "eclipse-temurin:17": "2027-10-31", "eclipse-temurin:21": "2029-12-31",
		"nginx:1.26": "2025-04-23", "nginx:1.28": "2026-04-14", "nginx:1.30": "false",
	}
	for ref, eol := range tests {
		m, ok := tb.Lookup(ref)
		if !ok {
			t.Errorf("%s: %s", ref, m.Reason)
			continue
		}
		if m.Cycle.EOL.String() != eol {
			t.Errorf("%s: eol %s; want %s", ref, m.Cycle.EOL, eol)
		}
	}
}

// Each cycle with a codename is reachable by it, where the images have
// codename tags.
func TestBuiltinCodenames(t *testing.T) {
	tb := builtin(t)
	for _, p := range productsOf(tb) {
		repo := map[string]string{"debian": "debian", "ubuntu": "ubuntu", "node": "node"}[p.Name]
		for _, c := range p.Cycles {
			if c.Codename == "" {
				continue
			}
			if repo == "" {
				t.Errorf("%s %s has codename %q but no codename rule is tested", p.Name, c.Name, c.Codename)
				continue
			}
			m, ok := tb.Lookup(repo + ":" + c.Codename)
			if !ok || m.Cycle.Name != c.Name {
				t.Errorf("%s:%s = %s %s (%s); want cycle %s", repo, c.Codename, m.Product, m.Cycle.Name, m.Reason, c.Name)
			}
		}
	}
}

// A broken built-in table is reported as patchline's bug, not the user's,
// with the place to fix it.
func TestBuiltinErrorsAreMarked(t *testing.T) {
	broken := fstest.MapFS{BuiltinFile: {Data: []byte("version: 1\nproducts:\n  debian:\n    cycles: []\n")}}
	_, err := builtinFrom(broken)
	if !errors.Is(err, ErrBuiltin) || !errors.Is(err, ErrInvalid) {
		t.Fatalf("want ErrBuiltin wrapping ErrInvalid, got %v", err)
	}
	if !strings.Contains(err.Error(), builtinName+":3:") || !strings.Contains(err.Error(), `product "debian" has no match rules`) {
		t.Errorf("error does not point into the built-in file: %v", err)
	}
	if _, err := builtinFrom(fstest.MapFS{}); !errors.Is(err, ErrBuiltin) {
		t.Errorf("missing file: %v", err)
	}
}
