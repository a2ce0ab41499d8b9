package registry

import (
	"context"
	"net/http"
	"sync"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// countingTransport counts every request it passes on. It sits right above
// the network, below the retry layer, so every attempt is counted.
type countingTransport struct {
	inner   http.RoundTripper
	counter *Counter
}

func (t *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.counter.Add(KindOf(req.Method, req.URL.Path))
	return t.inner.RoundTrip(req)
}

// transportCache keeps one authenticated transport per repository and
// access (pull, or push and pull). Building one costs a /v2/ ping and, for
// token registries, a token exchange; a run resolving ten bases in one
// repository pays that once.
//
// The transports are go-containerregistry's *transport.Wrapper: remote
// takes a Wrapper as "already authenticated, add no retry layer", which is
// how the retry policy of this package stays the only one.
type transportCache struct {
	base  http.RoundTripper
	creds credentials

	mu      sync.Mutex
	entries map[transportKey]*transportEntry
}

type transportKey struct {
	registry, repository string
	push                 bool
}

type transportEntry struct {
	ready chan struct{}
	rt    http.RoundTripper
	err   error
}

func newTransportCache(base http.RoundTripper, creds credentials) *transportCache {
	return &transportCache{base: base, creds: creds, entries: map[transportKey]*transportEntry{}}
}

// get returns the transport for repo. A reader is handed a push transport
// when one exists already (push scope includes pull), so a run that pushes
// and then reads back authenticates once. A failed build is not cached.
func (tc *transportCache) get(ctx context.Context, repo name.Repository, push bool) (http.RoundTripper, error) {
	key := transportKey{registry: repo.RegistryStr(), repository: repo.RepositoryStr(), push: push}
	tc.mu.Lock()
	if !push {
		if e, ok := tc.entries[transportKey{key.registry, key.repository, true}]; ok && isReady(e) && e.err == nil {
			tc.mu.Unlock()
			return e.rt, nil
		}
	}
	e, ok := tc.entries[key]
	if !ok {
		e = &transportEntry{ready: make(chan struct{})}
		tc.entries[key] = e
	}
	tc.mu.Unlock()

	if !ok {
		e.rt, e.err = tc.build(ctx, repo, push)
		if e.err != nil {
			tc.mu.Lock()
			delete(tc.entries, key)
			tc.mu.Unlock()
		}
		close(e.ready)
		return e.rt, e.err
	}
	select {
	case <-e.ready:
		if e.err != nil {
			// Someone else's attempt failed; try for ourselves.
			return tc.get(ctx, repo, push)
		}
		return e.rt, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func isReady(e *transportEntry) bool {
	select {
	case <-e.ready:
		return true
	default:
		return false
	}
}

func (tc *transportCache) build(ctx context.Context, repo name.Repository, push bool) (http.RoundTripper, error) {
	scope := transport.PullScope
	if push {
		scope = transport.PushScope
	}
	auth := tc.creds.authenticator(repo.RegistryStr())
	return transport.NewWithContext(ctx, repo.Registry, auth, tc.base, []string{repo.Scope(scope)})
}
