package watch

import (
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/patchline/patchline/pipeline/build"
	"github.com/patchline/patchline/pipeline/dockerfile"
	"github.com/patchline/patchline/pipeline/policy"
)

// Record is what a published image says it was built from.
type Record struct {
	// Inputs are the external images, the final base first.
	Inputs []Input
	// FinalOnly is set when the image records no inputs annotation (it
	// was published before patchline wrote one): Inputs then hold only
	// the final base, read from org.opencontainers.image.base.name and
	// base.digest, and images copied in or used by builder stages are
	// not known.
	FinalOnly bool
	// Platforms maps each platform of the image (os/arch[/variant]) to
	// the manifest of the final base it was built on, as its index
	// descriptor records it.
	Platforms map[string]string
	// Order lists the platforms in index order.
	Order []string
}

// Final returns the final base, if the image records one.
func (r Record) Final() (Input, bool) {
	for _, in := range r.Inputs {
		if in.Role == dockerfile.RoleFinal {
			return in, true
		}
	}
	return Input{}, false
}

// Watched splits the inputs into those a refresh under mode watches and
// the others. With FinalOnly, the final base is all there is to watch.
func (r Record) Watched(mode policy.Watch) (watched, other []Input) {
	for _, in := range r.Inputs {
		if Watches(mode, in.Role) {
			watched = append(watched, in)
		} else {
			other = append(other, in)
		}
	}
	return watched, other
}

// Read returns the record of a published index from its annotations and
// its descriptors, as one GET of the index returns them.
//
// The index's own annotation is read first: it describes the image as a
// whole, and a rebase that carries a platform over unchanged (only
// another platform's base moved) updates the index's record but leaves
// that platform's manifest, and so its descriptor, as they were built.
// An index without it is read from its platform descriptors, which the
// release flow gives every manifest annotation; they must agree. An image
// with neither is read from its base annotations (FinalOnly); one with
// none of them is an empty Record with FinalOnly set.
func Read(annotations map[string]string, descs []v1.Descriptor) (Record, error) {
	rec := Record{Platforms: map[string]string{}}
	found := annotations[AnnotationInputs]
	fromIndex := found != ""
	for _, d := range descs {
		if d.Platform == nil || d.Platform.OS == "unknown" {
			continue
		}
		p := d.Platform.String()
		rec.Order = append(rec.Order, p)
		rec.Platforms[p] = d.Annotations[build.AnnotationBaseDigest]
		s, ok := d.Annotations[AnnotationInputs]
		if !ok || fromIndex {
			continue
		}
		if found != "" && s != found {
			return rec, fmt.Errorf("%w: the platforms of the image record different images (%s differs)", ErrInvalidRecord, p)
		}
		found = s
	}
	if found != "" {
		in, err := Decode(found)
		if err != nil {
			return rec, err
		}
		rec.Inputs = in
		return rec, nil
	}
	rec.FinalOnly = true
	name, digest := annotations[build.AnnotationBaseName], annotations[build.AnnotationBaseDigest]
	if name != "" && digestPattern.MatchString(digest) {
		rec.Inputs = []Input{{Ref: name, Digest: digest, Role: dockerfile.RoleFinal}}
	}
	return rec, nil
}
