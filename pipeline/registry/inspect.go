package registry

import (
	"context"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Inspect reads the manifest or index ref names with one GET: its
// annotations (where a release records its base image), an index's children
// with their platforms and annotations, and the raw bytes and media type, so
// the caller can write more tags (Tag) without reading it again.
//
// Unlike Resolve this costs a GET, which Docker Hub counts as a pull; the
// refresh flow calls it once per published line, on its own registry.
func (c *Client) Inspect(ctx context.Context, ref string) (*Manifest, error) {
	const op = "reading"
	return c.inspect(ctx, op, ref)
}

func (c *Client) inspect(ctx context.Context, op, ref string) (*Manifest, error) {
	r, err := c.ParseReference(ref)
	if err != nil {
		return nil, c.fail(op, ref, nil, err)
	}
	ctx, call := c.begin(ctx)
	rt, err := c.transport.get(ctx, r.Context(), false)
	if err != nil {
		return nil, c.fail(op, ref, call, err)
	}
	d, err := remote.Get(r, c.remoteOptions(ctx, rt)...)
	if err != nil {
		return nil, c.fail(op, ref, call, err)
	}
	m, err := parseManifest(Descriptor{Ref: r.Name(), Digest: d.Digest, MediaType: d.MediaType, Size: d.Size}, d.Manifest)
	if err != nil {
		return nil, c.fail(op, ref, call, err)
	}
	return m, nil
}

// PlatformManifests returns the per-platform manifests of the index ref
// names, each with its platform and digest, in index order. Attestation
// manifests (BuildKit's unknown/unknown entries) and entries without a
// platform are left out. A single-platform image wraps ErrNotIndex.
//
// It costs one GET of the index, which Docker Hub counts as a pull: call it
// only when Resolve showed that a base moved, to pin each platform's build.
func (c *Client) PlatformManifests(ctx context.Context, ref string) ([]v1.Descriptor, error) {
	const op = "listing platforms of"
	m, err := c.inspect(ctx, op, ref)
	if err != nil {
		return nil, err
	}
	if !m.IsIndex() {
		return nil, c.failf(op, ref, ErrNotIndex, "%s is an image manifest (%s)", m.Digest, m.MediaType)
	}
	var out []v1.Descriptor
	for _, d := range m.Manifests {
		if d.Platform == nil || isAttestation(d) {
			continue
		}
		out = append(out, d)
	}
	return out, nil
}

// isAttestation reports whether an index entry is a BuildKit attestation
// manifest rather than a platform image.
func isAttestation(d v1.Descriptor) bool {
	if d.Annotations["vnd.docker.reference.type"] == "attestation-manifest" {
		return true
	}
	return d.Platform != nil && d.Platform.OS == "unknown" && d.Platform.Architecture == "unknown"
}
