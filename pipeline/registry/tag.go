package registry

import (
	"context"
	"errors"
	"regexp"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// tagPattern is the OCI distribution spec's tag grammar.
var tagPattern = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$`)

// Tag points repo:tag at m with exactly one manifest PUT of m's bytes: no
// existence check, no blob upload, no GET. m comes from Push or Inspect and
// its content must already be in repo. This is how a release writes its
// floating tags (1.6, stable, latest) after the immutable ones.
//
// If m has an OCI subject, go-containerregistry also maintains the
// referrers fallback tag where the registry lacks the referrers API, which
// costs a GET and a PUT more.
func (c *Client) Tag(ctx context.Context, repo, tag string, m *Manifest) error {
	const op = "tagging"
	ref := repo + ":" + tag
	if m == nil || len(m.Raw) == 0 {
		return c.fail(op, ref, nil, errNoBytes)
	}
	r, err := c.ParseRepository(repo)
	if err != nil {
		return c.fail(op, ref, nil, err)
	}
	if !tagPattern.MatchString(tag) {
		return c.failf(op, ref, ErrInvalidReference, "tag %q does not match %s", tag, tagPattern)
	}
	return c.put(ctx, op, ref, r.Tag(tag), m)
}

// Put writes m at ref, a tag or m's own digest, with one manifest PUT of
// its bytes, as Tag does. Written again at its digest, a manifest is
// listed again by a registry that dropped it from a referrers list.
func (c *Client) Put(ctx context.Context, ref string, m *Manifest) error {
	const op = "writing"
	if m == nil || len(m.Raw) == 0 {
		return c.fail(op, ref, nil, errNoBytes)
	}
	r, err := c.ParseReference(ref)
	if err != nil {
		return c.fail(op, ref, nil, err)
	}
	if d, ok := r.(name.Digest); ok && d.DigestStr() != m.Digest.String() {
		return c.failf(op, ref, ErrInvalidReference, "the manifest has digest %s", m.Digest)
	}
	return c.put(ctx, op, ref, r, m)
}

// errNoBytes refuses a Manifest that was not read or pushed.
var errNoBytes = errors.New("no manifest bytes to write; use the Manifest from Push or Inspect")

func (c *Client) put(ctx context.Context, op, ref string, r name.Reference, m *Manifest) error {
	ctx, call := c.begin(ctx)
	rt, err := c.transport.get(ctx, r.Context(), true)
	if err != nil {
		return c.fail(op, ref, call, err)
	}
	if err := remote.Put(r, taggable{m}, c.remoteOptions(ctx, rt)...); err != nil {
		return c.fail(op, ref, call, err)
	}
	return nil
}
