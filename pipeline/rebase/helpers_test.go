package rebase

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"maps"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/patchline/patchline/pipeline/build"
)

// The fixture line: a Debian-like base at 12.1 (old) and 12.2 (new), two
// platforms, two layers each, and an app 1.6.0 built on 12.1 by appending
// two layers per platform, recording its base the way the release flow
// does (base.name/base.digest on every platform manifest, the index entry
// and the index, the index holding the base's index digest).
var (
	amd64 = v1.Platform{OS: "linux", Architecture: "amd64"}
	// arm64 carries its variant in the index and the config, so a rebase
	// that drops the variant (mutate.Rebase does) is caught.
	arm64     = v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}
	platforms = []v1.Platform{amd64, arm64}

	baseTime    = time.Date(2026, 1, 20, 8, 0, 0, 0, time.UTC)
	releaseTime = time.Date(2026, 2, 4, 10, 0, 0, 0, time.UTC)
	refreshTime = time.Date(2026, 2, 11, 6, 0, 0, 0, time.UTC)
)

const smallLayer = 512 // bytes of random content per fixture layer

// baseSpec describes a base index.
type baseSpec struct {
	version   string
	layerSize int64
	// noHistory writes configs without history, as some builders do.
	noHistory bool
	// platforms defaults to platforms.
	platforms []v1.Platform
}

// baseIndex builds a base index: per platform an OCI image with two random
// layers, history for each and a trailing CMD entry, and a config that a
// child inherits from (PATH, BASE_VERSION, labels, CMD).
func baseIndex(tb testing.TB, s baseSpec) v1.ImageIndex {
	tb.Helper()
	if s.layerSize == 0 {
		s.layerSize = smallLayer
	}
	if s.platforms == nil {
		s.platforms = platforms
	}
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, p := range s.platforms {
		img := baseImage(tb, p, s, randomLayers(tb, 2, s.layerSize))
		plat := p
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &plat}})
	}
	return idx
}

// baseImage builds one platform of a base over the given layers.
func baseImage(tb testing.TB, p v1.Platform, s baseSpec, layers []v1.Layer) v1.Image {
	tb.Helper()
	img := ociImage(tb, func(cf *v1.ConfigFile) {
		cf.OS, cf.Architecture, cf.Variant = p.OS, p.Architecture, p.Variant
		cf.Created = v1.Time{Time: baseTime}
		cf.Config = v1.Config{
			Env:    []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "BASE_VERSION=" + s.version},
			Labels: map[string]string{"org.opencontainers.image.version": s.version, "vendor": "Debian"},
			Cmd:    []string{"bash"},
		}
	})
	var adds []mutate.Addendum
	for i, l := range layers {
		adds = append(adds, mutate.Addendum{Layer: l, History: v1.History{Created: v1.Time{Time: baseTime}, CreatedBy: fmt.Sprintf("ADD rootfs-%d.tar.xz /", i)}})
	}
	adds = append(adds, mutate.Addendum{History: v1.History{Created: v1.Time{Time: baseTime}, CreatedBy: `CMD ["bash"]`, EmptyLayer: true}})
	img, err := mutate.Append(img, adds...)
	if err != nil {
		tb.Fatal(err)
	}
	if s.noHistory {
		img = editConfig(tb, img, func(cf *v1.ConfigFile) { cf.History = nil })
	}
	return img
}

// ociImage is an empty image with OCI media types and its config edited.
func ociImage(tb testing.TB, edit func(*v1.ConfigFile)) v1.Image {
	tb.Helper()
	img := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	return editConfig(tb, img, edit)
}

func editConfig(tb testing.TB, img v1.Image, edit func(*v1.ConfigFile)) v1.Image {
	tb.Helper()
	cf, err := img.ConfigFile()
	if err != nil {
		tb.Fatal(err)
	}
	cf = cf.DeepCopy()
	edit(cf)
	out, err := mutate.ConfigFile(img, cf)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

func randomLayers(tb testing.TB, n int, size int64) []v1.Layer {
	tb.Helper()
	var out []v1.Layer
	for range n {
		l, err := random.Layer(size, types.OCILayer)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, l)
	}
	return out
}

