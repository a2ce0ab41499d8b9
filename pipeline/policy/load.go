package policy

import (
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/patchline/patchline/pipeline/internal/yamlcheck"
)

// Parse reads a policy from YAML. file names the source in error messages.
// Keys left out take their documented defaults (see Default).
func Parse(file string, data []byte) (*Policy, error) {
	l := &loader{yamlcheck.New(file, ErrInvalid, messages)}
	p := Default()
	p.Source = file

	root := l.Document(data, "policy", "the file is empty; start with \"version: 1\" (see the policy reference in README.md)")
	if root == nil {
		return nil, l.Err()
	}
	l.policy(root, p)
	if err := l.Err(); err != nil {
		return nil, err
	}
	l.validate(p)
	if err := l.Err(); err != nil {
		return nil, err
	}
	return p, nil
}

// loader decodes one policy file. The Checker walks the YAML and collects
// the problems; loader's own methods know what each key means.
type loader struct {
	*yamlcheck.Checker
}

// messages are the policy's words for problems with keys; which keys are
// refused is yamlcheck's, shared with end-of-life tables. The wording is
// what policy users and the tests read, so it stays as it was when the walk
// moved to yamlcheck. Values are described as written: "" or "null" for an
// empty one, since here an empty value is often allowed and means the
// default.
var messages = yamlcheck.Messages{
	Describe: yamlcheck.Describe,
	NotPlain: func(*yaml.Node) string { return "keys must be plain names" },
	Repeated: func(_ string, firstLine int) string {
		return fmt.Sprintf("written twice (first on line %d); keep one", firstLine)
	},
	Unknown: func(_, hint string, known []string) string {
		return fmt.Sprintf("unknown key%s (known here: %s)", hint, strings.Join(known, ", "))
	},
}

// fields walks a mapping of known keys (see yamlcheck.Checker.Fields). An
// empty value stands for an empty mapping: "tags:" with nothing under it
// keeps every default, as leaving the key out does.
func (l *loader) fields(n *yaml.Node, path string, hs map[string]yamlcheck.Handler) {
	if yamlcheck.IsNull(yamlcheck.Deref(n)) {
		return
	}
	l.Fields(n, path, hs)
}

// str reads a string scalar; null reads as "".
func (l *loader) str(n *yaml.Node, path string) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		l.Add(n, path, "expected a string, found %s", yamlcheck.Describe(n))
		return "", false
	}
	if yamlcheck.IsNull(n) {
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
	l.Add(n, path, "expected true or false, found %s", yamlcheck.Describe(n))
	return false, false
}

func (l *loader) integer(n *yaml.Node, path string) (int, bool) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!int" {
		if v, err := strconv.Atoi(n.Value); err == nil {
			return v, true
		}
	}
	l.Add(n, path, "expected a whole number, found %s", yamlcheck.Describe(n))
	return 0, false
}

// list reads a sequence of strings. A lone string is refused with the fix,
// so that "aliases: latest" is not silently taken as something else.
func (l *loader) list(n *yaml.Node, path string) ([]string, []*yaml.Node, bool) {
	if yamlcheck.IsNull(n) {
		return nil, nil, true
	}
	if n.Kind != yaml.SequenceNode {
		if n.Kind == yaml.ScalarNode {
			l.Add(n, path, "expected a list; write [%s]", n.Value)
		} else {
			l.Add(n, path, "expected a list of strings, found %s", yamlcheck.Describe(n))
		}
		return nil, nil, false
	}
	var out []string
	var nodes []*yaml.Node
	ok := true
	for i, item := range n.Content {
		item = yamlcheck.Deref(item)
		ip := yamlcheck.Index(path, i)
		if item.Kind != yaml.ScalarNode || yamlcheck.IsNull(item) {
			l.Add(item, ip, "expected a string, found %s", yamlcheck.Describe(item))
			ok = false
			continue
		}
		out = append(out, item.Value)
		nodes = append(nodes, item)
	}
	return out, nodes, ok
}
