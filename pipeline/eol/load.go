package eol

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	policyfiles "github.com/patchline/patchline/policy"
)

// FormatVersion is the only table format version this package reads. Files
// start with "version: 1" so a later format can be told apart.
const FormatVersion = 1

// BuiltinFile is the embedded table, as a path in policy.EOL.
const BuiltinFile = "eol/base-images.yaml"

// builtinName names the embedded table in messages: the path in the
// repository, where a fix would go.
const builtinName = "policy/" + BuiltinFile

// Builtin loads the table shipped with patchline. It is parsed on every
// call, which costs well under a millisecond, rather than kept in a global.
func Builtin() (*Table, error) { return builtinFrom(policyfiles.EOL) }

// builtinFrom loads the built-in table from fsys, so tests can break it.
func builtinFrom(fsys fs.FS) (*Table, error) {
	data, err := fs.ReadFile(fsys, BuiltinFile)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBuiltin, err)
	}
	t, err := Parse(builtinName, data)
	if err == nil {
		err = t.check(builtinName)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBuiltin, err)
	}
	return t, nil
}

// Load returns the built-in table with a user's override file merged over
// it (see Merge). file names the override in error messages.
func Load(file string, data []byte) (*Table, error) {
	base, err := Builtin()
	if err != nil {
		return nil, err
	}
	over, err := Parse(file, data)
	if err != nil {
		return nil, err
	}
	return Merge(base, over)
}

// Parse reads one table file strictly: unknown keys, malformed dates,
// regular expressions that do not compile and cycles written twice are all
// refused, each with its line and a fix. It checks the file on its own; an
// override may name products and cycles that only the built-in table
// lists, so Builtin, Merge and Load check the whole table afterwards.
func Parse(file string, data []byte) (*Table, error) {
	l := &loader{file: file}
	root := l.document(data)
	if root == nil {
		return nil, l.result()
	}
	t := &Table{source: file, products: map[string]Product{}}
	l.table(root, t)
	if len(l.probs) > 0 {
		return nil, l.result()
	}
	return t, nil
}

type loader struct {
	file  string
	probs []Problem
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

func (l *loader) pos(n *yaml.Node) Pos {
	return Pos{File: l.file, Line: n.Line, Column: n.Column}
}

// document decodes the single YAML document of a file, or records why not.
func (l *loader) document(data []byte) *yaml.Node {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			l.add(nil, "", "the file is empty; start with \"version: %d\" and a products mapping", FormatVersion)
			return nil
		}
		l.probs = append(l.probs, yamlProblem(l.file, err))
		return nil
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		l.add(&extra, "", "the file holds more than one YAML document; keep one table per file")
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	return root
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlProblem turns the YAML library's "yaml: line N: ..." into a Problem
// with the line, so syntax errors read like every other problem.
func yamlProblem(file string, err error) Problem {
	msg := err.Error()
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		if n, err := strconv.Atoi(m[1]); err == nil {
			return Problem{File: file, Line: n, Column: 1, Message: "not valid YAML: " + m[2]}
		}
	}
	return Problem{File: file, Message: "not valid YAML: " + strings.TrimPrefix(msg, "yaml: ")}
}
