package registry

import (
	"context"
	"sync"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Push uploads img and writes its manifest at ref, and returns the manifest
// as pushed, ready for Tag.
//
// Content goes up once: every blob is checked with a HEAD and only missing
// ones are uploaded, and if ref already names this very manifest nothing is
// written at all. The cost on an empty repository is one HEAD of ref, one
// HEAD and one upload (POST, PATCH, PUT) per blob, and one manifest PUT.
//
// An upload interrupted by a failure that may pass (5xx, 429, a reset) is
// not replayed mid-stream; the push is started over under the retry policy,
// and the blobs that already arrived are skipped by their HEAD.
func (c *Client) Push(ctx context.Context, ref string, img v1.Image) (*Manifest, error) {
	return c.push(ctx, ref, img, nil)
}

// PushIndex is Push for a multi-platform index: every child manifest and its
// blobs are pushed by digest first (each child costs a HEAD, and a PUT when
// missing), then the index at ref.
func (c *Client) PushIndex(ctx context.Context, ref string, idx v1.ImageIndex) (*Manifest, error) {
	return c.push(ctx, ref, idx, nil)
}

// pushable is what remote.Push takes and manifestOf reads.
type pushable interface {
	remote.Taggable
	MediaType() (types.MediaType, error)
}

func (c *Client) push(ctx context.Context, ref string, t pushable, shared *Pusher) (*Manifest, error) {
	const op = "pushing"
	r, err := c.ParseReference(ref)
	if err != nil {
		return nil, c.fail(op, ref, nil, err)
	}
	m, err := manifestOf(r.Name(), t)
	if err != nil {
		return nil, c.fail(op, ref, nil, err)
	}
	if d, ok := r.(name.Digest); ok && d.DigestStr() != m.Digest.String() {
		return nil, c.failf(op, ref, ErrInvalidReference, "content has digest %s", m.Digest)
	}
	ctx, call := c.begin(ctx)
	rt, err := c.transport.get(ctx, r.Context(), true)
	if err != nil {
		return nil, c.fail(op, ref, call, err)
	}
	err = c.restarting(ctx, call, func(ctx context.Context) error {
		opts := c.remoteOptions(ctx, rt)
		if shared != nil {
			p, err := shared.pusherFor(r.Context(), opts)
			if err != nil {
				return err
			}
			opts = append(opts, remote.Reuse(p))
		}
		return remote.Push(r, t, opts...)
	})
	if err != nil {
		return nil, c.fail(op, ref, call, err)
	}
	return m, nil
}

// Pusher pushes as Client.Push does, and remembers between its pushes to
// a repository what is there already, as one go-containerregistry Pusher
// does: artifacts that share a blob (attestations share the empty config)
// check it with one HEAD, not one each. Use one for a run of related
// pushes; package attest keeps one per Referrers.
type Pusher struct {
	c       *Client
	pushers sync.Map // repository name -> *remote.Pusher
}

// NewPusher returns a Pusher that pushes through c.
func (c *Client) NewPusher() *Pusher { return &Pusher{c: c} }

// Push is Client.Push, sharing what this Pusher knows of the repository.
func (p *Pusher) Push(ctx context.Context, ref string, img v1.Image) (*Manifest, error) {
	return p.c.push(ctx, ref, img, p)
}

// pusherFor returns the go-containerregistry Pusher for repo, made with
// opts the first time. Each push passes its own context, and the
// transport in opts is the client's one for the repository.
func (p *Pusher) pusherFor(repo name.Repository, opts []remote.Option) (*remote.Pusher, error) {
	if v, ok := p.pushers.Load(repo.Name()); ok {
		return v.(*remote.Pusher), nil
	}
	rp, err := remote.NewPusher(opts...)
	if err != nil {
		return nil, err
	}
	v, _ := p.pushers.LoadOrStore(repo.Name(), rp)
	return v.(*remote.Pusher), nil
}
