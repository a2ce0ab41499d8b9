package eol

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"

	"go.yaml.in/yaml/v3"

	"github.com/patchline/patchline/pipeline/calendar"
	"github.com/patchline/patchline/pipeline/internal/strictyaml"
)

// tableFile is a table file as written.
type tableFile struct {
	Version  *formatVersion `yaml:"version"`
	Products *products      `yaml:"products"`
}

// decode decodes the top level of a table file into f.
func (f *tableFile) decode(root *yaml.Node) error {
	if root.Kind != yaml.MappingNode {
		return strictyaml.Errorf(root, "a table is a mapping starting with \"version: %d\" and a products mapping, found %s", FormatVersion, describe(root))
	}
	errs := []error{words.Decode(root, f)}
	if f.Version == nil {
		errs = append(errs, strictyaml.In("version", strictyaml.Errorf(root, "missing; add \"version: %d\" at the top so future formats can be told apart", FormatVersion)))
	}
	if f.Products == nil {
		errs = append(errs, strictyaml.In("products", strictyaml.Errorf(root, "missing; a table lists its products under \"products:\"")))
	}
	return errors.Join(errs...)
}

// table returns the table f holds, every position in file.
func (f *tableFile) table(file string) *Table {
	t := &Table{source: file, products: map[string]Product{}}
	for _, p := range f.Products.list {
		p.Pos.File = file
		for i := range p.Cycles {
			p.Cycles[i].Pos.File = file
		}
		t.products[p.Name] = p
	}
	for _, r := range f.Products.rules {
		r.Pos.File = file
		t.rules = append(t.rules, r)
	}
	return t
}

// formatVersion is "version:", which must be FormatVersion, so there is
// nothing to keep.
type formatVersion struct{}

func (formatVersion) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
		return strictyaml.Errorf(n, "expected the number %d, found %s", FormatVersion, describe(n))
	}
	if n.Value != fmt.Sprint(FormatVersion) {
		return strictyaml.Errorf(n, "this patchline reads end-of-life table version %d; found %s", FormatVersion, n.Value)
	}
	return nil
}

// productName is the shape of product keys: endoflife.date's, lower case
// with dashes ("eclipse-temurin").
var productName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)

// products is the products mapping: the products in the order written,
// and the rules that lead to each of them.
type products struct {
	list  []Product
	rules []Rule
}

func (ps *products) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return strictyaml.Errorf(n, "expected a mapping of product name to its cycles and match rules, e.g. \"debian:\", found %s", describe(n))
	}
	return words.Pairs(n, ps.add)
}

// add decodes the product named k, with its cycles and rules v.
func (ps *products) add(k, v *yaml.Node) error {
	if !productName.MatchString(k.Value) {
		return strictyaml.Errorf(k, "product name %q must be lower-case letters, digits, '.', '_' or '-', as endoflife.date names products (e.g. eclipse-temurin)", k.Value)
	}
	var f struct {
		Cycles *cycles `yaml:"cycles"`
		Match  *rules  `yaml:"match"`
	}
	err := words.Decode(v, &f)
	p := Product{Name: k.Value, Pos: pos(k)}
	if f.Cycles != nil {
		p.Cycles = *f.Cycles
	}
	ps.list = append(ps.list, p)
	if f.Match != nil {
		for _, r := range *f.Match {
			r.Product = p.Name
			ps.rules = append(ps.rules, r)
		}
	}
	return err
}

// cycles are a product's release cycles, each written once.
type cycles []Cycle

func (cs *cycles) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.SequenceNode {
		return strictyaml.Errorf(n, "expected a list of cycles, each starting with \"- cycle:\", found %s", describe(n))
	}
	first := map[string]int{} // cycle name -> line first written
	return strictyaml.Each(n, func(item *yaml.Node) error {
		c, err := decodeCycle(item)
		if err != nil {
			return err
		}
		if line, dup := first[c.Name]; dup {
			return strictyaml.Errorf(item, "cycle %q is listed twice (first on line %d); keep one entry per cycle", c.Name, line)
		}
		first[c.Name] = item.Line
		*cs = append(*cs, c)
		return nil
	})
}

