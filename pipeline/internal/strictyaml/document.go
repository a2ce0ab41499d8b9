package strictyaml

import (
	"bytes"
	"errors"
	"io"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Document parses the single YAML document in data and returns its root,
// with any problem found; the root is nil when there is nothing to
// decode. empty is the message for a file with no document at all: it
// should say how to start one. what names what one file holds ("policy",
// "table"): a second document is refused, since a loader reading only the
// first would ignore the rest without a word.
func Document(data []byte, what, empty string) (*yaml.Node, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, Errorf(nil, "%s", empty)
		}
		return nil, syntaxError(err)
	}
	var problems []error
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		problems = append(problems, Errorf(&extra, "the file holds more than one YAML document; keep one %s per file", what))
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if err := checkTags(root); err != nil {
		return nil, errors.Join(append(problems, err)...)
	}
	return root, errors.Join(problems...)
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
// means something patchline does not do.
func checkTags(n *yaml.Node) error {
	if n == nil || n.Kind == yaml.AliasNode {
		return nil
	}
	var errs []error
	if n.Style&yaml.TaggedStyle != 0 && !plainTags[n.ShortTag()] {
		errs = append(errs, Errorf(n, "the YAML tag %s is not supported; remove it and write the plain value", n.Tag))
	}
	for _, child := range n.Content {
		errs = append(errs, checkTags(child))
	}
	return errors.Join(errs...)
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntaxError turns the YAML library's "yaml: line N: ..." into a problem
// at the line, so syntax errors read like every other problem. The library
// gives its syntax errors as text only.
func syntaxError(err error) error {
	msg := err.Error()
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		if n, err := strconv.Atoi(m[1]); err == nil {
			return &valueError{line: n, column: 1, message: "not valid YAML: " + m[2]}
		}
	}
	return &valueError{message: "not valid YAML: " + strings.TrimPrefix(msg, "yaml: ")}
}
