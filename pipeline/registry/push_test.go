package registry_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/patchline/patchline/pipeline/internal/testing/regtest"
	"github.com/patchline/patchline/pipeline/registry"
)

// The publish step: push the index once, then every further tag is one
// manifest PUT of the same bytes, with no blob upload and no read.
func TestPushIndexThenTagsCostsOnePUTEach(t *testing.T) {
	forEachImpl(t, func(t *testing.T, srv *regtest.Server) {
		ctx := context.Background()
		idx := regtest.Index(t, "linux/amd64", "linux/arm64")
		c, _ := newClient(t)

		m, err := c.PushIndex(ctx, srv.Ref("app:1.6.0"), idx)
		if err != nil {
			t.Fatal(err)
		}
		if m.Digest != digestOf(t, idx) || !m.IsIndex() || len(m.Manifests) != 2 {
			t.Fatalf("PushIndex returned %+v", m.Descriptor)
		}
		pushed := srv.Counts()
		if pushed.PutManifest != 3 || pushed.BlobUpload == 0 {
			t.Errorf("push: %s; want 3 manifest PUTs (2 children, 1 index) and some uploads", pushed)
		}

		extra := []string{"1.6.0-20260204", "1.6", "1", "stable", "latest"}
		srv.ResetCounts()
		before := c.Counter().Counts()
		for _, tag := range extra {
			if err := c.Tag(ctx, srv.Ref("app"), tag, m); err != nil {
				t.Fatal(err)
			}
		}
		want := map[registry.Kind]int64{registry.KindPutManifest: int64(len(extra))}
		onlyKinds(t, "client", c.Counter().Counts().Sub(before), want)
		onlyKinds(t, "server", srv.Counts(), want)

		for _, tag := range append(extra, "1.6.0") {
			if got := directHead(t, srv, srv.Ref("app:"+tag)); got != m.Digest {
				t.Errorf("%s -> %s, want %s", tag, got, m.Digest)
			}
		}
		checkComplete(t, srv, srv.Ref("app:latest"))
	})
}

// Content goes up once: pushing the same index under another tag uploads
// no blob, and pushing it again under the same tag writes nothing.
func TestPushSkipsExistingContent(t *testing.T) {
	forEachImpl(t, func(t *testing.T, srv *regtest.Server) {
		ctx := context.Background()
		idx := regtest.Index(t)
		c, _ := newClient(t)
		if _, err := c.PushIndex(ctx, srv.Ref("app:1.0.0"), idx); err != nil {
			t.Fatal(err)
		}

		srv.ResetCounts()
		if _, err := c.PushIndex(ctx, srv.Ref("app:1.0.0-20260204"), idx); err != nil {
			t.Fatal(err)
		}
		if got := srv.Counts(); got.BlobUpload != 0 || got.PutManifest != 1 {
			t.Errorf("second tag by Push: %s; want no upload and 1 manifest PUT", got)
		}

		srv.ResetCounts()
		if _, err := c.PushIndex(ctx, srv.Ref("app:1.0.0"), idx); err != nil {
			t.Fatal(err)
		}
		onlyKinds(t, "server", srv.Counts(), map[registry.Kind]int64{registry.KindHeadManifest: 1})
	})
}

// A single-platform image pushes and re-tags the same way, and a Manifest
// read back by Inspect can be tagged without another read.
func TestPushImageAndRetagFromInspect(t *testing.T) {
	forEachImpl(t, func(t *testing.T, srv *regtest.Server) {
		ctx := context.Background()
		img := regtest.Image(t)
		c, _ := newClient(t)
		if _, err := c.Push(ctx, srv.Ref("app:edge-main"), img); err != nil {
			t.Fatal(err)
		}
		m, err := c.Inspect(ctx, srv.Ref("app:edge-main"))
		if err != nil {
			t.Fatal(err)
		}
		srv.ResetCounts()
		if err := c.Tag(ctx, srv.Ref("app"), "edge-sha-0123abc", m); err != nil {
			t.Fatal(err)
		}
		onlyKinds(t, "server", srv.Counts(), map[registry.Kind]int64{registry.KindPutManifest: 1})
		if got := directHead(t, srv, srv.Ref("app:edge-sha-0123abc")); got != digestOf(t, img) {
			t.Errorf("re-tag points at %s, want %s", got, digestOf(t, img))
		}
	})
}

func TestTagRejectsBadInput(t *testing.T) {
	srv := regtest.GGCR().Start(t)
	c, _ := newClient(t)
	m, err := c.Push(context.Background(), srv.Ref("app:1"), regtest.Image(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		tag  string
		m    *registry.Manifest
		want error
	}{
		{"-leading-dash", m, registry.ErrInvalidReference},
		{"has/slash", m, registry.ErrInvalidReference},
		{string(make([]byte, 129)), m, registry.ErrInvalidReference},
		{"ok", nil, nil},
		{"ok", &registry.Manifest{}, nil},
	} {
		t.Run(fmt.Sprintf("%.12q", tc.tag), func(t *testing.T) {
			srv.ResetCounts()
			err := c.Tag(context.Background(), srv.Ref("app"), tc.tag, tc.m)
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Errorf("Tag = %v, want an error wrapping %v", err, tc.want)
			}
			if n := srv.Counts().Total(); n != 0 {
				t.Errorf("bad input reached the registry: %d requests", n)
			}
		})
	}
}

// A Pusher remembers what it pushed: two images that share a layer check
// it with one HEAD, where two calls of Client.Push check it twice.
func TestPusherChecksASharedBlobOnce(t *testing.T) {
	forEachImpl(t, func(t *testing.T, srv *regtest.Server) {
		ctx := context.Background()
		shared := static.NewLayer([]byte("shared layer"), types.OCILayer)
		image := func(own string) v1.Image {
			img, err := mutate.AppendLayers(empty.Image, shared, static.NewLayer([]byte(own), types.OCILayer))
			if err != nil {
				t.Fatal(err)
			}
			return mutate.MediaType(mutate.ConfigMediaType(img, types.OCIConfigJSON), types.OCIManifestSchema1)
		}
		heads := func(push func(ref string, img v1.Image) error, repo string) int64 {
			srv.ResetCounts()
			for i, own := range []string{"a", "b"} {
				if err := push(srv.Ref(fmt.Sprintf("%s:%d", repo, i)), image(repo+own)); err != nil {
					t.Fatal(err)
				}
			}
			return srv.Counts().HeadBlob
		}
		c, _ := newClient(t)
		p := c.NewPusher()
		viaPusher := heads(func(ref string, img v1.Image) error { _, err := p.Push(ctx, ref, img); return err }, "one")
		viaClient := heads(func(ref string, img v1.Image) error { _, err := c.Push(ctx, ref, img); return err }, "two")
		// Each image: its config, the shared layer, its own layer.
		if viaClient != 6 || viaPusher != 5 {
			t.Errorf("HEAD blob: %d through a Pusher, %d through Client.Push; want 5 and 6", viaPusher, viaClient)
		}
		checkComplete(t, srv, srv.Ref("one:1"))
	})
}
