package rebase

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/patchline/patchline/pipeline/build"
)

// Input is one rebase: a published multi-platform image and, per platform,
// the base it was built on and the base to put under it instead.
type Input struct {
	// Index is the published image index, as read from the registry (by
	// digest, so it is the one whose base was checked).
	Index v1.ImageIndex
	// Bases holds the old and new base of every platform of Index, in any
	// order. Each platform needs exactly one entry.
	Bases []Bases
	// Created is the time of the refresh: the rebased images' config
	// `created`, and the org.opencontainers.image.created annotation of
	// every rebased manifest and of the index. Required; Rebase reads no
	// clock.
	Created time.Time
	// Annotations go on every rebased platform manifest, over the ones the
	// published manifest had. Rebase itself writes base.digest (the new
	// base's digest for the platform) and created (Created); a value given
	// here for either must agree.
	Annotations map[string]string
	// PlatformAnnotations are Annotations per platform, keyed as
	// v1.Platform.String() prints it ("linux/arm64"); they win over
	// Annotations. A key that names no platform of Index is an error.
	PlatformAnnotations map[string]map[string]string
	// IndexAnnotations go on the new index, over the published index's own.
	// The index-level org.opencontainers.image.base.digest holds the base's
	// index digest, which Rebase cannot know from per-platform images: give
	// it here (Fetch fills it in). Leaving the published value in place
	// while a platform moved is refused, for it would no longer be true.
	IndexAnnotations map[string]string
}

// Bases are one platform's bases.
type Bases struct {
	// Platform is the platform of the published image these bases are for.
	Platform v1.Platform
	// Old is the base image the platform manifest records in
	// org.opencontainers.image.base.digest. It may be nil when New is
	// that very image (nothing to do, nothing to read).
	Old v1.Image
	// New is the base image to rebase onto: the new base's image for
	// Platform.
	New v1.Image
}

// Status is what a rebase did to one platform.
type Status string

const (
	// StatusRebased means the platform's base layers were swapped.
	StatusRebased Status = "rebased"
	// StatusUnchanged means the platform already records the new base; its
	// manifest is carried over byte for byte.
	StatusUnchanged Status = "unchanged"
)

// Output is the result of a rebase.
type Output struct {
	// Index is the new index, ready to push: the same platforms in the same
	// order with the same descriptor annotations, each rebased platform a
	// new manifest. When Unchanged, it is Input.Index itself.
	Index v1.ImageIndex
	// Unchanged is true when every platform already records its new base:
	// nothing was done and there is nothing to publish.
	Unchanged bool
	// Platforms reports every platform, in index order.
	Platforms []PlatformReport
	// DroppedAttestations counts the in-index attestation manifests
	// (BuildKit layout) left out because they describe a platform manifest
	// that the rebase replaced; attest the new index again.
	DroppedAttestations int
}

// PlatformReport says what happened to one platform.
type PlatformReport struct {
	// Platform is as the published index states it.
	Platform v1.Platform `json:"platform"`
	// Status is rebased or unchanged.
	Status Status `json:"status"`
	// OldBase is the base digest the published manifest recorded.
	OldBase v1.Hash `json:"oldBase"`
	// NewBase is the digest of the new base's image for the platform.
	NewBase v1.Hash `json:"newBase"`
	// Before is the published platform manifest's digest.
	Before v1.Hash `json:"before"`
	// After is the new platform manifest's digest; Before when unchanged.
	After v1.Hash `json:"after"`
	// BaseLayers is the number of new base layers under the application's.
	// Zero when unchanged: nothing was read.
	BaseLayers int `json:"baseLayers"`
	// AppLayers is the number of application layers kept, byte for byte.
	// Zero when unchanged: nothing was read.
	AppLayers int `json:"appLayers"`
	// Recompressed is true when the image's base layers have the recorded
	// base's content (diff IDs) but other blobs (digests): the base was
	// compressed again when the image was built or copied.
	Recompressed bool `json:"recompressed,omitempty"`
}

