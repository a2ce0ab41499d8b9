package regtest

import (
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Seed pushes an image or index to ref ("app:1.0", or a full reference on
// this server) through the side door: it is not counted and trips no fault.
func (s *Server) Seed(tb testing.TB, ref string, t remote.Taggable) {
	tb.Helper()
	r := s.parse(tb, ref)
	if err := remote.Push(r, t, s.Direct()...); err != nil {
		tb.Fatalf("regtest: seeding %s: %v", r, err)
	}
}

// SeedImage pushes a new random image to ref and returns it.
func (s *Server) SeedImage(tb testing.TB, ref string) v1.Image {
	tb.Helper()
	img := Image(tb)
	s.Seed(tb, ref, img)
	return img
}

// SeedIndex pushes a new random index with one image per platform to ref
// and returns it.
func (s *Server) SeedIndex(tb testing.TB, ref string, platforms ...string) v1.ImageIndex {
	tb.Helper()
	idx := Index(tb, platforms...)
	s.Seed(tb, ref, idx)
	return idx
}

// parse reads ref as a reference on this server; a ref without this
// server's host gets it prepended.
func (s *Server) parse(tb testing.TB, ref string) name.Reference {
	tb.Helper()
	if !strings.HasPrefix(ref, s.Host+"/") {
		ref = s.Ref(ref)
	}
	r, err := name.ParseReference(ref, name.Insecure)
	if err != nil {
		tb.Fatalf("regtest: reference %q: %v", ref, err)
	}
	return r
}

// Image returns a new random OCI image: one small layer, OCI media types
// throughout, so annotations are meaningful on it.
func Image(tb testing.TB) v1.Image {
	tb.Helper()
	layer, err := random.Layer(256, types.OCILayer)
	if err != nil {
		tb.Fatalf("regtest: random layer: %v", err)
	}
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	img, err = mutate.AppendLayers(img, layer)
	if err != nil {
		tb.Fatalf("regtest: random image: %v", err)
	}
	return img
}

// Index returns a new OCI index with one random image per platform
// ("linux/amd64", "linux/arm64/v8"), each entry carrying its platform;
// with no platforms, linux/amd64 and linux/arm64.
func Index(tb testing.TB, platforms ...string) v1.ImageIndex {
	tb.Helper()
	if len(platforms) == 0 {
		platforms = []string{"linux/amd64", "linux/arm64"}
	}
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, p := range platforms {
		plat, err := v1.ParsePlatform(p)
		if err != nil {
			tb.Fatalf("regtest: platform %q: %v", p, err)
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{
			Add:        Image(tb),
			Descriptor: v1.Descriptor{Platform: plat},
		})
	}
	return idx
}
