// Package tagname knows what an image tag may look like: it validates tags,
// turns git branch names into tags, and renders the tag templates and date
// formats that release policies use.
//
// The OCI distribution spec allows a tag to match
// [A-Za-z0-9_][A-Za-z0-9._-]{0,127}; everything rendered here is checked
// against that before it can reach a registry.
package tagname

import (
	"errors"
	"fmt"
	"regexp"

	"github.com/patchline/patchline/pipeline/internal/safetext"
)

// MaxLen is the longest tag a registry accepts.
const MaxLen = 128

var (
	// ErrInvalidTag is wrapped when a string is not a valid image tag.
	ErrInvalidTag = errors.New("invalid image tag")
	// ErrInvalidBranch is wrapped when a branch name cannot be a git branch.
	ErrInvalidBranch = errors.New("invalid branch name")
	// ErrInvalidSHA is wrapped when a commit id is not hexadecimal.
	ErrInvalidSHA = errors.New("invalid commit sha")
	// ErrInvalidTemplate is wrapped when a tag template cannot be parsed.
	ErrInvalidTemplate = errors.New("invalid tag template")
	// ErrInvalidDateFormat is wrapped when a date format cannot be parsed.
	ErrInvalidDateFormat = errors.New("invalid date format")
)

var tagRE = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$`)

// Validate returns nil when tag is a valid image tag.
func Validate(tag string) error {
	switch {
	case tag == "":
		return fmt.Errorf("%w: the tag is empty", ErrInvalidTag)
	case len(tag) > MaxLen:
		return fmt.Errorf("%w %s: %d characters, registries accept at most %d; shorten the template or the value it renders",
			ErrInvalidTag, safetext.Quote(tag), len(tag), MaxLen)
	case !tagRE.MatchString(tag):
		return fmt.Errorf("%w %s: a tag starts with a letter, digit or _ and contains only letters, digits, _ . and -",
			ErrInvalidTag, safetext.Quote(tag))
	}
	return nil
}
