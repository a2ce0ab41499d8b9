package watch

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/patchline/patchline/pipeline/dockerfile"
	"github.com/patchline/patchline/pipeline/policy"
)

// AnnotationInputs is the annotation that records the external images a
// build used, as a JSON array of Input.
const AnnotationInputs = "dev.patchline.image.inputs"

// ErrInvalidRecord is returned when an image's inputs annotation cannot be
// read.
var ErrInvalidRecord = errors.New("unreadable record of the images the build used")

// Input is one external image a build used.
type Input struct {
	// Ref is the reference the build resolved: docker.io/library/golang:1.26,
	// or name@sha256:... for an image given by digest only.
	Ref string `json:"ref"`
	// Digest is what a HEAD of Ref returned when the image was built: the
	// index of a multi-platform image. A refresh compares it with another
	// HEAD, so an unchanged image costs one request however many
	// platforms it has.
	Digest string `json:"digest"`
	// Role is how the image reaches the result.
	Role dockerfile.Role `json:"role"`
	// Stages name the Dockerfile stages that use the image.
	Stages []string `json:"stages,omitempty"`
}

// Describe names the input for a report: its reference and role, e.g.
// "docker.io/library/golang:1.26 (content, stage build)".
func (in Input) Describe() string {
	what := string(in.Role)
	switch in.Role {
	case dockerfile.RoleFinal:
		what = "final base"
	case dockerfile.RoleContent:
		what = "copied into the final stage"
	case dockerfile.RoleBuilder:
		what = "builder"
	}
	if len(in.Stages) > 0 {
		word := "stage"
		if len(in.Stages) > 1 {
			word = "stages"
		}
		what += ", " + word + " " + strings.Join(in.Stages, ", ")
	}
	return in.Ref + " (" + what + ")"
}

var digestPattern = regexp.MustCompile(`^sha256:[a-f0-9]{64}$`)

// Encode renders inputs as the annotation's value: the final base first,
// then by reference, so that the same build always writes the same bytes.
func Encode(inputs []Input) (string, error) {
	if err := validate(inputs); err != nil {
		return "", err
	}
	sorted := slices.Clone(inputs)
	slices.SortStableFunc(sorted, func(a, b Input) int {
		if (a.Role == dockerfile.RoleFinal) != (b.Role == dockerfile.RoleFinal) {
			if a.Role == dockerfile.RoleFinal {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Ref, b.Ref)
	})
	if sorted == nil {
		sorted = []Input{}
	}
	b, err := json.Marshal(sorted)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// Decode reads the annotation's value.
func Decode(s string) ([]Input, error) {
	var out []Input
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		return nil, fmt.Errorf("%w: %s is not a JSON list of images: %v", ErrInvalidRecord, AnnotationInputs, err)
	}
	if err := validate(out); err != nil {
		return nil, err
	}
	return out, nil
}

func validate(inputs []Input) error {
	seen := map[string]bool{}
	finals := 0
	for _, in := range inputs {
		switch {
		case in.Ref == "":
			return fmt.Errorf("%w: an image with no reference", ErrInvalidRecord)
		case !digestPattern.MatchString(in.Digest):
			return fmt.Errorf("%w: %s has digest %q, not sha256:<64 hex digits>", ErrInvalidRecord, in.Ref, in.Digest)
		case in.Role != dockerfile.RoleFinal && in.Role != dockerfile.RoleContent && in.Role != dockerfile.RoleBuilder:
			return fmt.Errorf("%w: %s has role %q, not final, content or builder", ErrInvalidRecord, in.Ref, in.Role)
		case seen[in.Ref]:
			return fmt.Errorf("%w: %s is listed twice", ErrInvalidRecord, in.Ref)
		}
		seen[in.Ref] = true
		if in.Role == dockerfile.RoleFinal {
			finals++
		}
	}
	if finals > 1 {
		return fmt.Errorf("%w: %d images are recorded as the final base", ErrInvalidRecord, finals)
	}
	return nil
}

// Watches reports whether a refresh under mode watches an image of role r.
func Watches(mode policy.Watch, r dockerfile.Role) bool {
	switch mode {
	case policy.WatchFinal:
		return r == dockerfile.RoleFinal
	case policy.WatchAll:
		return true
	}
	return r == dockerfile.RoleFinal || r == dockerfile.RoleContent
}
