// Package yamlcheck walks a YAML document strictly and collects every
// problem with its file, line, column and key path, so that a loader can
// refuse a file with all of its mistakes at once ("file:3:5: tags.exact:
// ...") instead of the first one, or none: decoding into structs would
// drop unknown keys and repeated ones silently.
//
// It holds what every such loader does the same way: the single-document
// rule, YAML syntax errors turned into problems, mappings walked key by
// key with unknown, repeated, merge and non-plain keys refused, and the
// Errors value that carries the loader's sentinel error. What a value
// means, and the words of most messages, stay with each loader (see
// Messages): they are part of what its users read and its tests check.
package yamlcheck

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/patchline/patchline/pipeline/internal/safetext"
	"github.com/patchline/patchline/pipeline/tagname"
)

// Messages are a loader's words for the problems Fields and Key find.
// Which keys are refused is shared; how each file format tells its users
// differs, so every function returns the whole message.
type Messages struct {
	// Describe names a value found where another was expected, as in
	// "expected a mapping of keys (a, b), found %s". Describe (the
	// function) fits unless the loader words empty values its own way.
	Describe func(n *yaml.Node) string
	// NotPlain is said of a key that is a list, mapping or other
	// non-scalar.
	NotPlain func(k *yaml.Node) string
	// Repeated is said of the second of two equal keys; firstLine is
	// where the first one is.
	Repeated func(key string, firstLine int) string
	// Unknown is said of a key the mapping does not take. hint is "" or
	// `; did you mean "x"?` with the closest known key; known is every
	// key the mapping takes, sorted.
	Unknown func(key, hint string, known []string) string
}

// Checker collects the problems found in one file. Its methods report and
// carry on, so that one pass finds every problem; Err then returns them
// all.
type Checker struct {
	// File names the file in every problem.
	File string
	// Problems are those found so far. A loader compares its length before
	// and after decoding a part to tell whether that part was sound.
	Problems []Problem

	sentinel error
	msgs     Messages
	// nodes remembers where each key's value was written, for problems
	// found later, when keys are checked against each other (see At).
	nodes map[string]*yaml.Node
	// dropped counts the problems found past MaxProblems.
	dropped int
}

// New returns a Checker for file whose Errors match sentinel and whose
// messages about keys are msgs.
func New(file string, sentinel error, msgs Messages) *Checker {
	return &Checker{File: file, sentinel: sentinel, msgs: msgs}
}

// MaxProblems is how many problems a Checker keeps; past it, it only
// counts them. A file with more is not a file with a few mistakes, and a
// report of every one of 20,000 repeated keys helps nobody.
const MaxProblems = 50

// maxMessage bounds one problem's message, whatever its arguments held.
const maxMessage = 2 << 10

// Add records a problem at node n, or about the whole file when n is nil.
// Text arguments, the file's own values echoed, are cut to a readable
// length (safetext.Clip), and so is the message as a whole, so that a
// 5 MB scalar gives a short message.
func (c *Checker) Add(n *yaml.Node, path, format string, args ...any) {
	if len(c.Problems) >= MaxProblems {
		c.dropped++
		return
	}
	for i, a := range args {
		if s, ok := a.(string); ok {
			args[i] = safetext.Clip(s)
		}
	}
	p := Problem{File: c.File, Path: safetext.Clip(path), Message: safetext.ClipTo(fmt.Sprintf(format, args...), maxMessage)}
	if n != nil {
		p.Line, p.Column = n.Line, n.Column
	}
	c.Problems = append(c.Problems, p)
}

// At records a problem at the value written for path (see Remember), or
// about the whole file when the key was left out and took its default.
func (c *Checker) At(path, format string, args ...any) {
	c.Add(c.nodes[path], path, format, args...)
}

// Remember records where the value for path was written, for At. Fields
// remembers every key it walks; a loader remembers list items itself.
func (c *Checker) Remember(path string, n *yaml.Node) {
	if c.nodes == nil {
		c.nodes = map[string]*yaml.Node{}
	}
	c.nodes[path] = n
}

// Err returns every problem found as an *Errors matching the Checker's
// sentinel, or nil when there are none.
func (c *Checker) Err() error {
	if len(c.Problems) == 0 {
		return nil
	}
	problems := c.Problems
	if c.dropped > 0 {
		problems = append(problems[:len(problems):len(problems)], Problem{File: c.File,
			Message: fmt.Sprintf("and %d more problems not listed; fix these first", c.dropped)})
	}
	return &Errors{File: c.File, Problems: problems, Sentinel: c.sentinel}
}

