// Package version parses release versions strictly and groups them into
// release lines.
//
// Release tags are user input that ends up in image tags, so parsing is
// deliberately strict: full MAJOR.MINOR.PATCH semver with an optional
// lowercase "v" prefix. Build metadata ("+build.5") is refused because "+"
// cannot appear in an image tag and two versions that differ only in build
// metadata would map to the same tag.
package version

import (
	"errors"
	"fmt"
	"strings"

	"github.com/Masterminds/semver/v3"

	"github.com/patchline/patchline/pipeline/internal/safetext"
)

// ErrInvalid is wrapped by every error Parse returns.
var ErrInvalid = errors.New("invalid release version")

// Version is a strictly parsed release version.
type Version struct {
	sv *semver.Version
}

// Parse parses s as a release version: MAJOR.MINOR.PATCH with an optional
// prerelease, an optional "v" prefix, and no build metadata.
func Parse(s string) (Version, error) {
	raw := s
	if strings.TrimSpace(s) != s {
		return Version{}, fmt.Errorf("%w %s: remove the surrounding spaces", ErrInvalid, safetext.Quote(raw))
	}
	if s == "" {
		return Version{}, fmt.Errorf("%w: the version is empty; give one such as 1.6.0 or v1.6.0", ErrInvalid)
	}
	s = strings.TrimPrefix(s, "v")
	if i := strings.IndexByte(s, '+'); i >= 0 {
		return Version{}, fmt.Errorf("%w %s: build metadata (%s) cannot be part of an image tag; release %s instead",
			ErrInvalid, safetext.Quote(raw), safetext.Quote(s[i:]), safetext.Quote(s[:i]))
	}
	sv, err := semver.StrictNewVersion(s)
	if err != nil {
		return Version{}, fmt.Errorf("%w %s: %s; use MAJOR.MINOR.PATCH such as 1.6.0, optionally with a v prefix or a -prerelease such as 2.0.0-rc.1",
			ErrInvalid, safetext.Quote(raw), safetext.Clip(hint(s, err)))
	}
	return Version{sv: sv}, nil
}

// hint turns a semver parse error into a short explanation.
func hint(s string, err error) string {
	switch {
	case strings.HasPrefix(s, "V"):
		return "the prefix must be a lowercase v"
	case strings.Count(strings.SplitN(s, "-", 2)[0], ".") < 2:
		return "it needs all three numbers"
	}
	msg := err.Error()
	return strings.TrimSuffix(msg, ".")
}

// IsZero reports whether v was never set.
func (v Version) IsZero() bool { return v.sv == nil }

// String returns the canonical form, without a "v" prefix.
func (v Version) String() string {
	if v.sv == nil {
		return ""
	}
	return v.sv.String()
}

// Major returns the major number.
func (v Version) Major() uint64 { return v.sv.Major() }

// Minor returns the minor number.
func (v Version) Minor() uint64 { return v.sv.Minor() }

// Patch returns the patch number.
func (v Version) Patch() uint64 { return v.sv.Patch() }

// Prerelease returns the prerelease part without its leading "-".
func (v Version) Prerelease() string { return v.sv.Prerelease() }

// IsPrerelease reports whether v has a prerelease part.
func (v Version) IsPrerelease() bool { return v.sv.Prerelease() != "" }

// Line returns the release line (MAJOR.MINOR) v belongs to.
func (v Version) Line() Line { return Line{Major: v.sv.Major(), Minor: v.sv.Minor()} }

// Compare returns -1, 0 or +1 as v is lower than, equal to or higher than o,
// by semver precedence.
func (v Version) Compare(o Version) int { return v.sv.Compare(o.sv) }

// Semver exposes the underlying semver value, for constraint checks.
func (v Version) Semver() *semver.Version { return v.sv }

// MarshalText renders the canonical form.
func (v Version) MarshalText() ([]byte, error) { return []byte(v.String()), nil }
