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
