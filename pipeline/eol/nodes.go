package eol

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/patchline/patchline/pipeline/calendar"
	"github.com/patchline/patchline/pipeline/internal/yamlcheck"
)

// messages are the table's words for problems with keys; which keys are
// refused is yamlcheck's, shared with release policies. They quote the key
// itself, as the rest of this package's messages quote the value they are
// about, and they are what users and the tests read, so they stay as they
// were when the walk moved to yamlcheck.
var messages = yamlcheck.Messages{
	Describe: describe,
	NotPlain: func(k *yaml.Node) string { return fmt.Sprintf("keys must be plain names, found %s", describe(k)) },
	Repeated: func(key string, firstLine int) string {
		return fmt.Sprintf("%q is written twice (first on line %d); keep one", key, firstLine)
	},
	Unknown: func(key, hint string, known []string) string {
		return fmt.Sprintf("unknown key %q%s (known here: %s)", key, hint, strings.Join(known, ", "))
	},
}

// describe is yamlcheck.Describe, but says "nothing" for an empty value
// rather than quoting "" or "null": a table takes no empty values (str,
// stringList and Fields all refuse them), so what matters is that none was
// given.
func describe(n *yaml.Node) string {
	if yamlcheck.IsNull(n) {
		return "nothing"
	}
	return yamlcheck.Describe(n)
}

// str reads a non-empty string scalar. Numbers are taken as written only
// when YAML cannot have changed them: 12 is "12", but 3.20 would be read
// as the float 3.2, so it must be quoted.
func (l *loader) str(n *yaml.Node, path string) (string, bool) {
	if n.Kind != yaml.ScalarNode || yamlcheck.IsNull(n) {
		l.Add(n, path, "expected a string, found %s", describe(n))
		return "", false
	}
	switch n.Tag {
	case "!!str", "!!int":
	case "!!float":
		l.Add(n, path, "%s was read as a number, which loses trailing zeros (3.20 becomes 3.2); quote it: \"%s\"", n.Value, n.Value)
		return "", false
	default:
		l.Add(n, path, "expected a string, found %s (%s); quote it if it is meant as text", describe(n), strings.TrimPrefix(n.Tag, "!!"))
		return "", false
	}
	if strings.TrimSpace(n.Value) == "" {
		l.Add(n, path, "is empty")
		return "", false
	}
	return n.Value, true
}

// stringList reads a list of strings, or one string standing for a list of one.
func (l *loader) stringList(n *yaml.Node, path string) ([]string, []*yaml.Node, bool) {
	if n.Kind == yaml.ScalarNode {
		s, ok := l.str(n, path)
		return []string{s}, []*yaml.Node{n}, ok
	}
	if n.Kind != yaml.SequenceNode {
		l.Add(n, path, "expected a string or a list of strings, found %s", describe(n))
		return nil, nil, false
	}
	if len(n.Content) == 0 {
		l.Add(n, path, "the list is empty; give at least one entry or leave the key out")
		return nil, nil, false
	}
	ok := true
	var out []string
	var nodes []*yaml.Node
	for i, item := range n.Content {
		item = yamlcheck.Deref(item)
		s, good := l.str(item, yamlcheck.Index(path, i))
		ok = ok && good
		out = append(out, s)
		nodes = append(nodes, item)
	}
	return out, nodes, ok
}

// date reads a YYYY-MM-DD scalar. YAML reads an unquoted date as a
// timestamp and a quoted one as a string; both are taken, both strictly.
func (l *loader) date(n *yaml.Node, path string) (calendar.Date, bool) {
	if n.Kind != yaml.ScalarNode || (n.Tag != "!!timestamp" && n.Tag != "!!str") {
		l.Add(n, path, "expected a date written as YYYY-MM-DD, e.g. 2028-06-30, found %s", describe(n))
		return calendar.Date{}, false
	}
	d, err := calendar.Parse(n.Value)
	if err != nil {
		l.Add(n, path, "%v", err)
		return calendar.Date{}, false
	}
	return d, true
}

// dateOrBool reads endoflife.date's "date or boolean" fields.
func (l *loader) dateOrBool(n *yaml.Node, path, meaning string) (DateOrBool, bool) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!bool" {
		switch n.Value {
		case "true":
			return DateOrBool{Bool: true}, true
		case "false":
			return DateOrBool{}, true
		}
		l.Add(n, path, "%q: write true or false in lower case, or a date as YYYY-MM-DD (%s)", n.Value, meaning)
		return DateOrBool{}, false
	}
	if n.Kind != yaml.ScalarNode || (n.Tag != "!!timestamp" && n.Tag != "!!str") {
		l.Add(n, path, "expected a date written as YYYY-MM-DD or true/false (%s), found %s", meaning, describe(n))
		return DateOrBool{}, false
	}
	d, err := calendar.Parse(n.Value)
	switch {
	case err != nil && calendar.LooksLikeDate(n.Value):
		l.Add(n, path, "%v", err)
		return DateOrBool{}, false
	case err != nil:
		l.Add(n, path, "%q is neither a date written as YYYY-MM-DD nor true/false (%s)", n.Value, meaning)
		return DateOrBool{}, false
	}
	return DateOrBool{Date: d, Bool: true}, true
}
