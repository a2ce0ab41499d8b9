package eol

import (
	"testing"
)

const override = `version: 1
products:
  debian:
    cycles:
      # change one date; codename and release date stay
      - cycle: "12"
        eol: 2028-07-31
      # add a cycle the built-in table does not list
      - cycle: "9"
        codename: stretch
        releaseDate: 2017-06-17
        eol: 2022-06-30
    match:
      # add a rule to a built-in product
      - repository: ghcr.io/acme/debian-hardened
        tags: ["bookworm", "bookworm-*"]
        cycle: "12"
      # tried before the built-in rules
      - repository: debian
        tags: ["12-fips*"]
        cycle: "13"
  # add a product
  acme-runtime:
    cycles:
      - cycle: "2024.1"
        eol: 2026-12-31
      - cycle: "2025.1"
        eol: false
    match:
      - repository: ghcr.io/acme/runtime
        tagPattern: '(?P<cycle>20[0-9]{2}\.[0-9]+)(?:\.[0-9]+)?'
`

func TestMergeOverride(t *testing.T) {
	tb, err := Load("eol.yaml", []byte(override))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		ref, product, cycle, eol, ruleFile string
	}{
		// a changed date keeps the built-in codename, so codename tags still find it
		{"debian:bookworm-slim", "debian", "12", "2028-07-31", builtinName},
		{"debian:12", "debian", "12", "2028-07-31", builtinName},
		// an added cycle, by number and by codename, through built-in rules
		{"debian:9-slim", "debian", "9", "2022-06-30", builtinName},
		{"debian:stretch", "debian", "9", "2022-06-30", builtinName},
		// an added rule on a built-in product
		{"ghcr.io/acme/debian-hardened:bookworm-20261101", "debian", "12", "2028-07-31", "eol.yaml"},
		// the override's rule wins over the built-in one that would say 12
		{"debian:12-fips-slim", "debian", "13", "2030-06-30", "eol.yaml"},
		// an added product
		{"ghcr.io/acme/runtime:2024.1.3", "acme-runtime", "2024.1", "2026-12-31", "eol.yaml"},
		{"ghcr.io/acme/runtime:2025.1", "acme-runtime", "2025.1", "false", "eol.yaml"},
		// untouched built-in data
		{"alpine:3.20", "alpine", "3.20", "2026-04-01", builtinName},
	}
	for _, tc := range tests {
		m, ok := tb.Lookup(tc.ref)
		if !ok {
			t.Errorf("%s: not found: %s", tc.ref, m.Reason)
			continue
		}
		if m.Product != tc.product || m.Cycle.Name != tc.cycle || m.Cycle.EOL.String() != tc.eol || m.Rule.Pos.File != tc.ruleFile {
			t.Errorf("%s = %s %s eol %s by %s; want %s %s eol %s by a rule in %s",
				tc.ref, m.Product, m.Cycle.Name, m.Cycle.EOL, m.Rule, tc.product, tc.cycle, tc.eol, tc.ruleFile)
		}
	}

	m, _ := tb.Lookup("debian:bookworm")
	if m.Cycle.Codename != "bookworm" || m.Cycle.ReleaseDate.String() != "2023-06-10" || m.Cycle.Support.String() != "2026-06-10" {
		t.Errorf("changing eol lost other fields: %+v", m.Cycle)
	}
	if m.Cycle.Pos.File != "eol.yaml" {
		t.Errorf("a changed cycle should point at the override that changed it; at %s", m.Cycle.Pos)
	}
}

// Merging returns a new table: the built-in one is left as it was.
func TestMergeLeavesInputsAlone(t *testing.T) {
	base := builtin(t)
	over, err := Parse("eol.yaml", []byte(override))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Merge(base, over); err != nil {
		t.Fatal(err)
	}
	m, _ := base.Lookup("debian:bookworm")
	if m.Cycle.EOL.String() != "2028-06-30" {
		t.Errorf("base changed by a merge: debian 12 eol %s", m.Cycle.EOL)
	}
	if _, ok := base.Lookup("debian:stretch"); ok {
		t.Error("base gained the override's cycle")
	}
	if _, ok := base.Lookup("ghcr.io/acme/runtime:2024.1"); ok {
		t.Error("base gained the override's product")
	}
}

// Optional fields an override writes replace the built-in ones; fields it
// leaves out are kept.
func TestMergeFieldByField(t *testing.T) {
	tb, err := Load("eol.yaml", []byte(`version: 1
products:
  ubuntu:
    cycles:
      - cycle: "22.04"
        eol: 2027-05-31
        link: https://ubuntu.com/about/release-cycle
        lts: false
`))
	if err != nil {
		t.Fatal(err)
	}
	m, ok := tb.Lookup("ubuntu:jammy")
	if !ok {
		t.Fatal(m.Reason)
	}
	c := m.Cycle
	if c.EOL.String() != "2027-05-31" || c.Link != "https://ubuntu.com/about/release-cycle" || c.LTS.Bool || c.Codename != "jammy" || c.ReleaseDate.String() != "2022-04-21" {
		t.Errorf("merged cycle = %+v", c)
	}
}

func TestMergeReturnsBuiltinProductsWithRules(t *testing.T) {
	tb, err := Load("eol.yaml", []byte(override))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range productsOf(tb) {
		names = append(names, p.Name)
		if p.Name == "debian" && (len(p.Rules) != 5 || p.Rules[0].Pos.File != "eol.yaml") {
			t.Errorf("debian rules = %v; want the override's two first, then the built-in three", p.Rules)
		}
	}
	if len(names) != 9 || names[0] != "acme-runtime" {
		t.Errorf("products = %v; want the eight built-in ones and acme-runtime, sorted", names)
	}
}
