package registry_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	ggcr "github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/patchline/patchline/pipeline/registry"
)

// A registry that sends the headers of a manifest and then stalls has not
// answered: the attempt times out and is retried like one that never
// answered, and the call gets the manifest from the next attempt.
func TestAManifestWhoseBodyStallsIsRetried(t *testing.T) {
	inner := ggcr.New()
	var gets atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/manifests/") && gets.Add(1) == 1 {
			w.Header().Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
			w.Header().Set("Content-Length", "400")
			w.WriteHeader(http.StatusOK)
			w.Write([]byte("{"))
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
			return
		}
		inner.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	img, err := random.Image(1024, 1)
	if err != nil {
		t.Fatal(err)
	}
	ref, _ := name.ParseReference(host + "/acme/app:1")
	if err := remote.Write(ref, img); err != nil {
		t.Fatal(err)
	}
	want, _ := img.Digest()
	c, err := registry.New(registry.WithTimeouts(shortTimeouts), registry.WithRetry(twoAttempts))
	if err != nil {
		t.Fatal(err)
	}
	m, err := c.Inspect(context.Background(), host+"/acme/app:1")
	if err != nil || m.Digest != want {
		t.Fatalf("a manifest whose first answer stalled: %v %v; want %s from the second attempt", m, err, want)
	}
	if n := gets.Load(); n != 2 {
		t.Errorf("%d manifest GETs; want the stalled one and its retry", n)
	}
}
