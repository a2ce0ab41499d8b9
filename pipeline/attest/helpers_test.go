package attest

import (
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/patchline/patchline/pipeline/registry"
)

// created is the fixed build time every test passes in.
var created = time.Date(2026, 2, 4, 10, 0, 0, 0, time.UTC)

// registryKind is one registry implementation the referrers layout must
// work with.
type registryKind struct {
	name string
	// referrers is whether it has the referrers API.
	referrers bool
	handler   func(t testing.TB) http.Handler
}

// ggcrRegistry is go-containerregistry's in-process registry.
func ggcrRegistry(referrers bool) func(t testing.TB) http.Handler {
	return func(t testing.TB) http.Handler {
		return ggcrregistry.New(
			ggcrregistry.WithReferrersSupport(referrers),
			ggcrregistry.Logger(log.New(io.Discard, "", 0)),
		)
	}
}

var (
	ggcrWithAPI    = registryKind{"ggcr-referrers-api", true, ggcrRegistry(true)}
	ggcrWithoutAPI = registryKind{"ggcr-fallback-tag", false, ggcrRegistry(false)}
)

// registryKinds are every registry the referrers tests run against:
// go-containerregistry's with and without the referrers API, olareg (with
// it) and CNCF Distribution (without it, like GHCR).
var registryKinds = []registryKind{ggcrWithAPI, ggcrWithoutAPI, olaregKind, distributionKind}

// newRegistry starts a registry of the given kind over real HTTP, wrapped by
// wrap when it is not nil.
func newRegistry(t *testing.T, kind registryKind, wrap func(http.Handler) http.Handler) name.Registry {
	t.Helper()
	h := kind.handler(t)
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	reg, err := name.NewRegistry(strings.TrimPrefix(srv.URL, "http://"), name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

// newClient returns a registry client for the tests' registries.
func newClient(t testing.TB, opts ...registry.Option) *registry.Client {
	t.Helper()
	c, err := registry.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// newReferrers returns a Referrers with a client of its own.
func newReferrers(t testing.TB, opts ...Option) *Referrers {
	t.Helper()
	r, err := NewReferrers(newClient(t), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// rawIndex is an OCI image index given as bytes, for remote.Put.
type rawIndex []byte

func (b rawIndex) RawManifest() ([]byte, error)        { return b, nil }
func (b rawIndex) MediaType() (types.MediaType, error) { return types.OCIImageIndex, nil }

// platformImage returns a random image whose config names p, annotated as
// patchline's build stamps every platform variant.
func platformImage(t *testing.T, p v1.Platform) v1.Image {
	t.Helper()
	img, err := random.Image(256, 2)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Variant = p.OS, p.Architecture, p.Variant
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	img = mutate.MediaType(img, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	return mutate.Annotations(img, map[string]string{
		"org.opencontainers.image.version":     "1.6.0",
		"org.opencontainers.image.base.name":   "docker.io/library/debian:bookworm-slim",
		"org.opencontainers.image.base.digest": "sha256:" + strings.Repeat("b", 64),
	}).(v1.Image)
}

// testPlatforms are the platforms of the test index.
var testPlatforms = []v1.Platform{
	{OS: "linux", Architecture: "amd64"},
	{OS: "linux", Architecture: "arm64", Variant: "v8"},
}

// multiPlatformIndex assembles a two-platform OCI index the way patchline
// exports one: annotations on each descriptor and on the index itself.
func multiPlatformIndex(t *testing.T, mt types.MediaType) v1.ImageIndex {
	t.Helper()
	var adds []mutate.IndexAddendum
	for _, p := range testPlatforms {
		img := platformImage(t, p)
		if mt == types.DockerManifestList {
			img = mutate.MediaType(img, types.DockerManifestSchema2)
			img = mutate.ConfigMediaType(img, types.DockerConfigJSON)
		}
		imgMT, err := img.MediaType()
		if err != nil {
			t.Fatal(err)
		}
		p := p
		adds = append(adds, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{
			MediaType:   imgMT,
			Platform:    &p,
			Annotations: map[string]string{"org.opencontainers.image.version": "1.6.0"},
		}})
	}
	idx := mutate.AppendManifests(mutate.IndexMediaType(empty.Index, mt), adds...)
	return mutate.Annotations(idx, map[string]string{
		"org.opencontainers.image.version":  "1.6.0",
		"org.opencontainers.image.revision": strings.Repeat("c", 40),
	}).(v1.ImageIndex)
}

// platformDescriptors returns the index's entries in order.
func platformDescriptors(t *testing.T, idx v1.ImageIndex) []v1.Descriptor {
	t.Helper()
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	return im.Manifests
}

// readTestdata returns a file under testdata.
func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// testSBOM returns the checked-in SBOM of format f.
func testSBOM(t *testing.T, f Format) SBOM {
	t.Helper()
	file := map[Format]string{SPDXJSON: "spdx-debian.json", CycloneDXJSON: "cyclonedx-debian.json"}[f]
	s, err := ParseSBOM(f, readTestdata(t, file))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// purlSubject returns the BuildKit-style subject for a platform manifest.
func purlSubject(t *testing.T, ref string, d v1.Descriptor) Subject {
	t.Helper()
	n, err := ImagePURL(ref, d.Platform)
	if err != nil {
		t.Fatal(err)
	}
	return NewSubject(n, d.Digest)
}

// pushIndex writes idx and returns its reference by digest.
func pushIndex(t *testing.T, repo name.Repository, idx v1.ImageIndex, opts ...remote.Option) name.Digest {
	t.Helper()
	d, err := idx.Digest()
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.WriteIndex(repo.Tag("1.6.0"), idx, opts...); err != nil {
		t.Fatal(err)
	}
	return repo.Digest(d.String())
}

// mustJSON marshals v or fails the test.
func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// appendRaw adds img to idx as an attestation manifest for target, without
// the checks AttachToIndex makes.
func appendRaw(t *testing.T, idx v1.ImageIndex, img v1.Image, target string) v1.ImageIndex {
	t.Helper()
	return mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{
		MediaType: types.OCIManifestSchema1,
		Platform:  unknownPlatform(),
		Annotations: map[string]string{
			AnnotationReferenceType:   ReferenceTypeAttestation,
			AnnotationReferenceDigest: target,
		},
	}})
}

// withFallbackAttempts sets how many times Attach reads the fallback tag
// back and merges its entry in again before giving up with
// ErrFallbackConflict. Default: 5. It must be at least 1.
func withFallbackAttempts(n int) Option {
	return func(r *Referrers) error {
		if n < 1 {
			return fmt.Errorf("fallback attempts must be at least 1, got %d", n)
		}
		r.attempts = n
		return nil
	}
}
