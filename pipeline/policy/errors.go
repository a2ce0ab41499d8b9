package policy

import (
	"errors"

	"github.com/patchline/patchline/pipeline/internal/strictyaml"
)

var (
	// ErrInvalid is wrapped by every error about a policy's content.
	ErrInvalid = errors.New("invalid release policy")
	// ErrUnknownPreset is returned for a preset name that does not exist.
	ErrUnknownPreset = errors.New("unknown policy preset")
)

// Problem is one thing wrong in a policy file, with where it is. It renders
// as "file:line:col: path: message". It is the type every strict YAML
// loader in patchline reports, so reports and editors read them alike.
type Problem = strictyaml.Problem

// Errors is every problem found in one policy file. Loading reports all of
// them at once, so a user fixes a policy in one pass. Errors from Parse
// carry ErrInvalid as their Sentinel, so errors.Is(err, ErrInvalid) holds.
type Errors = strictyaml.Errors
