package policy

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/patchline/patchline/pipeline/tagname"
)

// Parse reads a policy from YAML. file names the source in error messages.
// Keys left out take their documented defaults (see Default).
func Parse(file string, data []byte) (*Policy, error) {
	l := &loader{file: file, nodes: map[string]*yaml.Node{}}
	p := Default()
	p.Source = file

	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if err.Error() == "EOF" {
			l.add(nil, "", "the file is empty; start with \"version: 1\" (see the policy reference in README.md)")
			return nil, l.result()
		}
		l.probs = append(l.probs, yamlProblem(file, err))
		return nil, l.result()
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		l.add(&extra, "", "the file holds more than one YAML document; keep one policy per file")
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	l.policy(root, p)
	if len(l.probs) > 0 {
		return nil, l.result()
	}
	l.validate(p)
	if len(l.probs) > 0 {
		return nil, l.result()
	}
	return p, nil
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func yamlProblem(file string, err error) Problem {
	msg := err.Error()
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		return Problem{File: file, Line: n, Column: 1, Message: "not valid YAML: " + m[2]}
	}
	return Problem{File: file, Message: "not valid YAML: " + strings.TrimPrefix(msg, "yaml: ")}
}

type loader struct {
	file  string
	probs []Problem
	// nodes remembers where each key was written, for errors found when
	// checking keys against each other.
	nodes map[string]*yaml.Node
}

func (l *loader) result() error {
	return &Errors{File: l.file, Problems: l.probs}
}

func (l *loader) add(n *yaml.Node, path, format string, args ...any) {
	p := Problem{File: l.file, Path: path, Message: fmt.Sprintf(format, args...)}
	if n != nil {
		p.Line, p.Column = n.Line, n.Column
	}
	l.probs = append(l.probs, p)
}

// at reports a problem at the node written for path, or at the file when
// the key was left to its default.
func (l *loader) at(path, format string, args ...any) {
	l.add(l.nodes[path], path, format, args...)
}

type handler func(n *yaml.Node, path string)

// fields walks a mapping, calling the handler of each key and refusing
// unknown and repeated keys.
func (l *loader) fields(n *yaml.Node, path string, hs map[string]handler) {
	n = deref(n)
	if n.Kind != yaml.MappingNode {
		if isNull(n) {
			return
		}
		l.add(n, path, "expected a mapping of keys (%s), found %s", strings.Join(sortedKeys(hs), ", "), describe(n))
		return
	}
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		key := k.Value
		child := join(path, key)
		if k.Kind != yaml.ScalarNode {
			l.add(k, path, "keys must be plain names")
			continue
		}
		if key == "<<" {
			l.add(k, path, "merge keys (<<) are not supported; write the keys out")
			continue
		}
		if prev, dup := seen[key]; dup {
			l.add(k, child, "written twice (first on line %d); keep one", prev.Line)
			continue
		}
		seen[key] = k
		h, ok := hs[key]
		if !ok {
			hint := ""
			if s := tagname.Suggest(key, sortedKeys(hs)); s != "" {
				hint = fmt.Sprintf("; did you mean %q?", s)
			}
			l.add(k, child, "unknown key%s (known here: %s)", hint, strings.Join(sortedKeys(hs), ", "))
			continue
		}
		l.nodes[child] = v
		h(deref(v), child)
	}
}

func sortedKeys(hs map[string]handler) []string {
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
		return fmt.Sprintf("%q", n.Value)
	}
	return "something else"
}

// str reads a string scalar; null reads as "".
func (l *loader) str(n *yaml.Node, path string) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		l.add(n, path, "expected a string, found %s", describe(n))
		return "", false
	}
	if isNull(n) {
		return "", true
	}
	return n.Value, true
}

func (l *loader) boolean(n *yaml.Node, path string) (bool, bool) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!bool" {
		switch n.Value {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	l.add(n, path, "expected true or false, found %s", describe(n))
	return false, false
}

func (l *loader) integer(n *yaml.Node, path string) (int, bool) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!int" {
		if v, err := strconv.Atoi(n.Value); err == nil {
			return v, true
		}
	}
	l.add(n, path, "expected a whole number, found %s", describe(n))
	return 0, false
}

// list reads a sequence of strings. A lone string is refused with the fix,
// so that "aliases: latest" is not silently taken as something else.
func (l *loader) list(n *yaml.Node, path string) ([]string, []*yaml.Node, bool) {
	if isNull(n) {
		return nil, nil, true
	}
	if n.Kind != yaml.SequenceNode {
		if n.Kind == yaml.ScalarNode {
			l.add(n, path, "expected a list; write [%s]", n.Value)
		} else {
			l.add(n, path, "expected a list of strings, found %s", describe(n))
		}
		return nil, nil, false
	}
	var out []string
	var nodes []*yaml.Node
	ok := true
	for i, item := range n.Content {
		item = deref(item)
		ip := fmt.Sprintf("%s[%d]", path, i)
		if item.Kind != yaml.ScalarNode || isNull(item) {
			l.add(item, ip, "expected a string, found %s", describe(item))
			ok = false
			continue
		}
		out = append(out, item.Value)
		nodes = append(nodes, item)
	}
	return out, nodes, ok
}
