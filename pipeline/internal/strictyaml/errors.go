package strictyaml

import (
	"errors"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/patchline/patchline/pipeline/internal/safetext"
)

// Problem is one thing wrong in a file, with where it is. Line and Column
// are 0 for a problem about the whole file, such as a key that is missing.
type Problem struct {
	File    string `json:"file"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Path    string `json:"path,omitempty"`
	Message string `json:"message"`
}

// Error renders "file:line:col: path: message", the shape editors and
// terminals turn into a link to the spot.
func (p Problem) Error() string {
	var sb strings.Builder
	sb.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&sb, ":%d:%d", p.Line, p.Column)
	}
	sb.WriteString(": ")
	if p.Path != "" {
		sb.WriteString(p.Path + ": ")
	}
	sb.WriteString(p.Message)
	return sb.String()
}

// Errors is every problem found in one file. Loading reports all of them
// at once, so a user fixes a file in one pass instead of one error a run.
type Errors struct {
	File     string
	Problems []Problem
	// Sentinel is the error errors.Is matches, such as policy.ErrInvalid:
	// it tells a mistake in the file's content from a failure to read it.
	// Each package that loads files has its own, so one Errors type serves
	// them all without one package's sentinel matching another's errors.
	// With none, Errors matches no sentinel.
	Sentinel error `json:"-"`
}

// Error lists every problem, one per line.
func (e *Errors) Error() string {
	var sb strings.Builder
	if n := len(e.Problems); n == 1 {
		fmt.Fprintf(&sb, "%s: 1 problem", e.File)
	} else {
		fmt.Fprintf(&sb, "%s: %d problems", e.File, n)
	}
	for _, p := range e.Problems {
		sb.WriteString("\n  " + p.Error())
	}
	return sb.String()
}

// Is makes errors.Is(err, e.Sentinel) true.
func (e *Errors) Is(target error) bool { return e.Sentinel != nil && target == e.Sentinel }

// MaxProblems is how many problems File.Err lists; past it, it only
// counts them. A file with more is not a file with a few mistakes, and a
// report of every one of 20,000 repeated keys helps nobody.
const MaxProblems = 50

// maxMessage bounds one problem's message, whatever its arguments held.
const maxMessage = 2 << 10

// valueError is a problem found at one node, before it is known in which
// file and under which key: what Errorf returns.
type valueError struct {
	line, column int
	message      string
}

func (e *valueError) Error() string {
	return fmt.Sprintf("%d:%d: %s", e.line, e.column, e.message)
}

// Errorf returns a problem with the value at n, or with the whole file
// when n is nil: what an UnmarshalYAML method returns for a value it
// refuses. Text arguments, the file's own values echoed, are cut to a
// readable length (safetext.Clip), and so is the message as a whole, so
// that a 5 MB scalar gives a short message.
func Errorf(n *yaml.Node, format string, args ...any) error {
	for i, a := range args {
		if s, ok := a.(string); ok {
			args[i] = safetext.Clip(s)
		}
	}
	e := &valueError{message: safetext.ClipTo(fmt.Sprintf(format, args...), maxMessage)}
	if n != nil {
		e.line, e.column = n.Line, n.Column
	}
	return e
}

// inPath places the problems in err under a key or list index.
type inPath struct {
	path string
	err  error
}

func (e *inPath) Error() string { return e.path + ": " + e.err.Error() }
func (e *inPath) Unwrap() error { return e.err }

// In returns err with every problem in it placed under path: a key
// ("exact"), a list index ("[2]") or a dotted path of them
// ("tags.edge[2]"). Problems found inside a value name the value's key
// this way, from the inside out, so that no decoding step needs to know
// where its value sits in the file. In(path, nil) is nil.
func In(path string, err error) error {
	if err == nil {
		return nil
	}
	return &inPath{path: path, err: err}
}

// Each calls check with every item of the list n, aliases followed, and
// returns every problem found, each under its item's index.
func Each(n *yaml.Node, check func(item *yaml.Node) error) error {
	var errs []error
	for i, item := range n.Content {
		errs = append(errs, In(fmt.Sprintf("[%d]", i), check(Deref(item))))
	}
	return errors.Join(errs...)
}

// join extends a path by a key or an index; an index follows without a
// dot ("tags.edge[2]").
func join(path, sub string) string {
	switch {
	case path == "":
		return sub
	case sub == "":
		return path
	case strings.HasPrefix(sub, "["):
		return path + sub
	}
	return path + "." + sub
}

// File names the file that problems are found in, and the sentinel its
// Errors match.
type File struct {
	Name     string
	Sentinel error
}

// Err returns every problem in errs (from Errorf, In, Each, Decode and
// Document, joined or not) as an *Errors for the file, in the order
// found, at most MaxProblems of them and a count of the rest; or nil when
// there are none.
func (f File) Err(errs ...error) error {
	var problems []Problem
	dropped := 0
	var add func(err error, path string)
	add = func(err error, path string) {
		switch e := err.(type) {
		case nil:
		case *inPath:
			add(e.err, join(path, e.path))
		case interface{ Unwrap() []error }:
			for _, err := range e.Unwrap() {
				add(err, path)
			}
		default:
			if len(problems) >= MaxProblems {
				dropped++
				return
			}
			p := Problem{File: f.Name, Path: safetext.Clip(path), Message: err.Error()}
			if v, ok := err.(*valueError); ok {
				p.Line, p.Column, p.Message = v.line, v.column, v.message
			}
			problems = append(problems, p)
		}
	}
	for _, err := range errs {
		add(err, "")
	}
	if len(problems) == 0 {
		return nil
	}
	if dropped > 0 {
		problems = append(problems, Problem{File: f.Name,
			Message: fmt.Sprintf("and %d more problems not listed; fix these first", dropped)})
	}
	return &Errors{File: f.Name, Problems: problems, Sentinel: f.Sentinel}
}
