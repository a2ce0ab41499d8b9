package registry

import (
	"context"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Descriptor is what a manifest HEAD tells: enough to pin a base image and to
// tell whether it moved.
type Descriptor struct {
	// Ref is the reference that was resolved, fully qualified
	// ("index.docker.io/library/debian:bookworm-slim").
	Ref string `json:"ref"`
	// Digest is the digest of the manifest or index the reference names.
	Digest v1.Hash `json:"digest"`
	// MediaType says whether that is an index (multi-platform) or an image.
	MediaType types.MediaType `json:"mediaType"`
	// Size is the size of the manifest or index in bytes.
	Size int64 `json:"size"`
}

// IsIndex reports whether the descriptor names a multi-platform index.
func (d Descriptor) IsIndex() bool { return d.MediaType.IsIndex() }

// String renders "ref@digest", or the digest alone when Ref is empty.
func (d Descriptor) String() string {
	if d.Ref == "" {
		return d.Digest.String()
	}
	return d.Ref + "@" + d.Digest.String()
}

// Resolve returns the digest, media type and size of the manifest or index
// that ref names, by one HEAD request and never a GET: a manifest HEAD does
// not count against Docker Hub's pull limit, and it is all a "did the base
// move?" check needs. For an index the digest is the index's; use
// PlatformManifests for the per-platform digests.
//
// A tag that does not exist wraps ErrNotFound. (The first call for a
// repository also pings the registry and, where it asks, exchanges
// credentials for a token; those requests count as KindOther.)
func (c *Client) Resolve(ctx context.Context, ref string) (Descriptor, error) {
	const op = "resolving"
	r, err := c.ParseReference(ref)
	if err != nil {
		return Descriptor{}, c.fail(op, ref, nil, err)
	}
	ctx, call := c.begin(ctx)
	rt, err := c.transport.get(ctx, r.Context(), false)
	if err != nil {
		return Descriptor{}, c.fail(op, ref, call, err)
	}
	d, err := remote.Head(r, c.remoteOptions(ctx, rt)...)
	if err != nil {
		return Descriptor{}, c.fail(op, ref, call, err)
	}
	return Descriptor{Ref: r.Name(), Digest: d.Digest, MediaType: d.MediaType, Size: d.Size}, nil
}