// Rebase swaps the base layers of every platform of in.Index for the new
// base's, and returns the new index with a report per platform.
//
// It refuses the whole line, naming each platform that cannot be rebased
// and why, rather than publish a mix of rebased and stale platforms. A
// platform whose recorded base is already the new base is carried over
// unchanged; when that is every platform, Output.Unchanged is set and no
// error is returned.
//
// Rebase makes no registry request of its own and reads no layer blob:
// images read from a registry (Fetch) are lazy, and it reads only their
// manifests and configs.
func Rebase(ctx context.Context, in Input) (Output, error) {
	if in.Index == nil {
		return Output{}, fmt.Errorf("%w: no image index", ErrInvalidInput)
	}
	if in.Created.IsZero() {
		return Output{}, fmt.Errorf("%w: no creation time; pass the refresh's time in Input.Created", ErrInvalidInput)
	}
	im, err := in.Index.IndexManifest()
	if err != nil {
		return Output{}, fmt.Errorf("reading the image index: %w", err)
	}
	indexDigest, err := in.Index.Digest()
	if err != nil {
		return Output{}, fmt.Errorf("reading the image index: %w", err)
	}

	entries, err := matchBases(im, in)
	if err != nil {
		return Output{}, fmt.Errorf("rebase of %s: %w", indexDigest, err)
	}

	var out Output
	var errs []error
	results := make([]*platformResult, len(im.Manifests))
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return Output{}, err
		}
		r, err := rebasePlatform(e, &in)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", e.platform, err))
			continue
		}
		results[e.index] = r
		out.Platforms = append(out.Platforms, r.report)
	}
	if len(errs) > 0 {
		return Output{}, fmt.Errorf("rebase of %s refused: %w", indexDigest, errors.Join(errs...))
	}

	rebased := 0
	for _, r := range out.Platforms {
		if r.Status == StatusRebased {
			rebased++
		}
	}
	if rebased == 0 {
		out.Index, out.Unchanged = in.Index, true
		return out, nil
	}
	idx, dropped, err := newIndex(in.Index, im, results, &in)
	if err != nil {
		return Output{}, fmt.Errorf("rebase of %s: %w", indexDigest, err)
	}
	out.Index, out.DroppedAttestations = idx, dropped
	return out, nil
}

// entry is one platform image of the published index with its bases.
type entry struct {
	index    int // in the index's manifests
	desc     v1.Descriptor
	platform v1.Platform
	bases    Bases
	extra    map[string]string // Input.PlatformAnnotations for it
}

// matchBases pairs every platform image of the index with its Bases and
// PlatformAnnotations, and refuses what is left over on either side.
func matchBases(im *v1.IndexManifest, in Input) ([]entry, error) {
	var entries []entry
	usedBases := make([]bool, len(in.Bases))
	usedAnn := map[string]bool{}
	annPlatforms := map[string]v1.Platform{}
	for k := range in.PlatformAnnotations {
		p, err := v1.ParsePlatform(k)
		if err != nil {
			return nil, fmt.Errorf("%w: PlatformAnnotations key %q: %w", ErrInvalidInput, k, err)
		}
		annPlatforms[k] = *p
	}
	for i, d := range im.Manifests {
		if isAttestation(d) {
			continue
		}
		p, err := platformEntry(i, d)
		if err != nil {
			return nil, err
		}
		for _, prev := range entries {
			if samePlatform(prev.platform, p) {
				return nil, fmt.Errorf("%w: the index has two %s images (%s, %s)", ErrUnsupported, p, prev.desc.Digest, d.Digest)
			}
		}
		e := entry{index: i, desc: d, platform: p}
		found := false
		for j, b := range in.Bases {
			if !samePlatform(b.Platform, p) {
				continue
			}
			if found {
				return nil, fmt.Errorf("%w: bases given twice for %s", ErrInvalidInput, p)
			}
			e.bases, usedBases[j], found = b, true, true
		}
		if !found {
			return nil, fmt.Errorf("%w: no bases given for %s", ErrInvalidInput, p)
		}
		for k, ap := range annPlatforms {
			if samePlatform(ap, p) {
				if e.extra != nil {
					return nil, fmt.Errorf("%w: PlatformAnnotations has two keys for %s", ErrInvalidInput, p)
				}
				e.extra, usedAnn[k] = in.PlatformAnnotations[k], true
			}
		}
		entries = append(entries, e)
	}
	if len(entries) == 0 {
		return nil, fmt.Errorf("%w: the index has no platform images", ErrUnsupported)
	}
	for j, used := range usedBases {
		if !used {
			return nil, fmt.Errorf("%w: bases given for %s, which the index does not have (it has %s)", ErrInvalidInput, in.Bases[j].Platform, platformList(im.Manifests))
		}
	}
	for k := range annPlatforms {
		if !usedAnn[k] {
			return nil, fmt.Errorf("%w: PlatformAnnotations for %s, which the index does not have (it has %s)", ErrInvalidInput, k, platformList(im.Manifests))
		}
	}
	return entries, nil
}

