package version

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/patchline/patchline/pipeline/internal/safetext"
)

// ErrInvalidLine is wrapped by every error ParseLine returns.
var ErrInvalidLine = errors.New("invalid release line")

// Line is a release line: every version sharing MAJOR.MINOR.
type Line struct {
	Major uint64
	Minor uint64
}

// ParseLine parses "MAJOR.MINOR" (an optional "v" prefix is accepted).
func ParseLine(s string) (Line, error) {
	t := strings.TrimPrefix(s, "v")
	parts := strings.Split(t, ".")
	if len(parts) != 2 {
		return Line{}, fmt.Errorf("%w %s: write it as MAJOR.MINOR, such as 1.6 or 0.3", ErrInvalidLine, safetext.Quote(s))
	}
	var nums [2]uint64
	for i, p := range parts {
		if p == "" || (len(p) > 1 && p[0] == '0') {
			return Line{}, fmt.Errorf("%w %s: %s is not a number without leading zeros; write it as MAJOR.MINOR, such as 1.6", ErrInvalidLine, safetext.Quote(s), safetext.Quote(p))
		}
		n, err := strconv.ParseUint(p, 10, 64)
		if err != nil {
			return Line{}, fmt.Errorf("%w %s: %s is not a number; write it as MAJOR.MINOR, such as 1.6", ErrInvalidLine, safetext.Quote(s), safetext.Quote(p))
		}
		nums[i] = n
	}
	return Line{Major: nums[0], Minor: nums[1]}, nil
}

// String renders "MAJOR.MINOR".
func (l Line) String() string { return fmt.Sprintf("%d.%d", l.Major, l.Minor) }

// Compare orders lines by major, then minor.
func (l Line) Compare(o Line) int {
	switch {
	case l.Major != o.Major:
		return cmpU(l.Major, o.Major)
	default:
		return cmpU(l.Minor, o.Minor)
	}
}

// MarshalText renders "MAJOR.MINOR".
func (l Line) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

func cmpU(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
