package registry

import (
	"context"
	"errors"
	"regexp"

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
		return c.fail(op, ref, nil, errors.New("no manifest bytes to tag; use the Manifest from Push or Inspect"))
	}
	r, err := c.ParseRepository(repo)
	if err != nil {
		return c.fail(op, ref, nil, err)
	}
	if !tagPattern.MatchString(tag) {
		return c.failf(op, ref, ErrInvalidReference, "tag %q does not match %s", tag, tagPattern)
	}
	ctx, call := c.begin(ctx)
	rt, err := c.transport.get(ctx, r, true)
	if err != nil {
		return c.fail(op, ref, call, err)
	}
	if err := remote.Put(r.Tag(tag), taggable{m}, c.remoteOptions(ctx, rt)...); err != nil {
		return c.fail(op, ref, call, err)
	}
	return nil
}
