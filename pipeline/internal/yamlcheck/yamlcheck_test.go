package yamlcheck

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

var errTest = errors.New("invalid test file")

// words quote everything they are given, so a test can see that each
// message came from the loader's words and with which arguments.
var words = Messages{
	Describe: Describe,
	NotPlain: func(k *yaml.Node) string { return "not plain: " + Describe(k) },
	Repeated: func(key string, first int) string { return fmt.Sprintf("repeated %q, first %d", key, first) },
	Unknown: func(key, hint string, known []string) string {
		return fmt.Sprintf("unknown %q%s [%s]", key, hint, strings.Join(known, " "))
	},
}

// load walks a document with keys name and size, as a loader would.
func load(t *testing.T, src string) (*Checker, map[string]string) {
	t.Helper()
	c := New("f.yaml", errTest, words)
	got := map[string]string{}
	root := c.Document([]byte(src), "thing", "the file is empty")
	if root == nil {
		return c, got
	}
	c.Fields(root, "", map[string]Handler{
		"name": func(n *yaml.Node, path string) { got[path] = n.Value },
		"size": func(n *yaml.Node, path string) {
			c.Fields(n, path, map[string]Handler{
				"width": func(n *yaml.Node, path string) { got[path] = n.Value },
			})
		},
	})
	return c, got
}

func messages(c *Checker) []string {
	var out []string
	for _, p := range c.Problems {
		out = append(out, p.Error())
	}
	return out
}

func TestFieldsReportsEveryProblemWithItsPosition(t *testing.T) {
	c, got := load(t, `name: a
nmae: b
name: c
<<: {name: d}
? [x]
: 1
size:
  width: 3
  height: 4
`)
	want := []string{
		`f.yaml:2:1: nmae: unknown "nmae"; did you mean "name"? [name size]`,
		`f.yaml:3:1: name: repeated "name", first 1`,
		`f.yaml:4:1: merge keys (<<) are not supported; write the keys out`,
		`f.yaml:5:3: not plain: a list`,
		`f.yaml:9:3: size.height: unknown "height" [width]`,
	}
	if g := messages(c); strings.Join(g, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(g, "\n"), strings.Join(want, "\n"))
	}
	if got["name"] != "a" || got["size.width"] != "3" {
		t.Errorf("handlers saw %v; want the first name and the width", got)
	}
}

func TestFieldsFollowsAliasesAndRefusesNull(t *testing.T) {
	c, got := load(t, "base: &s {width: 5}\nsize: *s\n")
	if got["size.width"] != "5" {
		t.Errorf("alias not followed: %v (problems %v)", got, messages(c))
	}

	c, _ = load(t, "size:\n")
	want := `f.yaml:1:6: size: expected a mapping of keys (width), found ""`
	if g := messages(c); len(g) != 1 || g[0] != want {
		t.Errorf("problems = %q; want %q", g, want)
	}
}

func TestDocument(t *testing.T) {
	tests := []struct {
		src, want string
		root      bool
	}{
		{"", "f.yaml: the file is empty", false},
		{"# nothing but a comment\n", "f.yaml: the file is empty", false},
		{"name: [\n", "f.yaml:1:1: not valid YAML: did not find expected node content", false},
		{"name: a\n---\nname: b\n", "f.yaml:2:1: the file holds more than one YAML document; keep one thing per file", true},
	}
	for _, tt := range tests {
		c := New("f.yaml", errTest, words)
		root := c.Document([]byte(tt.src), "thing", "the file is empty")
		if (root != nil) != tt.root {
			t.Errorf("%q: root = %v; want root %v", tt.src, root, tt.root)
		}
		if g := messages(c); len(g) != 1 || g[0] != tt.want {
			t.Errorf("%q: problems = %q; want %q", tt.src, g, tt.want)
		}
	}
}