// cycleFile is one cycle as written.
type cycleFile struct {
	Cycle       *text         `yaml:"cycle"`
	Codename    *text         `yaml:"codename"`
	ReleaseDate *dayValue     `yaml:"releaseDate"`
	EOL         *eolValue     `yaml:"eol"`
	LTS         *ltsValue     `yaml:"lts"`
	Support     *supportValue `yaml:"support"`
	Link        *link         `yaml:"link"`
}

// decodeCycle decodes one cycle. cycle and eol are required in every
// file, an override included: a cycle without an end-of-life answer says
// nothing, and "eol: false" is how to say that no date is announced.
func decodeCycle(n *yaml.Node) (Cycle, error) {
	var f cycleFile
	err := words.Decode(n, &f)
	if n.Kind != yaml.MappingNode {
		return Cycle{}, err
	}
	if f.Cycle == nil {
		err = errors.Join(err, strictyaml.Errorf(n, "missing \"cycle:\"; name the cycle as image tags spell it, e.g. cycle: \"12\""))
	}
	if f.EOL == nil {
		err = errors.Join(err, strictyaml.In("eol", strictyaml.Errorf(n, "missing; give the last day of security fixes as YYYY-MM-DD, or \"eol: false\" when none is announced")))
	}
	if err != nil {
		return Cycle{}, err
	}
	c := Cycle{Name: string(*f.Cycle), Pos: pos(n)}
	c.set |= take(&c.Codename, (*string)(f.Codename), setCodename)
	c.set |= take(&c.ReleaseDate, (*calendar.Date)(f.ReleaseDate), setReleaseDate)
	c.set |= take(&c.EOL, (*DateOrBool)(f.EOL), setEOL)
	c.set |= take(&c.LTS, (*DateOrBool)(f.LTS), setLTS)
	c.set |= take(&c.Support, (*DateOrBool)(f.Support), setSupport)
	c.set |= take(&c.Link, (*string)(f.Link), setLink)
	return c, nil
}

// take copies a key's value into dst when the key was written, and then
// returns bit: a merge changes only the fields an override wrote.
func take[T any](dst, written *T, bit fieldSet) fieldSet {
	if written == nil {
		return 0
	}
	*dst = *written
	return bit
}

// The date-or-boolean keys of a cycle, each with what it means, which a
// refusal says.
type (
	eolValue     DateOrBool
	ltsValue     DateOrBool
	supportValue DateOrBool
)

func (v *eolValue) UnmarshalYAML(n *yaml.Node) error {
	return decodeDateOrBool(n, (*DateOrBool)(v), "the last day of security fixes; false when none is announced")
}

func (v *ltsValue) UnmarshalYAML(n *yaml.Node) error {
	return decodeDateOrBool(n, (*DateOrBool)(v), "whether this is a long-term support cycle, or the day it became one")
}

func (v *supportValue) UnmarshalYAML(n *yaml.Node) error {
	return decodeDateOrBool(n, (*DateOrBool)(v), "the end of active support")
}

// dayValue is a key that holds a date and nothing else.
type dayValue calendar.Date

func (d *dayValue) UnmarshalYAML(n *yaml.Node) error { return decodeDate(n, (*calendar.Date)(d)) }

// link is the web address of an announcement.
type link string

func (l *link) UnmarshalYAML(n *yaml.Node) error {
	s, err := str(n)
	if err != nil {
		return err
	}
	if u, err := url.Parse(s); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return strictyaml.Errorf(n, "%q is not a web address; write the announcement's https:// URL", s)
	}
	*l = link(s)
	return nil
}

// pos is where n is written; the file is filled in when the table is
// put together.
func pos(n *yaml.Node) Pos {
	return Pos{Line: n.Line, Column: n.Column}
}
