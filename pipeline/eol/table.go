package eol

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/patchline/patchline/pipeline/calendar"
)

// Pos is where something was written: a file and a line.
type Pos struct {
	File   string `json:"file"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
}

// String renders "file:line", the form editors jump to.
func (p Pos) String() string {
	if p.Line == 0 {
		return p.File
	}
	return fmt.Sprintf("%s:%d", p.File, p.Line)
}

// Table is a loaded end-of-life table: products with their release cycles,
// and the rules that map image references to a product and cycle. A Table
// is never changed once loaded; Merge returns a new one. So one Table may be
// used by many goroutines at once.
type Table struct {
	// source names the file the table was read from, or the last file
	// merged into it.
	source   string
	products map[string]Product
	// rules are tried in this order; the first that names a listed cycle
	// wins.
	rules []Rule
}

// Product is something with release cycles, such as debian or node.
type Product struct {
	// Name is the product's key in the table, e.g. "debian"; reports
	// print it in front of the cycle ("debian 12").
	Name string `json:"name"`
	// Cycles are the product's release cycles, in the order written.
	Cycles []Cycle `json:"cycles"`
	// Rules are the matching rules that lead to this product, in the
	// order they are tried.
	Rules []Rule `json:"rules,omitempty"`
	// Pos is where the product was first written.
	Pos Pos `json:"-"`
}

// Cycle is one release cycle of a product, in endoflife.date's shape.
type Cycle struct {
	// Name is the cycle as image tags spell it: "12", "3.20", "22.04".
	Name string `json:"cycle"`
	// Codename is the release name as image tags spell it ("bookworm",
	// "jammy", "iron"), so that tags written with it find the cycle.
	Codename string `json:"codename,omitempty"`
	// ReleaseDate is the day the cycle came out; zero when not written.
	ReleaseDate calendar.Date `json:"releaseDate,omitzero"`
	// EOL is the last day the publisher ships security fixes in the free
	// image: a date, false when none is announced, or true when it has
	// passed on a day not recorded.
	EOL DateOrBool `json:"eol"`
	// LTS marks a long-term support cycle: true, or the day it became one.
	LTS DateOrBool `json:"lts,omitzero"`
	// Support is the end of active support (bug fixes, or regular
	// security support before an LTS phase); reports may mention it, the
	// verdict does not use it.
	Support DateOrBool `json:"support,omitzero"`
	// Link points at the announcement the dates come from.
	Link string `json:"link,omitempty"`
	// Pos is where the cycle was written; after a merge, where the
	// override wrote it.
	Pos Pos `json:"-"`

	// set records which optional fields were written, so a merge changes
	// only those.
	set fieldSet
}

// fieldSet is a bit set of the Cycle fields written in a file.
type fieldSet uint8

const (
	setCodename fieldSet = 1 << iota
	setReleaseDate
	setEOL
	setLTS
	setSupport
	setLink
)

// Label renders "debian 12 (bookworm)", or "alpine 3.20" without a
// codename: how reports name a cycle.
func (c Cycle) Label(product string) string {
	if c.Codename != "" {
		return fmt.Sprintf("%s %s (%s)", product, c.Name, c.Codename)
	}
	return product + " " + c.Name
}

// Rule maps image references to a product and cycle. A reference matches
// when its repository matches and its tag does (a rule without a tag
// condition takes any tag, and references pinned by digest alone). The
// cycle is the rule's fixed Cycle, or what the named group "cycle" or
// "codename" of one of its patterns captured.
type Rule struct {
	// Product is the product the rule leads to.
	Product string `json:"product"`
	// Repositories are repository globs, normalised the way references
	// are ("debian" is docker.io/library/debian); * and ? stay within one
	// path component.
	Repositories []string `json:"repository,omitempty"`
	// RepositoryPattern is a regular expression that must match the
	// whole normalised repository.
	RepositoryPattern string `json:"repositoryPattern,omitempty"`
	// Tags are tag globs; * matches any run of characters.
	Tags []string `json:"tags,omitempty"`
	// TagPattern is a regular expression that must match the whole tag.
	TagPattern string `json:"tagPattern,omitempty"`
	// Cycle is the fixed cycle the rule names, when no pattern captures
	// one.
	Cycle string `json:"cycle,omitempty"`
	// Pos is where the rule was written.
	Pos Pos `json:"-"`

	repo *regexp.Regexp // whole-repository matcher
	tag  *regexp.Regexp // whole-tag matcher; nil takes any tag
}

// String names the rule for reports: where it is written and what it
// matches.
func (r Rule) String() string {
	s := r.Pos.String() + ": " + r.Product + " "
	if r.RepositoryPattern != "" {
		s += "repositoryPattern " + r.RepositoryPattern
	} else {
		s += fmt.Sprint(r.Repositories)
	}
	switch {
	case r.TagPattern != "":
		s += " tagPattern " + r.TagPattern
	case len(r.Tags) > 0:
		s += fmt.Sprintf(" tags %v", r.Tags)
	}
	if r.Cycle != "" {
		s += " cycle " + r.Cycle
	}
	return s
}

// cycle finds a product's cycle by name.
func (p Product) cycle(name string) (Cycle, bool) {
	for _, c := range p.Cycles {
		if c.Name == name {
			return c, true
		}
	}
	return Cycle{}, false
}

// byCodename finds a product's cycle by codename, ignoring case: tags are
// lower case, announcements are not.
func (p Product) byCodename(codename string) (Cycle, bool) {
	for _, c := range p.Cycles {
		if c.Codename != "" && strings.EqualFold(c.Codename, codename) {
			return c, true
		}
	}
	return Cycle{}, false
}
