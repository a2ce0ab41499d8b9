package rebase

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/patchline/patchline/pipeline/internal/testing/regtest"
	"github.com/patchline/patchline/pipeline/registry"
)

// seeded is a fixture pushed to a test registry: base:12.1, base:12.2 and
// app:1.6.0, the app recording base:12 as its base name.
type seeded struct {
	fixture
	srv *regtest.Server
}

func seed(t *testing.T, srv *regtest.Server, f fixture) seeded {
	t.Helper()
	srv.Seed(t, "base:12.1", f.oldBase)
	srv.Seed(t, "base:12.2", f.newBase)
	srv.Seed(t, "app:1.6.0", f.app)
	return seeded{fixture: f, srv: srv}
}

func (s seeded) request(t *testing.T) FetchRequest {
	t.Helper()
	return FetchRequest{
		Image:   s.srv.Ref("app@" + digestOf(t, s.app).String()),
		NewBase: s.srv.Ref("base@" + digestOf(t, s.newBase).String()),
	}
}

// newClient returns a client that speaks plain HTTP to srv, as the
// pipeline's client is set up for a local registry.
func newClient(t *testing.T, srv *regtest.Server) *registry.Client {
	t.Helper()
	c, err := registry.New(registry.WithInsecure(srv.Host))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// wantCounts checks the requests of each kind, and that Other (the /v2/
// ping, once per repository and client; go-containerregistry tries HTTPS
// and HTTP side by side for a plain-HTTP host, so two) is at most
// maxOther.
func wantCounts(t *testing.T, what string, got registry.Counts, want registry.Counts, maxOther int64) {
	t.Helper()
	other := got.Other
	got.Other, want.Other = 0, 0
	if got != want || other > maxOther {
		t.Errorf("%s: %s and %d other\nwant %s and at most %d other", what, got, other, want, maxOther)
	}
}

// The whole refresh-by-rebase path on every registry: Fetch reads the line
// with one GET per manifest and config it needs, Rebase makes the new
// index, the push round-trips byte for byte, and a second refresh against
// the same new base finds nothing to do for 4 manifest GETs.
func TestRebaseThroughRegistries(t *testing.T) {
	for _, impl := range regtest.All() {
		t.Run(impl.Name, func(t *testing.T) {
			ctx := context.Background()
			srv := impl.Start(t)
			s := seed(t, srv, newFixture(t, srv.Ref("base:12")))
			c := newClient(t, srv)

			before := c.Counter().Counts()
			in, err := Fetch(ctx, c, s.request(t))
			if err != nil {
				t.Fatal(err)
			}
			in.Created = refreshTime
			out, err := Rebase(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			// Index, 2 platform manifests, new base index, 2 new base
			// manifests, 2 old base manifests; 6 configs; no layer.
			wantCounts(t, "fetch and rebase", c.Counter().Counts().Sub(before), registry.Counts{GetManifest: 8, GetBlob: 6}, 4) // app, base
			checkRebasedLine(t, s.fixture, out)

			srv.ResetCounts()
			m, err := c.PushIndex(ctx, srv.Ref("app:1.6.0-r1"), out.Index)
			if err != nil {
				t.Fatal(err)
			}
			pushed := srv.Counts()
			t.Logf("push: %s", pushed)
			if m.Digest != digestOf(t, out.Index) {
				t.Fatalf("pushed %s, rebased %s", m.Digest, digestOf(t, out.Index))
			}
			if pushed.GetBlob != 0 || pushed.PutManifest != 3 {
				t.Errorf("push: %s; want no layer read back and 3 manifest PUTs (2 platforms, index)", pushed)
			}

			// Round trip: what the registry serves is what was rebased, and
			// every blob it names is there with the right content.
			ref, err := name.ParseReference(srv.Ref("app:1.6.0-r1"), name.Insecure)
			if err != nil {
				t.Fatal(err)
			}
			back, err := remote.Index(ref, srv.Direct()...)
			if err != nil {
				t.Fatal(err)
			}
			checkBlobs(t, back)
			sameBytes(t, "index", back.RawManifest, out.Index.RawManifest)
			for _, p := range platforms {
				a, b := imageFor(t, back, p), imageFor(t, out.Index, p)
				sameBytes(t, p.String()+" manifest", a.RawManifest, b.RawManifest)
				sameBytes(t, p.String()+" config", a.RawConfigFile, b.RawConfigFile)
			}
			checkRebasedLine(t, s.fixture, Output{Index: back, Platforms: out.Platforms})

			// The next refresh: the base has not moved since.
			before = c.Counter().Counts()
			req := s.request(t)
			req.Image = srv.Ref("app@" + m.Digest.String())
			in2, err := Fetch(ctx, c, req)
			if err != nil {
				t.Fatal(err)
			}
			in2.Created = refreshTime.Add(7 * 24 * time.Hour)
			out2, err := Rebase(ctx, in2)
			if err != nil {
				t.Fatal(err)
			}
			if !out2.Unchanged {
				t.Fatalf("second refresh: %+v, want Unchanged", out2.Platforms)
			}
			// Index, 2 platform manifests, new base index: nothing else.
			wantCounts(t, "second fetch and rebase", c.Counter().Counts().Sub(before), registry.Counts{GetManifest: 4}, 0)
		})
	}
}

// checkBlobs reads every layer of every platform image of idx from the
// registry and checks its digest (the remote reader verifies it) and its
// diff ID against the config.
func checkBlobs(t *testing.T, idx v1.ImageIndex) {
	t.Helper()
	for _, p := range platformsOf(t, idx) {
		img := imageFor(t, idx, p)
		layers, err := img.Layers()
		if err != nil {
			t.Fatal(err)
		}
		diffs := configOf(t, img).RootFS.DiffIDs
		for i, l := range layers {
			rc, err := l.Compressed()
			if err != nil {
				t.Fatalf("%s layer %d: %v", p, i, err)
			}
			if _, err := io.Copy(io.Discard, rc); err != nil {
				t.Fatalf("%s layer %d: %v", p, i, err)
			}
			if err := rc.Close(); err != nil {
				t.Fatal(err)
			}
			u, err := l.Uncompressed()
			if err != nil {
				t.Fatal(err)
			}
			h, _, err := v1.SHA256(u)
			if err != nil {
				t.Fatal(err)
			}
			if err := u.Close(); err != nil {
				t.Fatal(err)
			}
			if h != diffs[i] {
				t.Errorf("%s layer %d: content %s, config says %s", p, i, h, diffs[i])
			}
		}
	}
}

func sameBytes(t *testing.T, what string, a, b func() ([]byte, error)) {
	t.Helper()
	x, err := a()
	if err != nil {
		t.Fatal(err)
	}
	y, err := b()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(x, y) {
		t.Errorf("%s differs after the round trip", what)
	}
}

// The refusals, with the inputs read from a registry.
func TestRebaseThroughRegistriesRefuses(t *testing.T) {
	for _, impl := range regtest.All() {
		t.Run(impl.Name, func(t *testing.T) {
			ctx := context.Background()
			srv := impl.Start(t)
			old := baseIndex(t, baseSpec{version: "12.1"})
			nu := baseIndex(t, baseSpec{version: "12.2"})
			other := baseIndex(t, baseSpec{version: "13"})
			srv.Seed(t, "base:12.1", old)
			srv.Seed(t, "base:12.2", nu)
			srv.Seed(t, "base:13", other)
			amdOnly := baseIndex(t, baseSpec{version: "12.2", platforms: []v1.Platform{amd64}})
			srv.Seed(t, "base:12.2-amd64", amdOnly)

			notOnBase := appIndex(t, old, appSpec{baseName: srv.Ref("base:12"), builtOn: map[string]v1.Image{
				amd64.String(): imageFor(t, other, amd64), arm64.String(): imageFor(t, other, arm64),
			}})
			unrecorded := appIndex(t, old, appSpec{baseName: srv.Ref("base:12"), noRecord: map[string]bool{arm64.String(): true}})
			good := appIndex(t, old, appSpec{baseName: srv.Ref("base:12")})
			for _, a := range []v1.ImageIndex{notOnBase, unrecorded, good} {
				srv.Seed(t, "app@"+digestOf(t, a).String(), a)
			}
			at := func(repo string, d interface{ Digest() (v1.Hash, error) }) string {
				return srv.Ref(repo + "@" + digestOf(t, d).String())
			}
			c := newClient(t, srv)
			run := func(req FetchRequest) error {
				in, err := Fetch(ctx, c, req)
				if err != nil {
					return err
				}
				in.Created = refreshTime
				_, err = Rebase(ctx, in)
				return err
			}

			err := run(FetchRequest{Image: at("app", notOnBase), NewBase: at("base", nu)})
			if !errors.Is(err, ErrNotBuiltOnBase) || !strings.Contains(err.Error(), "the image's layer 0 is") {
				t.Errorf("not built on the recorded base: err = %v", err)
			}
			err = run(FetchRequest{Image: at("app", unrecorded), NewBase: at("base", nu)})
			if !errors.Is(err, ErrNoRecordedBase) || !strings.Contains(err.Error(), "linux/arm64/v8") {
				t.Errorf("no recorded base: err = %v", err)
			}
			err = run(FetchRequest{Image: at("app", good), NewBase: at("base", amdOnly)})
			if !errors.Is(err, ErrPlatformMismatch) || !strings.Contains(err.Error(), "has no linux/arm64/v8 image (it has linux/amd64)") {
				t.Errorf("new base without arm64: err = %v", err)
			}
			err = run(FetchRequest{Image: at("app", good), NewBase: srv.Ref("base:12.2")})
			if !errors.Is(err, ErrInvalidInput) || !strings.Contains(err.Error(), "not pinned by digest") {
				t.Errorf("new base by tag: err = %v", err)
			}
			// The recorded old base is gone from where it is looked for.
			err = run(FetchRequest{Image: at("app", good), NewBase: at("base", nu), OldBaseRepository: srv.Ref("elsewhere")})
			var terr *transport.Error
			if err == nil || !strings.Contains(err.Error(), "reading the recorded old base") || !errors.As(err, &terr) || terr.StatusCode != 404 {
				t.Errorf("old base gone: err = %v", err)
			}
		})
	}
}

// A single-platform base (an image, not an index) serves a one-platform
// line.
func TestFetchSingleImageBase(t *testing.T) {
	ctx := context.Background()
	srv := regtest.GGCR().Start(t)
	only := []v1.Platform{amd64}
	old := baseIndex(t, baseSpec{version: "12.1", platforms: only})
	nu := imageFor(t, baseIndex(t, baseSpec{version: "12.2", platforms: only}), amd64)
	app := appIndex(t, old, appSpec{baseName: srv.Ref("base:12")})
	srv.Seed(t, "base:12.1", old)
	srv.Seed(t, "base:12.2", nu)
	srv.Seed(t, "app:1", app)
	in, err := Fetch(ctx, newClient(t, srv), FetchRequest{
		Image:   srv.Ref("app@" + digestOf(t, app).String()),
		NewBase: srv.Ref("base@" + digestOf(t, nu).String()),
	})
	if err != nil {
		t.Fatal(err)
	}
	in.Created = refreshTime
	out, err := Rebase(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Platforms) != 1 || out.Platforms[0].NewBase != digestOf(t, nu) || out.Platforms[0].Status != StatusRebased {
		t.Fatalf("report %+v", out.Platforms)
	}
}

// A platform manifest that records the base's index digest instead of its
// platform's image digest is refused by Fetch, which would otherwise have
// to guess.
func TestFetchRefusesIndexRecordedAsPlatformBase(t *testing.T) {
	ctx := context.Background()
	srv := regtest.GGCR().Start(t)
	old := baseIndex(t, baseSpec{version: "12.1"})
	nu := baseIndex(t, baseSpec{version: "12.2"})
	app := appIndex(t, old, appSpec{baseName: srv.Ref("base:12"), noRecord: map[string]bool{amd64.String(): true, arm64.String(): true}})
	// Record the index digest on every platform manifest.
	im, err := app.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, d := range im.Manifests {
		img, err := app.Image(d.Digest)
		if err != nil {
			t.Fatal(err)
		}
		img = mutate.Annotations(img, map[string]string{"org.opencontainers.image.base.digest": digestOf(t, old).String()}).(v1.Image)
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: d.Platform}})
	}
	srv.Seed(t, "base:12.1", old)
	srv.Seed(t, "base:12.2", nu)
	srv.Seed(t, "app:1", idx)
	_, err = Fetch(ctx, newClient(t, srv), FetchRequest{
		Image:   srv.Ref("app@" + digestOf(t, idx).String()),
		NewBase: srv.Ref("base@" + digestOf(t, nu).String()),
	})
	if !errors.Is(err, ErrBaseMismatch) || !strings.Contains(err.Error(), "which is a application/vnd.oci.image.index.v1+json") {
		t.Fatalf("err = %v, want ErrBaseMismatch naming the index", err)
	}
}