// platformResult is one platform's new image and report.
type platformResult struct {
	image  v1.Image // nil when unchanged
	report PlatformReport
	// descAnnotations are the index entry's annotations for the new image.
	descAnnotations map[string]string
}

// rebasePlatform decides and, if there is something to do, performs the
// rebase of one platform.
func rebasePlatform(e entry, in *Input) (*platformResult, error) {
	img, err := in.Index.Image(e.desc.Digest)
	if err != nil {
		return nil, fmt.Errorf("reading image %s: %w", e.desc.Digest, err)
	}
	m, err := img.Manifest()
	if err != nil {
		return nil, fmt.Errorf("reading image %s: %w", e.desc.Digest, err)
	}
	recorded, err := recordedBase(m.Annotations, e.desc)
	if err != nil {
		return nil, err
	}
	if e.bases.New == nil {
		return nil, fmt.Errorf("%w: no new base image given", ErrInvalidInput)
	}
	newDigest, err := e.bases.New.Digest()
	if err != nil {
		return nil, fmt.Errorf("reading the new base: %w", err)
	}
	report := PlatformReport{Platform: e.platform, OldBase: recorded, NewBase: newDigest, Before: e.desc.Digest}
	if newDigest == recorded {
		// The image was built on this very image, so its platform is
		// right; checking it would cost the new base's manifest and
		// config, which Fetch leaves unread for exactly this case.
		report.Status, report.After = StatusUnchanged, e.desc.Digest
		return &platformResult{report: report}, nil
	}

	anns, err := manifestAnnotations(m.Annotations, in, e.extra, newDigest)
	if err != nil {
		return nil, err
	}
	res, err := rebaseImage(imageJob{
		platform:    e.platform,
		image:       img,
		manifest:    m,
		recorded:    recorded,
		old:         e.bases.Old,
		new:         e.bases.New,
		created:     in.Created,
		annotations: anns,
	})
	if err != nil {
		return nil, err
	}
	report.Status = StatusRebased
	report.After = res.digest
	report.BaseLayers, report.AppLayers, report.Recompressed = res.baseLayers, res.appLayers, res.recompressed
	return &platformResult{image: res.image, report: report, descAnnotations: mirror(e.desc.Annotations, anns)}, nil
}

// recordedBase reads the base digest a platform manifest records. The
// manifest's annotation is the record; the index entry's copy (Dagger
// writes both) is read when the manifest has none, and the two must agree
// when both are there.
func recordedBase(manifest map[string]string, d v1.Descriptor) (v1.Hash, error) {
	m, inManifest := manifest[build.AnnotationBaseDigest]
	x, inDesc := d.Annotations[build.AnnotationBaseDigest]
	s := m
	switch {
	case inManifest && inDesc && m != x:
		return v1.Hash{}, fmt.Errorf("%w: manifest %s records base %s but its index entry records %s, so which one it was built on is unknown; use strategy rebuild",
			ErrNoRecordedBase, d.Digest, m, x)
	case !inManifest && !inDesc:
		return v1.Hash{}, fmt.Errorf("%w: manifest %s has no %s annotation, so which layers are the base's is unknown; use strategy rebuild",
			ErrNoRecordedBase, d.Digest, build.AnnotationBaseDigest)
	case !inManifest:
		s = x
	}
	h, err := v1.NewHash(s)
	if err != nil {
		return v1.Hash{}, fmt.Errorf("%w: manifest %s records base %q, which is not a digest (%v); use strategy rebuild",
			ErrNoRecordedBase, d.Digest, s, err)
	}
	return h, nil
}

