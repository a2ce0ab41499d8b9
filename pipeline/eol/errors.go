package eol

import (
	"errors"

	"github.com/patchline/patchline/pipeline/internal/strictyaml"
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

// Problem is one thing wrong in a table file, with where it is. It renders
// as "file:line:col: path: message", like a problem in a release policy.
type Problem = strictyaml.Problem

// Errors is every problem found in one file. Loading reports all of them at
// once, so a user fixes an override file in one pass. Errors from this
// package carry ErrInvalid as their Sentinel, so errors.Is(err, ErrInvalid)
// holds.
type Errors = strictyaml.Errors
