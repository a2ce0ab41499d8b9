package yamlcheck

import (
	"fmt"

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

// Join extends a dotted path ("tags.exact") by a key; the top level has
// the empty path.
func Join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// Index is the path of a list item: "tags.edge[2]".
func Index(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }
