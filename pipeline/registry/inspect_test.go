package registry_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/patchline/patchline/pipeline/internal/testing/regtest"
	"github.com/patchline/patchline/pipeline/registry"
)

const (
	annBaseName   = "org.opencontainers.image.base.name"
	annBaseDigest = "org.opencontainers.image.base.digest"
)

// releaseIndex builds what the release flow publishes: an index whose own
// annotations and whose per-platform entries both record the base, plus a
// BuildKit-style attestation entry that is not a platform.
func releaseIndex(t *testing.T) (v1.ImageIndex, map[string]v1.Hash) {
	t.Helper()
	base := map[string]string{annBaseName: "docker.io/library/debian:bookworm-slim", annBaseDigest: "sha256:" + string(bytes.Repeat([]byte("a"), 64))}
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	want := map[string]v1.Hash{}
	for _, p := range []string{"linux/amd64", "linux/arm64/v8"} {
		plat, err := v1.ParsePlatform(p)
		if err != nil {
			t.Fatal(err)
		}
		img := mutate.Annotations(regtest.Image(t), base).(v1.Image)
		want[p] = digestOf(t, img)
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: plat, Annotations: base}})
	}
	att := regtest.Image(t)
	idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: att, Descriptor: v1.Descriptor{
		Platform:    &v1.Platform{OS: "unknown", Architecture: "unknown"},
		Annotations: map[string]string{"vnd.docker.reference.type": "attestation-manifest", "vnd.docker.reference.digest": want["linux/amd64"].String()},
	}})
	return mutate.Annotations(idx, base).(v1.ImageIndex), want
}

// Inspect reads what a release recorded with exactly one GET, and keeps
// the bytes so a re-tag needs no second read.
func TestInspectReadsAnnotationsWithOneGET(t *testing.T) {
	forEachImpl(t, func(t *testing.T, srv *regtest.Server) {
		idx, _ := releaseIndex(t)
		srv.Seed(t, "app:1.6.0", idx)
		c, _ := newClient(t)

		m, err := c.Inspect(context.Background(), srv.Ref("app:1.6.0"))
		if err != nil {
			t.Fatal(err)
		}
		onlyKinds(t, "client", c.Counter().Counts(), map[registry.Kind]int64{registry.KindGetManifest: 1})
		onlyKinds(t, "server", srv.Counts(), map[registry.Kind]int64{registry.KindGetManifest: 1})

		raw, err := idx.RawManifest()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(m.Raw, raw) || m.Digest != digestOf(t, idx) || m.MediaType != types.OCIImageIndex || m.Size != int64(len(raw)) {
			t.Errorf("Inspect returned %s (%s, %d bytes), want the seeded index %s", m.Digest, m.MediaType, m.Size, digestOf(t, idx))
		}
		if m.Annotations[annBaseName] != "docker.io/library/debian:bookworm-slim" || m.Annotations[annBaseDigest] == "" {
			t.Errorf("index annotations = %v", m.Annotations)
		}
		if len(m.Manifests) != 3 {
			t.Fatalf("children = %d, want 3", len(m.Manifests))
		}
		for _, d := range m.Manifests[:2] {
			if d.Platform == nil || d.Annotations[annBaseName] == "" {
				t.Errorf("child %s lacks platform or annotations: %+v", d.Digest, d)
			}
		}
		if m.Config != nil {
			t.Errorf("an index has no config, got %+v", m.Config)
		}
	})
}

func TestInspectImage(t *testing.T) {
	srv := regtest.GGCR().Start(t)
	img := mutate.Annotations(regtest.Image(t), map[string]string{annBaseName: "alpine:3.20"}).(v1.Image)
	srv.Seed(t, "app:edge", img)
	c, _ := newClient(t)
	m, err := c.Inspect(context.Background(), srv.Ref("app:edge"))
	if err != nil {
		t.Fatal(err)
	}
	if m.IsIndex() || m.Manifests != nil || m.Config == nil || m.Annotations[annBaseName] != "alpine:3.20" {
		t.Errorf("Inspect(image) = %+v", m)
	}
}

// PlatformManifests gives each platform's digest from one GET and leaves
// the attestation entry out.
func TestPlatformManifests(t *testing.T) {
	forEachImpl(t, func(t *testing.T, srv *regtest.Server) {
		idx, want := releaseIndex(t)
		srv.Seed(t, "base:multi", idx)
		srv.SeedImage(t, "base:single")
		c, _ := newClient(t)

		got, err := c.PlatformManifests(context.Background(), srv.Ref("base:multi"))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("got %d platforms, want %d: %+v", len(got), len(want), got)
		}
		for _, d := range got {
			if want[d.Platform.String()] != d.Digest {
				t.Errorf("%s: digest %s, want %s", d.Platform, d.Digest, want[d.Platform.String()])
			}
		}
		onlyKinds(t, "server", srv.Counts(), map[registry.Kind]int64{registry.KindGetManifest: 1})

		_, err = c.PlatformManifests(context.Background(), srv.Ref("base:single"))
		if !errors.Is(err, registry.ErrNotIndex) {
			t.Errorf("single-platform image: err = %v, want ErrNotIndex", err)
		}
	})
}
