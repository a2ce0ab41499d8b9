package eol

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Merge returns base with over laid on top of it; neither is changed.
// This is how a user's override file adjusts the built-in table:
//
//   - a product only in over is added;
//   - a cycle only in over is added to its product;
//   - a cycle in both keeps base's fields except those over writes, so
//     "- cycle: \"12\"  eol: 2028-06-30" changes one date and keeps the
//     codename and release date;
//   - over's match rules are tried before base's, so a user's rule wins
//     over a built-in one for the same reference, and base's rules still
//     answer for everything else.
//
// Nothing can be removed: to stop a built-in rule from answering, write a
// rule that matches the same references first. The merged table is then
// checked as a whole (every product has cycles and rules, fixed cycles
// exist, dates are in order, codenames are unique); problems are reported
// at the line of the file that wrote them.
func Merge(base, over *Table) (*Table, error) {
	out := &Table{products: maps.Clone(base.products)}
	for _, name := range slices.Sorted(maps.Keys(over.products)) {
		op := over.products[name]
		bp, ok := out.products[name]
		if !ok {
			out.products[name] = op
			continue
		}
		bp.Cycles = slices.Clone(bp.Cycles)
		for _, oc := range op.Cycles {
			if i := slices.IndexFunc(bp.Cycles, func(c Cycle) bool { return c.Name == oc.Name }); i >= 0 {
				bp.Cycles[i] = overlay(bp.Cycles[i], oc)
			} else {
				bp.Cycles = append(bp.Cycles, oc)
			}
		}
		out.products[name] = bp
	}
	out.rules = append(slices.Clone(over.rules), base.rules...)
	out.source = over.source
	if err := out.check(over.source); err != nil {
		return nil, err
	}
	return out, nil
}

// overlay returns c with the fields o wrote.
func overlay(c, o Cycle) Cycle {
	if o.set&setCodename != 0 {
		c.Codename = o.Codename
	}
	if o.set&setReleaseDate != 0 {
		c.ReleaseDate = o.ReleaseDate
	}
	if o.set&setEOL != 0 {
		c.EOL = o.EOL
	}
	if o.set&setLTS != 0 {
		c.LTS = o.LTS
	}
	if o.set&setSupport != 0 {
		c.Support = o.Support
	}
	if o.set&setLink != 0 {
		c.Link = o.Link
	}
	c.set |= o.set
	c.Pos = o.Pos
	return c
}

// check finds what only the whole table can show. file names the table in
// the error (the override, for a merge); each problem names its own file.
func (t *Table) check(file string) error {
	var probs []Problem
	add := func(p Pos, path, format string, args ...any) {
		probs = append(probs, Problem{File: p.File, Line: p.Line, Column: p.Column, Path: path, Message: fmt.Sprintf(format, args...)})
	}
	hasRule := map[string]bool{}
	for _, r := range t.rules {
		hasRule[r.Product] = true
		p, ok := t.products[r.Product]
		if !ok || r.Cycle == "" {
			continue
		}
		if _, ok := p.cycle(r.Cycle); !ok {
			add(r.Pos, "products."+r.Product+".match", "the rule names %s cycle %q, which no table lists; add it under products.%s.cycles, or fix the cycle (listed: %s)", r.Product, r.Cycle, r.Product, cycleNames(p))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(t.products)) {
		p := t.products[name]
		path := "products." + name
		if len(p.Cycles) == 0 {
			add(p.Pos, path, "product %q has no cycles; list them under cycles, each with cycle and eol", name)
		}
		if !hasRule[name] {
			add(p.Pos, path, "product %q has no match rules, so no image reference can lead to it; add a match entry with its repository", name)
		}
		codenames := map[string]string{}
		for _, c := range p.Cycles {
			cp := path + ".cycles." + c.Name
			if c.Codename != "" {
				key := strings.ToLower(c.Codename)
				if other, dup := codenames[key]; dup {
					add(c.Pos, cp, "codename %q is already cycle %q's; a codename must lead to one cycle", c.Codename, other)
				}
				codenames[key] = c.Name
			}
			if !c.ReleaseDate.IsZero() && c.EOL.HasDate() && c.EOL.Date.Before(c.ReleaseDate.Time) {
				add(c.Pos, cp, "eol %s is before releaseDate %s; check the dates", c.EOL.Date, c.ReleaseDate)
			}
			if c.Support.HasDate() && c.EOL.HasDate() && c.EOL.Date.Before(c.Support.Date.Time) {
				add(c.Pos, cp, "support %s ends after eol %s; active support cannot outlast security fixes", c.Support.Date, c.EOL.Date)
			}
		}
	}
	if len(probs) > 0 {
		return &Errors{File: file, Problems: probs, Sentinel: ErrInvalid}
	}
	return nil
}

func cycleNames(p Product) string {
	var names []string
	for _, c := range p.Cycles {
		names = append(names, c.Name)
	}
	if len(names) == 0 {
		return "none"
	}
	return fmt.Sprint(names)
}
