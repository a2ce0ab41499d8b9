package registry_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	ggcr "github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/patchline/patchline/pipeline/registry"
)

// GHCR and Docker Hub answer a blob download with a redirect to storage
// whose path says nothing of a blob. That request is still the download:
// it may take as long as its size needs while bytes keep moving, and only
// a stall ends it, as for any blob.
func TestARedirectedBlobDownloadIsHeldToTheStallDeadline(t *testing.T) {
	inner := ggcr.New()
	blobPath := regexp.MustCompile(`^/v2/.+/blobs/(sha256:[0-9a-f]{64})$`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if m := blobPath.FindStringSubmatch(r.URL.Path); m != nil && r.Method == http.MethodGet {
			http.Redirect(w, r, "/storage/"+m[1]+"?for="+strings.TrimPrefix(r.URL.Path, "/v2/"), http.StatusTemporaryRedirect)
			return
		}
		if d, ok := strings.CutPrefix(r.URL.Path, "/storage/"); ok {
			rec := httptest.NewRecorder()
			inner.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v2/"+strings.TrimSuffix(r.URL.Query().Get("for"), "/blobs/"+d)+"/blobs/"+d, nil))
			body := rec.Body.Bytes()
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			w.WriteHeader(http.StatusOK)
			// The whole answer takes about 8 × 60 ms, longer than the
			// 200 ms per-request deadline; no gap between bytes does.
			for i := range 8 {
				w.Write(body[i*len(body)/8 : (i+1)*len(body)/8])
				w.(http.Flusher).Flush()
				time.Sleep(60 * time.Millisecond)
			}
			return
		}
		inner.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	img, err := random.Image(64<<10, 1)
	if err != nil {
		t.Fatal(err)
	}
	ref, _ := name.ParseReference(host + "/acme/app:1")
	if err := remote.Write(ref, img); err != nil {
		t.Fatal(err)
	}
	layers, _ := img.Layers()
	d, _ := layers[0].Digest()
	size, _ := layers[0].Size()
	rc, _ := layers[0].Compressed()
	want, _ := io.ReadAll(rc)

	c, err := registry.New(registry.WithTimeouts(shortTimeouts), registry.WithRetry(twoAttempts))
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Blob(context.Background(), host+"/acme/app@"+d.String(), size)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("a redirected blob download that keeps moving: %d bytes, %v", len(got), err)
	}
}
