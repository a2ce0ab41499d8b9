package eol

import (
	"fmt"
	"net/url"
	"regexp"

	"go.yaml.in/yaml/v3"

	"github.com/patchline/patchline/pipeline/internal/yamlcheck"
)

// productName is the shape of product keys: endoflife.date's, lower case
// with dashes ("eclipse-temurin").
var productName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)

// table decodes the top level of a table file into t.
func (l *loader) table(root *yaml.Node, t *Table) {
	if root.Kind != yaml.MappingNode {
		l.Add(root, "", "a table is a mapping starting with \"version: %d\" and a products mapping, found %s", FormatVersion, describe(root))
		return
	}
	sawVersion, sawProducts := false, false
	l.Fields(root, "", map[string]yamlcheck.Handler{
		"version": func(n *yaml.Node, path string) {
			sawVersion = true
			if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
				l.Add(n, path, "expected the number %d, found %s", FormatVersion, describe(n))
				return
			}
			if n.Value != fmt.Sprint(FormatVersion) {
				l.Add(n, path, "this patchline reads end-of-life table version %d; found %s", FormatVersion, n.Value)
			}
		},
		"products": func(n *yaml.Node, path string) {
			sawProducts = true
			l.products(n, path, t)
		},
	})
	if !sawVersion {
		l.Add(root, "version", "missing; add \"version: %d\" at the top so future formats can be told apart", FormatVersion)
	}
	if !sawProducts {
		l.Add(root, "products", "missing; a table lists its products under \"products:\"")
	}
}

func (l *loader) products(n *yaml.Node, path string, t *Table) {
	if n.Kind != yaml.MappingNode {
		l.Add(n, path, "expected a mapping of product name to its cycles and match rules, e.g. \"debian:\", found %s", describe(n))
		return
	}
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], yamlcheck.Deref(n.Content[i+1])
		child := yamlcheck.Join(path, k.Value)
		if !l.Key(k, path, seen) {
			continue
		}
		if !productName.MatchString(k.Value) {
			l.Add(k, child, "product name %q must be lower-case letters, digits, '.', '_' or '-', as endoflife.date names products (e.g. eclipse-temurin)", k.Value)
			continue
		}
		p := Product{Name: k.Value, Pos: l.pos(k)}
		var rules []Rule
		l.Fields(v, child, map[string]yamlcheck.Handler{
			"cycles": func(n *yaml.Node, path string) { p.Cycles = l.cycles(n, path) },
			"match":  func(n *yaml.Node, path string) { rules = l.rules(n, path, p.Name) },
		})
		t.products[p.Name] = p
		t.rules = append(t.rules, rules...)
	}
}

func (l *loader) cycles(n *yaml.Node, path string) []Cycle {
	if n.Kind != yaml.SequenceNode {
		l.Add(n, path, "expected a list of cycles, each starting with \"- cycle:\", found %s", describe(n))
		return nil
	}
	var out []Cycle
	first := map[string]int{} // cycle name -> line first written
	for i, item := range n.Content {
		item = yamlcheck.Deref(item)
		ip := yamlcheck.Index(path, i)
		c, ok := l.cycle(item, ip)
		if !ok {
			continue
		}
		if line, dup := first[c.Name]; dup {
			l.Add(item, ip, "cycle %q is listed twice (first on line %d); keep one entry per cycle", c.Name, line)
			continue
		}
		first[c.Name] = item.Line
		out = append(out, c)
	}
	return out
}

// cycle decodes one cycle. cycle and eol are required in every file, an
// override included: a cycle without an end-of-life answer says nothing,
// and "eol: false" is how to say that no date is announced.
func (l *loader) cycle(n *yaml.Node, path string) (Cycle, bool) {
	c := Cycle{Pos: l.pos(n)}
	before := len(l.Problems)
	sawName, sawEOL := false, false
	l.Fields(n, path, map[string]yamlcheck.Handler{
		"cycle": func(n *yaml.Node, path string) {
			sawName = true
			if s, ok := l.str(n, path); ok {
				c.Name = s
			}
		},
		"codename": func(n *yaml.Node, path string) {
			if s, ok := l.str(n, path); ok {
				c.Codename, c.set = s, c.set|setCodename
			}
		},
		"releaseDate": func(n *yaml.Node, path string) {
			if d, ok := l.date(n, path); ok {
				c.ReleaseDate, c.set = d, c.set|setReleaseDate
			}
		},
		"eol": func(n *yaml.Node, path string) {
			sawEOL = true
			if v, ok := l.dateOrBool(n, path, "the last day of security fixes; false when none is announced"); ok {
				c.EOL, c.set = v, c.set|setEOL
			}
		},
		"lts": func(n *yaml.Node, path string) {
			if v, ok := l.dateOrBool(n, path, "whether this is a long-term support cycle, or the day it became one"); ok {
				c.LTS, c.set = v, c.set|setLTS
			}
		},
		"support": func(n *yaml.Node, path string) {
			if v, ok := l.dateOrBool(n, path, "the end of active support"); ok {
				c.Support, c.set = v, c.set|setSupport
			}
		},
		"link": func(n *yaml.Node, path string) {
			s, ok := l.str(n, path)
			if !ok {
				return
			}
			if u, err := url.Parse(s); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				l.Add(n, path, "%q is not a web address; write the announcement's https:// URL", s)
				return
			}
			c.Link, c.set = s, c.set|setLink
		},
	})
	if n.Kind != yaml.MappingNode {
		return Cycle{}, false
	}
	if !sawName {
		l.Add(n, path, "missing \"cycle:\"; name the cycle as image tags spell it, e.g. cycle: \"12\"")
	}
	if !sawEOL {
		l.Add(n, yamlcheck.Join(path, "eol"), "missing; give the last day of security fixes as YYYY-MM-DD, or \"eol: false\" when none is announced")
	}
	return c, len(l.Problems) == before
}