// Document decodes the single YAML document in data and returns its root,
// or records why not and returns nil. empty is the message for a file with
// no document at all: it should say how to start one. what names what one
// file holds ("policy", "table"): a second document is refused, since a
// loader reading only the first would ignore the rest without a word.
func (c *Checker) Document(data []byte, what, empty string) *yaml.Node {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			c.Add(nil, "", "%s", empty)
			return nil
		}
		c.Problems = append(c.Problems, syntaxProblem(c.File, err))
		return nil
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		c.Add(&extra, "", "the file holds more than one YAML document; keep one %s per file", what)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if !c.checkTags(root) {
		return nil
	}
	return root
}

// plainTags are the YAML core tags that only say which plain value a
// scalar, list or mapping is ("!!str 1.0" keeps a version a string).
var plainTags = map[string]bool{
	"!": true, "!!str": true, "!!int": true, "!!float": true, "!!bool": true,
	"!!null": true, "!!seq": true, "!!map": true,
}

// checkTags refuses every tag written in the document that asks for a
// type of its own (!!python/object, !!binary, !!set, a local !tag): the
// decoder would drop it without a word, and a file that relies on one
// means something patchline does not do. It reports whether there was
// none.
func (c *Checker) checkTags(n *yaml.Node) bool {
	ok := true
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n == nil || n.Kind == yaml.AliasNode {
			return
		}
		if n.Style&yaml.TaggedStyle != 0 && !plainTags[n.ShortTag()] {
			c.Add(n, "", "the YAML tag %s is not supported; remove it and write the plain value", n.Tag)
			ok = false
		}
		for _, child := range n.Content {
			walk(child)
		}
	}
	walk(n)
	return ok
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntaxProblem turns the YAML library's "yaml: line N: ..." into a
// Problem with the line, so syntax errors read like every other problem.
func syntaxProblem(file string, err error) Problem {
	msg := err.Error()
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		if n, err := strconv.Atoi(m[1]); err == nil {
			return Problem{File: file, Line: n, Column: 1, Message: "not valid YAML: " + m[2]}
		}
	}
	return Problem{File: file, Message: "not valid YAML: " + strings.TrimPrefix(msg, "yaml: ")}
}

// Handler decodes the value of one key. n has its aliases followed; path
// is the key's path, for messages.
type Handler func(n *yaml.Node, path string)

// Fields walks a mapping, calling the handler of each key and refusing
// unknown and repeated keys, with the closest known key as a hint: a
// misspelt key must not silently leave a value at its default. Anything
// but a mapping is refused, null included; a loader for which an empty
// value means "all defaults" checks IsNull first.
func (c *Checker) Fields(n *yaml.Node, path string, hs map[string]Handler) {
	n = Deref(n)
	if n.Kind != yaml.MappingNode {
		c.Add(n, path, "expected a mapping of keys (%s), found %s", strings.Join(sortedKeys(hs), ", "), c.msgs.Describe(n))
		return
	}
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		child := Join(path, k.Value)
		if !c.Key(k, path, seen) {
			continue
		}
		h, ok := hs[k.Value]
		if !ok {
			known := sortedKeys(hs)
			hint := ""
			if s := tagname.Suggest(k.Value, known); s != "" {
				hint = fmt.Sprintf("; did you mean %q?", s)
			}
			c.Add(k, child, "%s", c.msgs.Unknown(k.Value, hint, known))
			continue
		}
		c.Remember(child, v)
		h(Deref(v), child)
	}
}

// Key checks one mapping key k under path: a plain name, not a merge key
// (<< would copy keys in from elsewhere, past these checks), and not one
// already in seen. It records the key in seen and reports whether to go
// on with its value. Fields uses it; a loader walking a mapping whose keys
// are names it cannot list (products, say) calls it directly.
func (c *Checker) Key(k *yaml.Node, path string, seen map[string]*yaml.Node) bool {
	if k.Kind != yaml.ScalarNode {
		c.Add(k, path, "%s", c.msgs.NotPlain(k))
		return false
	}
	if k.Value == "<<" {
		c.Add(k, path, "merge keys (<<) are not supported; write the keys out")
		return false
	}
	if prev, dup := seen[k.Value]; dup {
		c.Add(k, Join(path, k.Value), "%s", c.msgs.Repeated(k.Value, prev.Line))
		return false
	}
	seen[k.Value] = k
	return true
}

func sortedKeys(hs map[string]Handler) []string {
	keys := make([]string, 0, len(hs))
	for k := range hs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