// fileLayer is a layer holding one file, as a COPY makes it: the same
// content and mtime give the same blob, a new mtime a new blob.
func fileLayer(tb testing.TB, path string, content []byte, mtime time.Time) v1.Layer {
	tb.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(&tar.Header{Name: path, Mode: 0o755, Size: int64(len(content)), ModTime: mtime, Typeflag: tar.TypeReg, Format: tar.FormatPAX}); err != nil {
		tb.Fatal(err)
	}
	if _, err := tw.Write(content); err != nil {
		tb.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		tb.Fatal(err)
	}
	raw := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(raw)), nil
	}, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		tb.Fatal(err)
	}
	return l
}

// appSpec describes an app index built on a base index.
type appSpec struct {
	// baseName is the recorded org.opencontainers.image.base.name.
	baseName string
	// builtOn overrides, per platform string, the image the app's layers
	// go on; the recorded base stays the base index's image.
	builtOn map[string]v1.Image
	// noRecord leaves base.digest off the manifest and index entry of the
	// platforms named.
	noRecord map[string]bool
	// layers gives the app layers per platform; two random ones if nil.
	layers func(p v1.Platform) []v1.Layer
	// edit changes the app image of a platform before it is annotated.
	edit func(p v1.Platform, img v1.Image) v1.Image
	// attestations adds a BuildKit attestation entry per platform.
	attestations bool
	// created is the release time; releaseTime if zero.
	created time.Time
}

// appIndex builds the app on base, as the release flow publishes it.
func appIndex(tb testing.TB, base v1.ImageIndex, s appSpec) v1.ImageIndex {
	tb.Helper()
	if s.created.IsZero() {
		s.created = releaseTime
	}
	created := s.created.Format(time.RFC3339)
	common := map[string]string{
		build.AnnotationVersion: "1.6.0",
		build.AnnotationCreated: created,
		build.AnnotationSource:  "https://example.com/app",
	}
	if s.baseName != "" {
		common[build.AnnotationBaseName] = s.baseName
	}
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	var atts []mutate.IndexAddendum
	for _, p := range platformsOf(tb, base) {
		recorded := imageFor(tb, base, p)
		on := recorded
		if img, ok := s.builtOn[p.String()]; ok {
			on = img
		}
		var layers []v1.Layer
		if s.layers != nil {
			layers = s.layers(p)
		} else {
			layers = randomLayers(tb, 2, smallLayer)
		}
		img := appOn(tb, on, layers, s.created)
		if s.edit != nil {
			img = s.edit(p, img)
		}
		anns := maps.Clone(common)
		if !s.noRecord[p.String()] {
			anns[build.AnnotationBaseDigest] = digestOf(tb, recorded).String()
		}
		img = mutate.Annotations(img, anns).(v1.Image)
		plat := p
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &plat, Annotations: anns}})
		if s.attestations {
			atts = append(atts, attestation(tb, digestOf(tb, img)))
		}
	}
	idx = mutate.AppendManifests(idx, atts...)
	idxAnns := maps.Clone(common)
	idxAnns[build.AnnotationBaseDigest] = digestOf(tb, base).String()
	return mutate.Annotations(idx, idxAnns).(v1.ImageIndex)
}

// appOn appends the app's layers and config to base: ENV, two COPYs,
// WORKDIR, USER, ENTRYPOINT and labels, each with its history entry.
func appOn(tb testing.TB, base v1.Image, layers []v1.Layer, created time.Time) v1.Image {
	tb.Helper()
	h := func(by string, empty bool) v1.History {
		return v1.History{Created: v1.Time{Time: created}, CreatedBy: by, EmptyLayer: empty}
	}
	adds := []mutate.Addendum{{History: h("ENV APP_ENV=production", true)}}
	for i, l := range layers {
		adds = append(adds, mutate.Addendum{Layer: l, History: h(fmt.Sprintf("COPY app-%d /app/", i), false)})
	}
	adds = append(adds, mutate.Addendum{History: h(`ENTRYPOINT ["/app/server"]`, true)})
	img, err := mutate.Append(base, adds...)
	if err != nil {
		tb.Fatal(err)
	}
	return editConfig(tb, img, func(cf *v1.ConfigFile) {
		cf.Created = v1.Time{Time: created}
		cf.Author = "app team"
		cf.Config.Env = append(cf.Config.Env, "APP_ENV=production")
		cf.Config.Entrypoint = []string{"/app/server"}
		cf.Config.Cmd = nil // ENTRYPOINT clears the inherited CMD
		cf.Config.WorkingDir = "/app"
		cf.Config.User = "65532"
		cf.Config.ExposedPorts = map[string]struct{}{"8080/tcp": {}}
		if cf.Config.Labels == nil {
			cf.Config.Labels = map[string]string{}
		}
		cf.Config.Labels["org.opencontainers.image.title"] = "app"
		cf.Config.Labels["org.opencontainers.image.version"] = "1.6.0"
	})
}

