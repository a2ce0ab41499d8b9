package yamlcheck

import (
	"fmt"
	"strings"
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
