package eol

import (
	"errors"
	"fmt"
	"strings"
)

var (
	// ErrInvalid is wrapped by every error about the content of an
	// end-of-life table or override file, so callers can tell a user's
	// mistake (errors.Is(err, ErrInvalid)) from a failure to read the file.
	ErrInvalid = errors.New("invalid end-of-life table")
	// ErrBuiltin is wrapped when the table shipped inside patchline does not
	// load: that is a bug in patchline, not something a user can fix.
	ErrBuiltin = errors.New("the built-in end-of-life table is broken")
)

// Problem is one thing wrong in a table file, with where it is.
type Problem struct {
	File    string `json:"file"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Path    string `json:"path,omitempty"`
	Message string `json:"message"`
}

// Error renders "file:line:col: path: message".
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

// Errors is every problem found in one file. Loading reports all of them at
// once, so a user fixes an override file in one pass.
type Errors struct {
	File     string
	Problems []Problem
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

// Is makes errors.Is(err, ErrInvalid) true.
func (e *Errors) Is(target error) bool { return target == ErrInvalid }
