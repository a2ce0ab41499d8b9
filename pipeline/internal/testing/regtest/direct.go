package regtest

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/patchline/patchline/pipeline/registry"
)

// Direct returns remote options that reach the registry through the side
// door: straight into the implementation's handler, in memory, past the
// counters, faults, latency and auth. Tests use it to seed content and to
// check what a push left behind without disturbing the counts.
func (s *Server) Direct() []remote.Option {
	return []remote.Option{remote.WithTransport(s.DirectTransport())}
}

// DirectTransport is the side door as an http.RoundTripper, for a client
// that should read without being counted.
func (s *Server) DirectTransport() http.RoundTripper {
	return handlerTransport{s.registry}
}

// handlerTransport serves requests with a handler, no network involved.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	in := req.Clone(req.Context())
	if in.Body == nil {
		in.Body = http.NoBody
	}
	if in.Host == "" {
		in.Host = req.URL.Host
	}
	in.RequestURI = req.URL.RequestURI()
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, in)
	resp := rec.Result()
	resp.Request = req
	return resp, nil
}

// DirectClient is a registry client through the side door, for code under
// test that takes one (attest.Referrers) where the test only checks what
// is there.
func (s *Server) DirectClient(tb testing.TB) *registry.Client {
	tb.Helper()
	c, err := registry.New(registry.WithTransport(s.DirectTransport()))
	if err != nil {
		tb.Fatal(err)
	}
	return c
}
