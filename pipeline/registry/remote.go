package registry

import (
	"context"
	"net/http"

	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// remoteOptions are the options every go-containerregistry remote call of
// the client gets. rt is an authenticated *transport.Wrapper from the cache,
// which remote takes as final: it adds neither auth nor its own retry layer.
// Its operation-level retry (the loop that starts an upload or a manifest
// PUT over, sleeping in real time) is reduced to one step, so retries are
// never multiplied: the retry transport replays what can be replayed, and
// Client.Push starts interrupted uploads over.
func (c *Client) remoteOptions(ctx context.Context, rt http.RoundTripper) []remote.Option {
	return []remote.Option{
		remote.WithContext(ctx),
		remote.WithTransport(rt),
		remote.WithJobs(c.jobs),
		remote.WithRetryBackoff(remote.Backoff{Steps: 1}),
		remote.WithRetryPredicate(func(error) bool { return false }),
		remote.WithRetryStatusCodes(),
	}
}

// RemoteOptions returns options for go-containerregistry's remote package
// that carry this client's credentials, retry policy and Counter, for code
// that needs a remote call the client does not wrap (remote.Referrers, a
// push of a manifest with a subject). write asks for push access to repo.
//
// The options carry one wait budget (RetryPolicy.MaxWait): ask for fresh
// options per operation. remote.Write and friends do not start an
// interrupted blob upload over, as Client.Push does: run such writes
// through Do, which does.
func (c *Client) RemoteOptions(ctx context.Context, repo string, write bool) ([]remote.Option, error) {
	const op = "connecting to"
	r, err := c.ParseRepository(repo)
	if err != nil {
		return nil, c.fail(op, repo, nil, err)
	}
	ctx, call := c.begin(ctx)
	rt, err := c.transport.get(ctx, r, write)
	if err != nil {
		return nil, c.fail(op, repo, call, err)
	}
	return c.remoteOptions(ctx, rt), nil
}
