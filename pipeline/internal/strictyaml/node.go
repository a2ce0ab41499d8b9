package strictyaml

import (
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Deref follows aliases (*name) to the node they stand for, so that a
// value reads the same whether it is written out or referred to.
func Deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// IsNull reports an empty value: nothing after the colon, ~ or null.
func IsNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// Bool reads a boolean written true or false. ok is false for anything
// else, including the True, yes and on that YAML 1.1 readers take for
// booleans: a file means the same to every reader only when it spells
// them one way.
func Bool(n *yaml.Node) (v, ok bool) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
		return false, false
	}
	switch n.Value {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

// Describe names a value for "expected ..., found %s": "a mapping",
// "a list", or a scalar quoted as written. A null reads as it was written
// ("" or "null"); a package that would rather say "nothing" checks IsNull
// first.
func Describe(n *yaml.Node) string {
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

// Find returns the value written at path ("tags.edge[2]") in the mapping
// n, as written (an alias is not followed), or nil when nothing is
// written there. It serves problems found after decoding, such as a key
// that contradicts another: At reports them at the value they are about.
func Find(n *yaml.Node, path string) *yaml.Node {
	for _, part := range strings.FieldsFunc(path, func(r rune) bool { return r == '.' || r == '[' || r == ']' }) {
		switch n = Deref(n); {
		case n == nil:
			return nil
		case n.Kind == yaml.MappingNode:
			var value *yaml.Node
			for i := 0; i+1 < len(n.Content) && value == nil; i += 2 {
				if n.Content[i].Value == part {
					value = n.Content[i+1]
				}
			}
			n = value
		case n.Kind == yaml.SequenceNode:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(n.Content) {
				return nil
			}
			n = n.Content[i]
		default:
			return nil
		}
	}
	return n
}

// At returns a problem under path, at the value written there in the
// mapping n (see Find), or about the whole file when the key was left
// out and took its default.
func At(n *yaml.Node, path, format string, args ...any) error {
	return In(path, Errorf(Find(n, path), format, args...))
}
