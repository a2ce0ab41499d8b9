package registry_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"testing"

	"github.com/patchline/patchline/pipeline/internal/testing/regtest"
	"github.com/patchline/patchline/pipeline/registry"
)

// Read costs one GET and hands back an index or an image, as the media
// type says; what it refers to is read only when asked for.
func TestReadReadsOnlyWhatIsAskedFor(t *testing.T) {
	forEachImpl(t, func(t *testing.T, srv *regtest.Server) {
		idx := srv.SeedIndex(t, "app:1", "linux/amd64", "linux/arm64")
		img := srv.SeedImage(t, "app:img")
		c, _ := newClient(t)
		ctx := context.Background()

		gotImg, gotIdx, err := c.Read(ctx, srv.Ref("app:1"))
		if err != nil || gotImg != nil || gotIdx == nil {
			t.Fatalf("Read(index) = %v, %v, %v", gotImg, gotIdx, err)
		}
		if d, _ := gotIdx.Digest(); d != digestOf(t, idx) {
			t.Errorf("index digest %s, want %s", d, digestOf(t, idx))
		}
		onlyKinds(t, "client", c.Counter().Counts(), map[registry.Kind]int64{registry.KindGetManifest: 1})
		im, err := gotIdx.IndexManifest()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := gotIdx.Image(im.Manifests[0].Digest); err != nil {
			t.Fatal(err)
		}
		onlyKinds(t, "client", c.Counter().Counts(), map[registry.Kind]int64{registry.KindGetManifest: 2})

		gotImg, gotIdx, err = c.Read(ctx, srv.Ref("app:img"))
		if err != nil || gotImg == nil || gotIdx != nil {
			t.Fatalf("Read(image) = %v, %v, %v", gotImg, gotIdx, err)
		}
		if d, _ := gotImg.Digest(); d != digestOf(t, img) {
			t.Errorf("image digest %s, want %s", d, digestOf(t, img))
		}
		if _, err := c.Index(ctx, srv.Ref("app:img")); !errors.Is(err, registry.ErrNotIndex) {
			t.Errorf("Index(image) = %v, want ErrNotIndex", err)
		}
	})
}

// A child manifest read after Read fails as every client call does: with
// the sentinel and the status.
func TestIndexChildFailsWithClientErrors(t *testing.T) {
	srv := regtest.GGCR().Start(t)
	srv.SeedIndex(t, "app:1", "linux/amd64")
	c, _ := newClient(t)
	idx, err := c.Index(context.Background(), srv.Ref("app:1"))
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	srv.Inject(regtest.Fault{Match: regtest.OfKind(registry.KindGetManifest), Status: http.StatusNotFound})
	_, err = idx.Image(im.Manifests[0].Digest)
	var rerr *registry.Error
	if !errors.Is(err, registry.ErrNotFound) || !errors.As(err, &rerr) || rerr.StatusCode != http.StatusNotFound {
		t.Fatalf("err = %v, want a *registry.Error wrapping ErrNotFound with status 404", err)
	}
}

// Put writes a manifest again at its digest with one PUT, and refuses
// bytes that are not what the digest names before any request.
func TestPutByDigest(t *testing.T) {
	forEachImpl(t, func(t *testing.T, srv *regtest.Server) {
		srv.SeedImage(t, "app:1")
		m := seededManifest(t, srv)
		c, _ := newClient(t)
		ctx := context.Background()
		if err := c.Put(ctx, srv.Ref("app@"+m.Digest.String()), m); err != nil {
			t.Fatal(err)
		}
		onlyKinds(t, "client", c.Counter().Counts(), map[registry.Kind]int64{registry.KindPutManifest: 1})
		other := srv.SeedImage(t, "app:2")
		err := c.Put(ctx, srv.Ref("app@"+digestOf(t, other).String()), m)
		if !errors.Is(err, registry.ErrInvalidReference) {
			t.Errorf("Put at another digest: %v, want ErrInvalidReference", err)
		}
		onlyKinds(t, "client", c.Counter().Counts(), map[registry.Kind]int64{registry.KindPutManifest: 1})
	})
}

// Blob reads a whole blob with one GET, and no further than the limit.
func TestBlob(t *testing.T) {
	srv := regtest.GGCR().Start(t)
	img := srv.SeedImage(t, "app:1")
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	l := layers[0]
	d, _ := l.Digest()
	size, _ := l.Size()
	rc, err := l.Compressed()
	if err != nil {
		t.Fatal(err)
	}
	want, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		t.Fatal(err)
	}
	c, _ := newClient(t)
	ctx := context.Background()
	got, err := c.Blob(ctx, srv.Ref("app@"+d.String()), size)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("Blob = %d bytes, %v; want the %d bytes of the layer", len(got), err, len(want))
	}
	onlyKinds(t, "client", c.Counter().Counts(), map[registry.Kind]int64{registry.KindGetBlob: 1})
	if _, err := c.Blob(ctx, srv.Ref("app@"+d.String()), size-1); !errors.Is(err, registry.ErrTooLarge) {
		t.Errorf("Blob past its limit: %v, want ErrTooLarge", err)
	}
	if _, err := c.Blob(ctx, srv.Ref("app:1"), size); !errors.Is(err, registry.ErrInvalidReference) {
		t.Errorf("Blob by tag: %v, want ErrInvalidReference", err)
	}
}