// attestation is a BuildKit-style attestation entry for subject.
func attestation(tb testing.TB, subject v1.Hash) mutate.IndexAddendum {
	tb.Helper()
	img := ociImage(tb, func(cf *v1.ConfigFile) { cf.OS, cf.Architecture = "unknown", "unknown" })
	l := fileLayer(tb, "sbom.spdx.json", []byte(`{"subject":"`+subject.String()+`"}`), releaseTime)
	img, err := mutate.AppendLayers(img, l)
	if err != nil {
		tb.Fatal(err)
	}
	return mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{
		Platform: &v1.Platform{OS: "unknown", Architecture: "unknown"},
		Annotations: map[string]string{
			"vnd.docker.reference.type":   "attestation-manifest",
			"vnd.docker.reference.digest": subject.String(),
		},
	}}
}

// fixture is a line ready to rebase.
type fixture struct {
	oldBase, newBase, app v1.ImageIndex
}

func newFixture(tb testing.TB, baseName string) fixture {
	tb.Helper()
	old := baseIndex(tb, baseSpec{version: "12.1"})
	return fixture{
		oldBase: old,
		newBase: baseIndex(tb, baseSpec{version: "12.2"}),
		app:     appIndex(tb, old, appSpec{baseName: baseName}),
	}
}

// input is the Input for rebasing f.app onto f.newBase, built in memory.
func (f fixture) input(tb testing.TB) Input {
	tb.Helper()
	in := Input{
		Index:            f.app,
		Created:          refreshTime,
		IndexAnnotations: map[string]string{build.AnnotationBaseDigest: digestOf(tb, f.newBase).String()},
	}
	for _, p := range platforms {
		in.Bases = append(in.Bases, Bases{Platform: p, Old: imageFor(tb, f.oldBase, p), New: imageFor(tb, f.newBase, p)})
	}
	return in
}

func platformsOf(tb testing.TB, idx v1.ImageIndex) []v1.Platform {
	tb.Helper()
	im, err := idx.IndexManifest()
	if err != nil {
		tb.Fatal(err)
	}
	var out []v1.Platform
	for _, d := range im.Manifests {
		if d.Platform != nil && !isAttestation(d) {
			out = append(out, *d.Platform)
		}
	}
	return out
}

// imageFor returns idx's image for p.
func imageFor(tb testing.TB, idx v1.ImageIndex, p v1.Platform) v1.Image {
	tb.Helper()
	d := descFor(tb, idx, p)
	img, err := idx.Image(d.Digest)
	if err != nil {
		tb.Fatal(err)
	}
	return img
}

func descFor(tb testing.TB, idx v1.ImageIndex, p v1.Platform) v1.Descriptor {
	tb.Helper()
	im, err := idx.IndexManifest()
	if err != nil {
		tb.Fatal(err)
	}
	for _, d := range im.Manifests {
		if d.Platform != nil && !isAttestation(d) && samePlatform(*d.Platform, p) {
			return d
		}
	}
	tb.Fatalf("no %s image in the index", p)
	return v1.Descriptor{}
}

func digestOf(tb testing.TB, d interface{ Digest() (v1.Hash, error) }) v1.Hash {
	tb.Helper()
	h, err := d.Digest()
	if err != nil {
		tb.Fatal(err)
	}
	return h
}

func configOf(tb testing.TB, img v1.Image) *v1.ConfigFile {
	tb.Helper()
	cf, err := img.ConfigFile()
	if err != nil {
		tb.Fatal(err)
	}
	return cf
}

func manifestOf(tb testing.TB, img v1.Image) *v1.Manifest {
	tb.Helper()
	m, err := img.Manifest()
	if err != nil {
		tb.Fatal(err)
	}
	return m
}
