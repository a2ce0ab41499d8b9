package rebase

import (
	"context"
	"fmt"
	"sync"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/patchline/patchline/pipeline/build"
	"github.com/patchline/patchline/pipeline/registry"
)

// FetchRequest names what a rebase reads. Both references are pinned by
// digest: the rebase must work on exactly the published image whose base
// was checked and exactly the base the check resolved, not on whatever
// their tags say a moment later.
type FetchRequest struct {
	// Image is the published index: "ghcr.io/org/app@sha256:…" (a tag
	// before the digest is allowed and ignored).
	Image string
	// NewBase is the new base as a HEAD of its tag resolved it:
	// "docker.io/library/debian@sha256:<index digest>". A single-platform
	// image digest works for an index with one platform.
	NewBase string
	// OldBaseRepository is the repository the recorded old bases are read
	// from, by the digests each platform manifest records. Empty means the
	// repository of the recorded org.opencontainers.image.base.name (the
	// platform manifest's, else the index's), else NewBase's repository.
	OldBaseRepository string
}

// Fetch reads, through c, what Rebase needs for one published line, and
// returns it as an Input with IndexAnnotations holding the new base's
// digest under org.opencontainers.image.base.digest. The caller adds
// Created and any other annotations.
//
// It reads no more than it must, all by GET of a digest (never a tag, so
// never a HEAD first):
//
//   - the published index, then each platform manifest, which records the
//     base it was built on (1 + P manifest GETs);
//   - the new base's index (1 GET); a platform's new base manifest is only
//     read when that platform has something to do;
//   - each platform's recorded old base manifest, by digest, only when it
//     is not the new base's;
//   - configs, one blob GET each, only when Rebase reads them: for the
//     image, the old base and the new base of each platform that moves.
//
// So a two-platform line whose base moved costs 8 manifest GETs and 6
// config GETs, and one that is already on the new base 4 manifest GETs and
// nothing else, plus the client's /v2/ ping of each repository the first
// time it reaches it. No layer blob is read, here or by Rebase.
//
// Registry failures (a recorded base that is gone, 404) come back wrapped
// as go-containerregistry reports them; refusals that Rebase would make
// anyway (a platform with no recorded base) are left to Rebase, which
// states them for every platform at once.
func Fetch(ctx context.Context, c *registry.Client, req FetchRequest) (Input, error) {
	appRef, err := pinned(c, "Image", req.Image)
	if err != nil {
		return Input{}, err
	}
	newRef, err := pinned(c, "NewBase", req.NewBase)
	if err != nil {
		return Input{}, err
	}
	idx, err := c.Index(ctx, appRef.Name())
	if err != nil {
		return Input{}, fmt.Errorf("reading the published index %s: %w", appRef, err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return Input{}, fmt.Errorf("reading the published index %s: %w", appRef, err)
	}

	nbImage, nbIndex, err := c.Read(ctx, newRef.Name())
	if err != nil {
		return Input{}, fmt.Errorf("reading the new base %s: %w", newRef, err)
	}
	newBase, err := newBaseSourceOf(newRef, nbImage, nbIndex)
	if err != nil {
		return Input{}, fmt.Errorf("reading the new base %s: %w", newRef, err)
	}

	cache := &cachedIndex{parent: idx, images: map[v1.Hash]v1.Image{}}
	in := Input{
		Index:            cache,
		IndexAnnotations: map[string]string{build.AnnotationBaseDigest: newRef.DigestStr()},
	}
	olds := map[v1.Hash]v1.Image{}
	for i, d := range im.Manifests {
		if isAttestation(d) {
			continue
		}
		p, err := platformEntry(i, d)
		if err != nil {
			return Input{}, fmt.Errorf("%s: %w", appRef, err)
		}
		newImg, err := newBase.image(p)
		if err != nil {
			return Input{}, fmt.Errorf("%s: %w", p, err)
		}
		b := Bases{Platform: p, New: newImg}
		in.Bases = append(in.Bases, b)

		img, err := cache.Image(d.Digest)
		if err != nil {
			return Input{}, fmt.Errorf("%s: reading image %s: %w", p, d.Digest, err)
		}
		m, err := img.Manifest()
		if err != nil {
			return Input{}, fmt.Errorf("%s: reading image %s: %w", p, d.Digest, err)
		}
		recorded, err := recordedBase(m.Annotations, d)
		if err != nil {
			continue // Rebase refuses it, with the others
		}
		newDigest, err := newImg.Digest()
		if err != nil {
			return Input{}, fmt.Errorf("%s: %w", p, err)
		}
		if recorded == newDigest {
			continue // unchanged: the old base is not needed
		}
		if old, ok := olds[recorded]; ok {
			in.Bases[len(in.Bases)-1].Old = old
			continue
		}
		repo, err := oldBaseRepository(c, req, m.Annotations, im.Annotations, newRef)
		if err != nil {
			return Input{}, fmt.Errorf("%s: %w", p, err)
		}
		old, err := fetchOldBase(ctx, c, repo, recorded, p)
		if err != nil {
			return Input{}, err
		}
		olds[recorded] = old
		in.Bases[len(in.Bases)-1].Old = old
	}
	return in, nil
}

// pinned parses a reference that must carry a digest.
func pinned(c *registry.Client, field, ref string) (name.Digest, error) {
	r, err := c.ParseReference(ref)
	if err != nil {
		return name.Digest{}, fmt.Errorf("%w: %s: %w", ErrInvalidInput, field, err)
	}
	d, ok := r.(name.Digest)
	if !ok {
		return name.Digest{}, fmt.Errorf("%w: %s %q is not pinned by digest; resolve it first (registry.Client.Resolve) and pass name@sha256:…", ErrInvalidInput, field, ref)
	}
	return d, nil
}

// newBaseSource picks a platform's image out of the new base.
type newBaseSource struct {
	ref    name.Reference
	index  v1.ImageIndex
	im     *v1.IndexManifest
	single v1.Image
}

func newBaseSourceOf(ref name.Reference, img v1.Image, idx v1.ImageIndex) (*newBaseSource, error) {
	s := &newBaseSource{ref: ref}
	if idx == nil {
		mt, err := img.MediaType()
		if err != nil {
			return nil, err
		}
		if !mt.IsImage() {
			return nil, fmt.Errorf("%w: it is a %s, neither an index nor an image", ErrUnsupported, mt)
		}
		s.single = img
		return s, nil
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, err
	}
	s.index, s.im = idx, im
	return s, nil
}

// image returns the new base's image for p. From an index it is lazy: the
// digest is the index entry's, and the manifest is read only when the
// rebase needs more than the digest.
func (s *newBaseSource) image(p v1.Platform) (v1.Image, error) {
	if s.single != nil {
		return s.single, nil
	}
	for _, d := range s.im.Manifests {
		if d.Platform == nil || isAttestation(d) || !d.MediaType.IsImage() || !samePlatform(*d.Platform, p) {
			continue
		}
		return &lazyImage{digest: d.Digest, load: func() (v1.Image, error) {
			img, err := s.index.Image(d.Digest)
			if err != nil {
				return nil, fmt.Errorf("reading the new base's %s image %s: %w", p, d.Digest, err)
			}
			return img, nil
		}}, nil
	}
	return nil, fmt.Errorf("%w: the new base %s has no %s image (it has %s); rebase needs one per platform of the image",
		ErrPlatformMismatch, s.ref, p, platformList(s.im.Manifests))
}

// oldBaseRepository decides where a platform's old base is read from; see
// FetchRequest.OldBaseRepository.
func oldBaseRepository(c *registry.Client, req FetchRequest, manifest, index map[string]string, newRef name.Digest) (name.Repository, error) {
	if req.OldBaseRepository != "" {
		repo, err := c.ParseRepository(req.OldBaseRepository)
		if err != nil {
			return name.Repository{}, fmt.Errorf("%w: OldBaseRepository: %w", ErrInvalidInput, err)
		}
		return repo, nil
	}
	for _, anns := range []map[string]string{manifest, index} {
		if n := anns[build.AnnotationBaseName]; n != "" {
			r, err := c.ParseReference(n)
			if err != nil {
				return name.Repository{}, fmt.Errorf("%w: the recorded %s %q does not parse (%w); set FetchRequest.OldBaseRepository",
					ErrNoRecordedBase, build.AnnotationBaseName, n, err)
			}
			return r.Context(), nil
		}
	}
	return newRef.Context(), nil
}

// fetchOldBase reads the recorded old base of platform p: one manifest GET
// by digest, its config later and only if Rebase reads it.
func fetchOldBase(ctx context.Context, c *registry.Client, repo name.Repository, recorded v1.Hash, p v1.Platform) (v1.Image, error) {
	ref := repo.Digest(recorded.String())
	img, idx, err := c.Read(ctx, ref.Name())
	if err != nil {
		return nil, fmt.Errorf("%s: reading the recorded old base %s: %w", p, ref, err)
	}
	var read interface {
		MediaType() (types.MediaType, error)
	} = idx
	if idx == nil {
		read = img
	}
	mt, err := read.MediaType()
	if err != nil {
		return nil, fmt.Errorf("%s: reading the recorded old base %s: %w", p, ref, err)
	}
	if !mt.IsImage() {
		return nil, fmt.Errorf("%s: %w: the image records %s as its base, which is a %s; a platform manifest must record its platform's base image (the index records the base's index)",
			p, ErrBaseMismatch, recorded, mt)
	}
	return img, nil
}

// cachedIndex keeps the child images of a remote index once read. A remote
// index reads a child's manifest again on every Image call; Fetch reads
// each platform manifest for its recorded base, and Rebase must not pay
// for it twice.
type cachedIndex struct {
	parent

	mu     sync.Mutex
	images map[v1.Hash]v1.Image
}

// parent names the embedded index so that its ImageIndex method is
// promoted (a field named ImageIndex would hide it).
type parent = v1.ImageIndex

var _ v1.ImageIndex = (*cachedIndex)(nil)

func (c *cachedIndex) Image(h v1.Hash) (v1.Image, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if img, ok := c.images[h]; ok {
		return img, nil
	}
	img, err := c.parent.Image(h)
	if err != nil {
		return nil, err
	}
	c.images[h] = img
	return img, nil
}
