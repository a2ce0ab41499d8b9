package registry

import (
	"context"
	"io"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Read reads the image or index ref names with one GET, as Inspect does,
// and returns it for code that goes on to read its content: exactly one of
// img and idx is set, as the media type says. Nothing more is read until it
// is asked for: an index's child manifests when its Image or ImageIndex is
// called, an image's config and layers when they are read, and a push of
// either to this registry checks each part with a HEAD and mounts or skips
// it as go-containerregistry does.
//
// Every later read goes through the client (credentials, retries,
// timeouts, counting, and the redaction of echoed passwords), and is
// bounded by the call deadline of this Read. A child manifest that cannot
// be read fails with *Error, as every client call does; config and layer
// blobs are read by go-containerregistry's own image and layer types,
// which push code relies on, and fail with its errors.
func (c *Client) Read(ctx context.Context, ref string) (img v1.Image, idx v1.ImageIndex, err error) {
	const op = "reading"
	r, err := c.ParseReference(ref)
	if err != nil {
		return nil, nil, c.fail(op, ref, nil, err)
	}
	ctx, call := c.begin(ctx)
	rt, err := c.transport.get(ctx, r.Context(), false)
	if err != nil {
		return nil, nil, c.fail(op, ref, call, err)
	}
	d, err := remote.Get(r, c.remoteOptions(ctx, rt)...)
	if err != nil {
		return nil, nil, c.fail(op, ref, call, err)
	}
	if d.MediaType.IsIndex() {
		ri, err := d.ImageIndex()
		if err != nil {
			return nil, nil, c.fail(op, ref, call, err)
		}
		return nil, &index{parent: ri, c: c, repo: r.Context(), call: call}, nil
	}
	if img, err = d.Image(); err != nil {
		return nil, nil, c.fail(op, ref, call, err)
	}
	return img, nil, nil
}

// Index is Read for a reference that must name an index; an image manifest
// wraps ErrNotIndex.
func (c *Client) Index(ctx context.Context, ref string) (v1.ImageIndex, error) {
	img, idx, err := c.Read(ctx, ref)
	if err != nil {
		return nil, err
	}
	if idx == nil {
		mt, _ := img.MediaType()
		return nil, c.failf("reading", ref, ErrNotIndex, "it names an image manifest (%s)", mt)
	}
	return idx, nil
}

// parent names the embedded index, so that its ImageIndex method is
// promoted (a field named ImageIndex would hide it).
type parent = v1.ImageIndex

// index is a remote index whose child manifests, read when asked for,
// fail like client calls. It keeps go-containerregistry's optional
// methods (Descriptor, Layer), which partial and remote look for.
type index struct {
	parent
	c    *Client
	repo name.Repository
	call *callState
}

var _ v1.ImageIndex = (*index)(nil)

// Image reads the child manifest h.
func (x *index) Image(h v1.Hash) (v1.Image, error) {
	img, err := x.parent.Image(h)
	if err != nil {
		return nil, x.c.fail("reading", x.repo.Digest(h.String()).Name(), x.call, err)
	}
	return img, nil
}

// ImageIndex reads the child index h.
func (x *index) ImageIndex(h v1.Hash) (v1.ImageIndex, error) {
	idx, err := x.parent.ImageIndex(h)
	if err != nil {
		return nil, x.c.fail("reading", x.repo.Digest(h.String()).Name(), x.call, err)
	}
	return &index{parent: idx, c: x.c, repo: x.repo, call: x.call}, nil
}

// Descriptor is the index's descriptor as the registry gave it.
func (x *index) Descriptor() (*v1.Descriptor, error) { return partial.Descriptor(x.parent) }

// Layer returns a child that is neither an image nor an index.
func (x *index) Layer(h v1.Hash) (v1.Layer, error) {
	l, ok := x.parent.(interface {
		Layer(v1.Hash) (v1.Layer, error)
	})
	if !ok {
		return nil, x.c.failf("reading", x.repo.Digest(h.String()).Name(), ErrBadResponse, "the index cannot read a child of this kind")
	}
	layer, err := l.Layer(h)
	if err != nil {
		return nil, x.c.fail("reading", x.repo.Digest(h.String()).Name(), x.call, err)
	}
	return layer, nil
}

// Blob reads the blob ref names ("ghcr.io/o/a@sha256:…") whole, with one
// GET; go-containerregistry checks its digest as it reads. A blob longer
// than limit bytes is not read past limit and wraps ErrTooLarge.
func (c *Client) Blob(ctx context.Context, ref string, limit int64) ([]byte, error) {
	const op = "reading the blob"
	r, err := c.ParseReference(ref)
	if err != nil {
		return nil, c.fail(op, ref, nil, err)
	}
	d, ok := r.(name.Digest)
	if !ok {
		return nil, c.failf(op, ref, ErrInvalidReference, "a blob is named by digest, repository@sha256:…")
	}
	ctx, call := c.begin(ctx)
	rt, err := c.transport.get(ctx, d.Context(), false)
	if err != nil {
		return nil, c.fail(op, ref, call, err)
	}
	l, err := remote.Layer(d, c.remoteOptions(ctx, rt)...)
	if err != nil {
		return nil, c.fail(op, ref, call, err)
	}
	rc, err := l.Compressed()
	if err != nil {
		return nil, c.fail(op, ref, call, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, c.fail(op, ref, call, err)
	}
	if int64(len(b)) > limit {
		return nil, c.failf(op, ref, ErrTooLarge, "it is longer than %d bytes", limit)
	}
	return b, nil
}
