package eol

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/patchline/patchline/pipeline/calendar"
	"github.com/patchline/patchline/pipeline/internal/strictyaml"
)

// words are the table's words for problems with keys; which keys are
// refused is strictyaml's, shared with release policies. They quote the
// key itself, as the rest of this package's messages quote the value they
// are about, and they are what users and the tests read.
var words = strictyaml.Words{
	Describe: describe,
	NotPlain: func(k *yaml.Node) string { return fmt.Sprintf("keys must be plain names, found %s", describe(k)) },
	Repeated: func(key string, firstLine int) string {
		return fmt.Sprintf("%q is written twice (first on line %d); keep one", key, firstLine)
	},
	Unknown: func(key, hint string, known []string) string {
		return fmt.Sprintf("unknown key %q%s (known here: %s)", key, hint, strings.Join(known, ", "))
	},
}

// describe is strictyaml.Describe, but says "nothing" for an empty value
// rather than quoting "" or "null": a table takes no empty values (str,
// stringList and Decode all refuse them), so what matters is that none
// was given.
func describe(n *yaml.Node) string {
	if strictyaml.IsNull(n) {
		return "nothing"
	}
	return strictyaml.Describe(n)
}

// str reads a non-empty string scalar. Numbers are taken as written only
// when YAML cannot have changed them: 12 is "12", but 3.20 would be read
// as the float 3.2, so it must be quoted.
func str(n *yaml.Node) (string, error) {
	if n.Kind != yaml.ScalarNode || strictyaml.IsNull(n) {
		return "", strictyaml.Errorf(n, "expected a string, found %s", describe(n))
	}
	switch n.Tag {
	case "!!str", "!!int":
	case "!!float":
		return "", strictyaml.Errorf(n, "%s was read as a number, which loses trailing zeros (3.20 becomes 3.2); quote it: \"%s\"", n.Value, n.Value)
	default:
		return "", strictyaml.Errorf(n, "expected a string, found %s (%s); quote it if it is meant as text", describe(n), strings.TrimPrefix(n.Tag, "!!"))
	}
	if strings.TrimSpace(n.Value) == "" {
		return "", strictyaml.Errorf(n, "is empty")
	}
	return n.Value, nil
}

// text is a key that holds a non-empty string (see str).
type text string

func (t *text) UnmarshalYAML(n *yaml.Node) error {
	s, err := str(n)
	*t = text(s)
	return err
}

// stringList reads a list of strings, or one string standing for a list
// of one, and returns the nodes of the strings.
func stringList(n *yaml.Node) ([]*yaml.Node, error) {
	if n.Kind == yaml.ScalarNode {
		_, err := str(n)
		return []*yaml.Node{n}, err
	}
	if n.Kind != yaml.SequenceNode {
		return nil, strictyaml.Errorf(n, "expected a string or a list of strings, found %s", describe(n))
	}
	if len(n.Content) == 0 {
		return nil, strictyaml.Errorf(n, "the list is empty; give at least one entry or leave the key out")
	}
	var items []*yaml.Node
	err := strictyaml.Each(n, func(item *yaml.Node) error {
		items = append(items, item)
		_, err := str(item)
		return err
	})
	return items, err
}

// decodeDate reads a YYYY-MM-DD scalar into d. YAML reads an unquoted date as a
// timestamp and a quoted one as a string; both are taken, both strictly.
func decodeDate(n *yaml.Node, d *calendar.Date) error {
	if n.Kind != yaml.ScalarNode || (n.Tag != "!!timestamp" && n.Tag != "!!str") {
		return strictyaml.Errorf(n, "expected a date written as YYYY-MM-DD, e.g. 2028-06-30, found %s", describe(n))
	}
	parsed, err := calendar.Parse(n.Value)
	if err != nil {
		return strictyaml.Errorf(n, "%v", err)
	}
	*d = parsed
	return nil
}

// decodeDateOrBool reads endoflife.date's "date or boolean" fields into v;
// meaning says what the key means, for messages.
func decodeDateOrBool(n *yaml.Node, v *DateOrBool, meaning string) error {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!bool" {
		if b, ok := strictyaml.Bool(n); ok {
			*v = DateOrBool{Bool: b}
			return nil
		}
		return strictyaml.Errorf(n, "%q: write true or false in lower case, or a date as YYYY-MM-DD (%s)", n.Value, meaning)
	}
	if n.Kind != yaml.ScalarNode || (n.Tag != "!!timestamp" && n.Tag != "!!str") {
		return strictyaml.Errorf(n, "expected a date written as YYYY-MM-DD or true/false (%s), found %s", meaning, describe(n))
	}
	d, err := calendar.Parse(n.Value)
	switch {
	case err != nil && calendar.LooksLikeDate(n.Value):
		return strictyaml.Errorf(n, "%v", err)
	case err != nil:
		return strictyaml.Errorf(n, "%q is neither a date written as YYYY-MM-DD nor true/false (%s)", n.Value, meaning)
	}
	*v = DateOrBool{Date: d, Bool: true}
	return nil
}
