package strictyaml

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

var errTest = errors.New("invalid test file")

var file = File{Name: "f.yaml", Sentinel: errTest}

// words quote everything they are given, so a test can see that each
// message came from the loader's words and with which arguments.
var words = Words{
	Describe: Describe,
	NotPlain: func(k *yaml.Node) string { return "not plain: " + Describe(k) },
	Repeated: func(key string, first int) string { return fmt.Sprintf("repeated %q, first %d", key, first) },
	Unknown: func(key, hint string, known []string) string {
		return fmt.Sprintf("unknown %q%s [%s]", key, hint, strings.Join(known, " "))
	},
}

// text is a value that must be a plain scalar.
type text string

func (t *text) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return Errorf(n, "expected text, found %s", Describe(n))
	}
	*t = text(n.Value)
	return nil
}

// thing is a file with keys name and size, as a loader would describe it.
type thing struct {
	Name *text `yaml:"name"`
	Size struct {
		Width text `yaml:"width"`
	} `yaml:"size"`
}

// load decodes a document into a thing and returns the problems found.
func load(t *testing.T, src string) (thing, []string) {
	t.Helper()
	var got thing
	root, err := Document([]byte(src), "thing", "the file is empty")
	if root != nil {
		err = errors.Join(err, words.Decode(root, &got))
	}
	return got, messages(file.Err(err))
}

func messages(err error) []string {
	var errs *Errors
	if !errors.As(err, &errs) {
		return nil
	}
	var out []string
	for _, p := range errs.Problems {
		out = append(out, p.Error())
	}
	return out
}