func TestErrCarriesTheSentinel(t *testing.T) {
	c := New("f.yaml", errTest, words)
	if err := c.Err(); err != nil {
		t.Fatalf("Err() with no problems = %v; want nil", err)
	}
	c.Add(nil, "name", "missing")
	c.Add(&yaml.Node{Line: 2, Column: 3}, "", "wrong")
	err := c.Err()
	if !errors.Is(err, errTest) {
		t.Errorf("errors.Is(%v, errTest) = false", err)
	}
	if errors.Is(err, errors.New("invalid test file")) {
		t.Error("Errors matched a sentinel that is not its own")
	}
	var errs *Errors
	if !errors.As(fmt.Errorf("loading: %w", err), &errs) || len(errs.Problems) != 2 {
		t.Fatalf("errors.As found %v", errs)
	}
	want := "f.yaml: 2 problems\n  f.yaml: name: missing\n  f.yaml:2:3: wrong"
	if err.Error() != want {
		t.Errorf("Error() = %q; want %q", err.Error(), want)
	}
	one := &Errors{File: "f.yaml", Problems: errs.Problems[:1]}
	if got := one.Error(); got != "f.yaml: 1 problem\n  f.yaml: name: missing" {
		t.Errorf("Error() = %q", got)
	}
	if errors.Is(one, errTest) {
		t.Error("an Errors without a Sentinel matched one")
	}
}

// At points at the value written for a key, or at the file when the key
// was left out; Remember adds places Fields does not walk.
func TestAt(t *testing.T) {
	c, _ := load(t, "name: a\nsize: {width: 3}\n")
	item := &yaml.Node{Line: 7, Column: 9}
	c.Remember("size.list[0]", item)
	c.At("size.width", "too wide")
	c.At("size.list[0]", "bad item")
	c.At("colour", "required")
	want := []string{"f.yaml:2:15: size.width: too wide", "f.yaml:7:9: size.list[0]: bad item", "f.yaml: colour: required"}
	if g := messages(c); strings.Join(g, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems = %q; want %q", g, want)
	}
}

func TestKeyOnAMappingOfFreeNames(t *testing.T) {
	c := New("f.yaml", errTest, words)
	root := c.Document([]byte("debian: 1\nalpine: 2\ndebian: 3\n"), "thing", "empty")
	seen := map[string]*yaml.Node{}
	var kept []string
	for i := 0; i < len(root.Content); i += 2 {
		if c.Key(root.Content[i], "products", seen) {
			kept = append(kept, root.Content[i].Value)
		}
	}
	if strings.Join(kept, " ") != "debian alpine" {
		t.Errorf("kept %v", kept)
	}
	if g := messages(c); len(g) != 1 || g[0] != `f.yaml:3:1: products.debian: repeated "debian", first 1` {
		t.Errorf("problems = %q", g)
	}
}

func TestPaths(t *testing.T) {
	if got := Index(Join(Join("", "tags"), "edge"), 2); got != "tags.edge[2]" {
		t.Errorf("path = %q", got)
	}
	for n, want := range map[*yaml.Node]string{
		{Kind: yaml.MappingNode}:                            "a mapping",
		{Kind: yaml.SequenceNode}:                           "a list",
		{Kind: yaml.ScalarNode, Tag: "!!str", Value: "x y"}: `"x y"`,
		{Kind: yaml.ScalarNode, Tag: "!!null", Value: "~"}:  `"~"`,
		{Kind: yaml.AliasNode, Alias: &yaml.Node{}}:         "something else",
	} {
		if got := Describe(n); got != want {
			t.Errorf("Describe(%v) = %q; want %q", n.Kind, got, want)
		}
	}
}

// A YAML tag that asks for a type (!!python/object, !!binary, a local
// !tag) is refused where it is written, instead of being dropped
// silently; the core tags that only spell a plain value are taken.
func TestTagsRefused(t *testing.T) {
	for _, src := range []string{
		"name: !!python/object:os.system [ls]\n",
		"name: !!python/object/apply:os.system [\"ls\"]\n",
		"size: !custom {width: 1}\n",
		"name: !!binary aGVsbG8=\n",
		"size:\n  width: !!set {a: null}\n",
		"--- !local\nname: x\n",
	} {
		c, _ := load(t, src)
		found := false
		for _, m := range messages(c) {
			if strings.Contains(m, "YAML tag") && strings.Contains(m, "f.yaml:") {
				found = true
			}
		}
		if !found {
			t.Errorf("%q: problems %v, want the tag refused", src, messages(c))
		}
	}
	for _, src := range []string{"name: !!str 1.0\n", "size: !!map {width: !!int 3}\n", "name: ! plain\n"} {
		if c, _ := load(t, src); len(c.Problems) != 0 {
			t.Errorf("%q: %v", src, messages(c))
		}
	}
}
