package build

import (
	"fmt"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
)

// Created returns the time the spec's images are stamped with: the
// org.opencontainers.image.created annotation (the commit time, or
// SOURCE_DATE_EPOCH), and false when the spec has none.
func (s Spec) Created() (time.Time, bool) {
	c, ok := s.Annotations[AnnotationCreated]
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, c)
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}

// SetCreated returns idx with every image's config saying it was created
// at created, the time the annotations record, instead of when the builder
// happened to run: the config's created field is set to it, and history
// entries later than it are clamped to it, as BuildKit does with
// SOURCE_DATE_EPOCH. Entries already older (those of a base image built
// before the commit) keep their times. Each image keeps its manifest
// annotations and its index entry its platform and annotations; only the
// digests change.
func SetCreated(idx v1.ImageIndex, created time.Time) (v1.ImageIndex, error) {
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, err
	}
	created = created.UTC()
	out := mutate.IndexMediaType(empty.Index, im.MediaType)
	for _, d := range im.Manifests {
		if !d.MediaType.IsImage() {
			return nil, fmt.Errorf("%w: index entry %s is a %s, not an image", ErrBuild, d.Digest, d.MediaType)
		}
		img, err := idx.Image(d.Digest)
		if err != nil {
			return nil, err
		}
		cf, err := img.ConfigFile()
		if err != nil {
			return nil, fmt.Errorf("%w: reading the config of %s: %v", ErrBuild, d.Digest, err)
		}
		cf = cf.DeepCopy()
		cf.Created = v1.Time{Time: created}
		for i, h := range cf.History {
			if h.Created.IsZero() || h.Created.After(created) {
				cf.History[i].Created = v1.Time{Time: created}
			}
		}
		img, err = mutate.ConfigFile(img, cf)
		if err != nil {
			return nil, err
		}
		out = mutate.AppendManifests(out, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{MediaType: d.MediaType, Platform: d.Platform, Annotations: d.Annotations}})
	}
	if len(im.Annotations) > 0 {
		out = mutate.Annotations(out, im.Annotations).(v1.ImageIndex)
	}
	return out, nil
}
