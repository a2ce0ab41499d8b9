package policy

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/patchline/patchline/pipeline/internal/strictyaml"
)

// Parse reads a policy from YAML. file names the source in error messages.
// Keys left out take their documented defaults (see Default).
func Parse(file string, data []byte) (*Policy, error) {
	f := strictyaml.File{Name: file, Sentinel: ErrInvalid}
	root, err := strictyaml.Document(data, "policy", "the file is empty; start with \"version: 1\" (see the policy reference in README.md)")
	if root == nil {
		return nil, f.Err(err)
	}
	var doc document
	if err := f.Err(err, doc.decode(root)); err != nil {
		return nil, err
	}
	p := Default()
	p.Source = file
	doc.apply(p)
	if err := f.Err(validate(root, p)); err != nil {
		return nil, err
	}
	return p, nil
}

// words are the policy's words for problems with keys; which keys are
// refused is strictyaml's, shared with end-of-life tables. The wording is
// what policy users and the tests read. Values are described as written:
// "" or "null" for an empty one, since here an empty value is often
// allowed and means the default. An empty value for a mapping stands for
// an empty one: "tags:" with nothing under it keeps every default, as
// leaving the key out does.
var words = strictyaml.Words{
	Describe: strictyaml.Describe,
	NotPlain: func(*yaml.Node) string { return "keys must be plain names" },
	Repeated: func(_ string, firstLine int) string {
		return fmt.Sprintf("written twice (first on line %d); keep one", firstLine)
	},
	Unknown: func(_, hint string, known []string) string {
		return fmt.Sprintf("unknown key%s (known here: %s)", hint, strings.Join(known, ", "))
	},
	NullIsEmpty: true,
}

// str reads a string scalar; null reads as "".
func str(n *yaml.Node) (string, error) {
	if n.Kind != yaml.ScalarNode {
		return "", strictyaml.Errorf(n, "expected a string, found %s", strictyaml.Describe(n))
	}
	if strictyaml.IsNull(n) {
		return "", nil
	}
	return n.Value, nil
}

// flag is a setting that is on or off.
type flag bool

func (f *flag) UnmarshalYAML(n *yaml.Node) error {
	if b, ok := strictyaml.Bool(n); ok {
		*f = flag(b)
		return nil
	}
	return strictyaml.Errorf(n, "expected true or false, found %s", strictyaml.Describe(n))
}

func integer(n *yaml.Node) (int, error) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!int" {
		if v, err := strconv.Atoi(n.Value); err == nil {
			return v, nil
		}
	}
	return 0, strictyaml.Errorf(n, "expected a whole number, found %s", strictyaml.Describe(n))
}

// count reads a whole number that may not be negative; negative is the
// message for one that is, with a %d for it.
func count(n *yaml.Node, negative string) (int, error) {
	v, err := integer(n)
	if err == nil && v < 0 {
		return 0, strictyaml.Errorf(n, negative, v)
	}
	return v, err
}

// list reads a list of strings, calling each with every item that is one;
// null is an empty list. A lone string is refused with the fix, so that
// "aliases: latest" is not silently taken as something else.
func list(n *yaml.Node, each func(item *yaml.Node) error) error {
	if strictyaml.IsNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		if n.Kind == yaml.ScalarNode {
			return strictyaml.Errorf(n, "expected a list; write [%s]", n.Value)
		}
		return strictyaml.Errorf(n, "expected a list of strings, found %s", strictyaml.Describe(n))
	}
	return strictyaml.Each(n, func(item *yaml.Node) error {
		if item.Kind != yaml.ScalarNode || strictyaml.IsNull(item) {
			return strictyaml.Errorf(item, "expected a string, found %s", strictyaml.Describe(item))
		}
		return each(item)
	})
}

// oneOf reads a string that must be one of allowed into out; refused is
// the message for another, with a %q for it.
func oneOf[T ~string](n *yaml.Node, out *T, refused string, allowed ...T) error {
	v, err := str(n)
	if err != nil {
		return err
	}
	if !slices.Contains(allowed, T(v)) {
		return strictyaml.Errorf(n, refused, v)
	}
	*out = T(v)
	return nil
}

// once refuses an item whose key is in seen, and adds the key: a list
// names each thing once.
func once[K comparable](seen map[K]bool, key K, item *yaml.Node) error {
	if seen[key] {
		return strictyaml.Errorf(item, "%q is listed twice", item.Value)
	}
	seen[key] = true
	return nil
}
