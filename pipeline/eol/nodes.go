package eol

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/patchline/patchline/pipeline/tagname"
)

type handler func(n *yaml.Node, path string)

// fields walks a mapping, calling the handler of each key and refusing
// unknown and repeated keys, with the closest known key as a hint: a
// misspelt "releasedate" must not silently drop a date.
func (l *loader) fields(n *yaml.Node, path string, hs map[string]handler) {
	if n.Kind != yaml.MappingNode {
		l.add(n, path, "expected a mapping of keys (%s), found %s", strings.Join(keysOf(hs), ", "), describe(n))
		return
	}
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		child := join(path, k.Value)
		if !l.key(k, path, seen) {
			continue
		}
		h, ok := hs[k.Value]
		if !ok {
			hint := ""
			if s := tagname.Suggest(k.Value, keysOf(hs)); s != "" {
				hint = fmt.Sprintf("; did you mean %q?", s)
			}
			l.add(k, child, "unknown key %q%s (known here: %s)", k.Value, hint, strings.Join(keysOf(hs), ", "))
			continue
		}
		h(deref(v), child)
	}
}

// key checks one mapping key: a plain name, not a merge key, not repeated.
func (l *loader) key(k *yaml.Node, path string, seen map[string]*yaml.Node) bool {
	if k.Kind != yaml.ScalarNode {
		l.add(k, path, "keys must be plain names, found %s", describe(k))
		return false
	}
	if k.Value == "<<" {
		l.add(k, path, "merge keys (<<) are not supported; write the keys out")
		return false
	}
	if prev, dup := seen[k.Value]; dup {
		l.add(k, join(path, k.Value), "%q is written twice (first on line %d); keep one", k.Value, prev.Line)
		return false
	}
	seen[k.Value] = k
	return true
}

func keysOf(hs map[string]handler) []string {
	keys := make([]string, 0, len(hs))
	for k := range hs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func index(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if isNull(n) {
			return "nothing"
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "something else"
}

// str reads a non-empty string scalar. Numbers are taken as written only
// when YAML cannot have changed them: 12 is "12", but 3.20 would be read
// as the float 3.2, so it must be quoted.
func (l *loader) str(n *yaml.Node, path string) (string, bool) {
	if n.Kind != yaml.ScalarNode || isNull(n) {
		l.add(n, path, "expected a string, found %s", describe(n))
		return "", false
	}
	switch n.Tag {
	case "!!str", "!!int":
	case "!!float":
		l.add(n, path, "%s was read as a number, which loses trailing zeros (3.20 becomes 3.2); quote it: \"%s\"", n.Value, n.Value)
		return "", false
	default:
		l.add(n, path, "expected a string, found %s (%s); quote it if it is meant as text", describe(n), strings.TrimPrefix(n.Tag, "!!"))
		return "", false
	}
	if strings.TrimSpace(n.Value) == "" {
		l.add(n, path, "is empty")
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
		l.add(n, path, "expected a string or a list of strings, found %s", describe(n))
		return nil, nil, false
	}
	if len(n.Content) == 0 {
		l.add(n, path, "the list is empty; give at least one entry or leave the key out")
		return nil, nil, false
	}
	ok := true
	var out []string
	var nodes []*yaml.Node
	for i, item := range n.Content {
		item = deref(item)
		s, good := l.str(item, index(path, i))
		ok = ok && good
		out = append(out, s)
		nodes = append(nodes, item)
	}
	return out, nodes, ok
}

// date reads a YYYY-MM-DD scalar. YAML reads an unquoted date as a
// timestamp and a quoted one as a string; both are taken, both strictly.
func (l *loader) date(n *yaml.Node, path string) (Date, bool) {
	if n.Kind != yaml.ScalarNode || (n.Tag != "!!timestamp" && n.Tag != "!!str") {
		l.add(n, path, "expected a date written as YYYY-MM-DD, e.g. 2028-06-30, found %s", describe(n))
		return Date{}, false
	}
	d, err := ParseDate(n.Value)
	if err != nil {
		l.add(n, path, "%v", err)
		return Date{}, false
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
		l.add(n, path, "%q: write true or false in lower case, or a date as YYYY-MM-DD (%s)", n.Value, meaning)
		return DateOrBool{}, false
	}
	if n.Kind != yaml.ScalarNode || (n.Tag != "!!timestamp" && n.Tag != "!!str") {
		l.add(n, path, "expected a date written as YYYY-MM-DD or true/false (%s), found %s", meaning, describe(n))
		return DateOrBool{}, false
	}
	d, err := ParseDate(n.Value)
	switch {
	case err != nil && dateShape.MatchString(n.Value):
		l.add(n, path, "%v", err)
		return DateOrBool{}, false
	case err != nil:
		l.add(n, path, "%q is neither a date written as YYYY-MM-DD nor true/false (%s)", n.Value, meaning)
		return DateOrBool{}, false
	}
	return DateOrBool{Date: d, Bool: true}, true
}