// manifestAnnotations returns the annotations of a rebased platform
// manifest: the published ones, then the two facts a rebase changes (the
// base digest, the creation time), then the caller's, which may add
// anything but must not contradict those facts.
func manifestAnnotations(published map[string]string, in *Input, extra map[string]string, newBase v1.Hash) (map[string]string, error) {
	facts := map[string]string{
		build.AnnotationBaseDigest: newBase.String(),
		build.AnnotationCreated:    in.Created.UTC().Format(time.RFC3339),
	}
	out := maps.Clone(published)
	if out == nil {
		out = map[string]string{}
	}
	maps.Copy(out, facts)
	for _, given := range []map[string]string{in.Annotations, extra} {
		for k, v := range given {
			if f, ok := facts[k]; ok && f != v {
				return nil, fmt.Errorf("%w: annotation %s=%q contradicts the rebase, which writes %q", ErrInvalidInput, k, v, f)
			}
			out[k] = v
		}
	}
	return out, nil
}

// mirror returns an index entry's annotations for the new manifest: the
// same keys, with the values the manifest now has for the keys it shares
// (an entry that repeats base.digest must not keep the old one).
func mirror(desc, manifest map[string]string) map[string]string {
	out := maps.Clone(desc)
	for k := range out {
		if v, ok := manifest[k]; ok {
			out[k] = v
		}
	}
	return out
}

// newIndex assembles the new index: the published index's media type,
// entries in the same order with their platforms and annotations, the
// rebased manifests in place of the old ones, and the published index's
// annotations under the caller's.
//
// Attestation entries are kept when they describe a manifest that is
// carried over, and dropped when they describe one that was replaced: they
// would describe content no longer in the index.
func newIndex(orig v1.ImageIndex, im *v1.IndexManifest, results []*platformResult, in *Input) (v1.ImageIndex, int, error) {
	anns := maps.Clone(im.Annotations)
	if anns == nil {
		anns = map[string]string{}
	}
	created := in.Created.UTC().Format(time.RFC3339)
	anns[build.AnnotationCreated] = created
	for k, v := range in.IndexAnnotations {
		if k == build.AnnotationCreated && v != created {
			return nil, 0, fmt.Errorf("%w: index annotation %s=%q contradicts Input.Created (%s)", ErrInvalidInput, k, v, created)
		}
		anns[k] = v
	}
	if old, ok := im.Annotations[build.AnnotationBaseDigest]; ok && anns[build.AnnotationBaseDigest] == old {
		return nil, 0, fmt.Errorf("%w: the index annotation %s would still name the old base %s; give the new base's index digest in Input.IndexAnnotations",
			ErrInvalidInput, build.AnnotationBaseDigest, old)
	}

	kept := map[v1.Hash]bool{}
	for i, r := range results {
		if r != nil && r.image == nil {
			kept[im.Manifests[i].Digest] = true
		}
	}
	var adds []mutate.IndexAddendum
	dropped := 0
	for i, d := range im.Manifests {
		r := results[i]
		switch {
		case r != nil && r.image != nil:
			adds = append(adds, addendum(r.image, d, r.descAnnotations))
		case r != nil || (isAttestation(d) && kept[attestationSubject(d)]):
			img, err := orig.Image(d.Digest)
			if err != nil {
				return nil, 0, fmt.Errorf("reading image %s: %w", d.Digest, err)
			}
			// bare hides a remote image's Descriptor, which would add an
			// artifactType the published entry did not have.
			adds = append(adds, addendum(bare{img}, d, d.Annotations))
		default:
			dropped++
		}
	}
	idx := mutate.IndexMediaType(empty.Index, im.MediaType)
	idx = mutate.AppendManifests(idx, adds...)
	idx = mutate.Annotations(idx, anns).(v1.ImageIndex)
	return idx, dropped, nil
}

// attestationSubject is the platform manifest an attestation entry
// describes.
func attestationSubject(d v1.Descriptor) v1.Hash {
	h, err := v1.NewHash(d.Annotations["vnd.docker.reference.digest"])
	if err != nil {
		return v1.Hash{}
	}
	return h
}

// addendum is an index entry for img that keeps what the published entry
// said besides digest, size and media type.
func addendum(img v1.Image, d v1.Descriptor, anns map[string]string) mutate.IndexAddendum {
	return mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{
		Platform:     d.Platform,
		Annotations:  anns,
		URLs:         d.URLs,
		ArtifactType: d.ArtifactType,
	}}
}

// bare is an image with nothing but the v1.Image methods.
type bare struct{ v1.Image }