func TestDecodeReportsEveryProblemWithItsPosition(t *testing.T) {
	got, problems := load(t, `name: a
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
	if strings.Join(problems, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(problems, "\n"), strings.Join(want, "\n"))
	}
	if got.Name == nil || *got.Name != "a" || got.Size.Width != "3" {
		t.Errorf("decoded %+v; want the first name and the width", got)
	}
	if got, _ := load(t, "size: {width: 1}\n"); got.Name != nil {
		t.Errorf("name was not written but is %q", *got.Name)
	}
}

// A value's own problem comes with its position and key path, and the
// keys after it are still decoded.
func TestDecodeGoesOnAfterAValueProblem(t *testing.T) {
	got, problems := load(t, "name: [a]\nsize:\n  width: {w: 1}\nname: b\nsize: {width: 2}\n")
	want := []string{
		`f.yaml:1:7: name: expected text, found a list`,
		`f.yaml:3:10: size.width: expected text, found a mapping`,
		`f.yaml:4:1: name: repeated "name", first 1`,
		`f.yaml:5:1: size: repeated "size", first 2`,
	}
	if strings.Join(problems, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems = %q; want %q", problems, want)
	}
	got, problems = load(t, "name: [a]\nsize: {width: 2}\n")
	if len(problems) != 1 || got.Size.Width != "2" {
		t.Errorf("size after a problem not decoded: %+v %q", got, problems)
	}
}

func TestDecodeFollowsAliasesAndRefusesNull(t *testing.T) {
	got, problems := load(t, "base: &s {width: 5}\nsize: *s\n")
	if got.Size.Width != "5" {
		t.Errorf("alias not followed: %+v (problems %v)", got, problems)
	}

	_, problems = load(t, "size:\n")
	want := `f.yaml:1:6: size: expected a mapping of keys (width), found ""`
	if len(problems) != 1 || problems[0] != want {
		t.Errorf("problems = %q; want %q", problems, want)
	}

	var th thing
	root, _ := Document([]byte("size:\n"), "thing", "empty")
	empty := words
	empty.NullIsEmpty = true
	if err := empty.Decode(root, &th); err != nil {
		t.Errorf("an empty mapping with NullIsEmpty: %v", err)
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
		root, err := Document([]byte(tt.src), "thing", "the file is empty")
		if (root != nil) != tt.root {
			t.Errorf("%q: root = %v; want root %v", tt.src, root, tt.root)
		}
		if g := messages(file.Err(err)); len(g) != 1 || g[0] != tt.want {
			t.Errorf("%q: problems = %q; want %q", tt.src, g, tt.want)
		}
	}
}

func TestErrCarriesTheSentinel(t *testing.T) {
	if err := file.Err(); err != nil {
		t.Fatalf("Err() with no problems = %v; want nil", err)
	}
	if err := file.Err(nil, In("x", nil), errors.Join()); err != nil {
		t.Fatalf("Err() of nothing but nils = %v; want nil", err)
	}
	err := file.Err(In("name", Errorf(nil, "missing")), Errorf(&yaml.Node{Line: 2, Column: 3}, "wrong"))
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

// A file full of mistakes lists the first MaxProblems and counts the
// rest, and an echoed value is cut short.
func TestErrKeepsReportsShort(t *testing.T) {
	var errs []error
	for i := range MaxProblems + 7 {
		errs = append(errs, Errorf(&yaml.Node{Line: i + 1, Column: 1}, "bad %q", strings.Repeat("x", 1<<20)))
	}
	var all *Errors
	if !errors.As(file.Err(errs...), &all) {
		t.Fatal("no Errors")
	}
	if len(all.Problems) != MaxProblems+1 || all.Problems[MaxProblems].Message != "and 7 more problems not listed; fix these first" {
		t.Errorf("%d problems, last %q", len(all.Problems), all.Problems[len(all.Problems)-1].Message)
	}
	if n := len(all.Problems[0].Message); n > 1<<10 {
		t.Errorf("a %d-byte message", n)
	}
}

// At points at the value written for a key, or at the file when the key
// was left out; In and Each place problems under keys and indexes.
func TestAtAndPaths(t *testing.T) {
	root, _ := Document([]byte("name: &n a\nsize: {width: 3}\nlist:\n  - x\n  - *n\n"), "thing", "empty")
	list := Find(root, "list")
	err := file.Err(
		At(root, "size.width", "too wide"),
		At(root, "list[1]", "bad item"),
		At(root, "colour", "required"),
		At(root, "list[7]", "not there"),
		In("list", Each(list, func(item *yaml.Node) error { return Errorf(item, "item %s", item.Value) })),
	)
	want := []string{
		"f.yaml:2:15: size.width: too wide",
		"f.yaml:5:5: list[1]: bad item",
		"f.yaml: colour: required",
		"f.yaml: list[7]: not there",
		"f.yaml:4:5: list[0]: item x",
		"f.yaml:1:7: list[1]: item a",
	}
	if g := messages(err); strings.Join(g, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(g, "\n"), strings.Join(want, "\n"))
	}
}

func TestPairsOnAMappingOfFreeNames(t *testing.T) {
	root, _ := Document([]byte("debian: 1\nalpine: &a 2\ndebian: 3\n<<: {x: 1}\n[k]: 4\nubuntu: *a\n"), "thing", "empty")
	var kept []string
	err := words.Pairs(root, func(k, v *yaml.Node) error {
		kept = append(kept, k.Value+"="+v.Value)
		if k.Value == "ubuntu" {
			return Errorf(v, "not today")
		}
		return nil
	})
	if strings.Join(kept, " ") != "debian=1 alpine=2 ubuntu=2" {
		t.Errorf("kept %v", kept)
	}
	want := []string{
		`f.yaml:3:1: products.debian: repeated "debian", first 1`,
		`f.yaml:4:1: products: merge keys (<<) are not supported; write the keys out`,
		`f.yaml:5:1: products: not plain: a list`,
		`f.yaml:2:9: products.ubuntu: not today`,
	}
	if g := messages(file.Err(In("products", err))); strings.Join(g, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(g, "\n"), strings.Join(want, "\n"))
	}
}

func TestDescribe(t *testing.T) {
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

// Only true and false are booleans; True, FALSE and the YAML 1.1 words
// (yes, on) and quoted "true" are not, whichever type the parser gave them.
func TestBoolTakesLowerCaseOnly(t *testing.T) {
	for src, want := range map[string][2]bool{
		"true": {true, true}, "false": {false, true},
		"True": {false, false}, "FALSE": {false, false}, "yes": {false, false},
		"on": {false, false}, `"true"`: {false, false}, "1": {false, false},
	} {
		var doc yaml.Node
		if err := yaml.Unmarshal([]byte("k: "+src), &doc); err != nil {
			t.Fatal(err)
		}
		v, ok := Bool(doc.Content[0].Content[1])
		if [2]bool{v, ok} != want {
			t.Errorf("Bool(%s) = %v, %v; want %v, %v", src, v, ok, want[0], want[1])
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
		_, problems := load(t, src)
		found := false
		for _, m := range problems {
			if strings.Contains(m, "YAML tag") && strings.Contains(m, "f.yaml:") {
				found = true
			}
		}
		if !found {
			t.Errorf("%q: problems %v, want the tag refused", src, problems)
		}
	}
	for _, src := range []string{"name: !!str 1.0\n", "size: !!map {width: !!int 3}\n", "name: ! plain\n"} {
		if _, problems := load(t, src); len(problems) != 0 {
			t.Errorf("%q: %v", src, problems)
		}
	}
}
