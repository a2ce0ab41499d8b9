package ocitar

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

func platformImage(t *testing.T, arch string) v1.Image {
	t.Helper()
	img, err := random.Image(256, 2)
	if err != nil {
		t.Fatal(err)
	}
	img = mutate.MediaType(img, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	return mutate.Annotations(img, map[string]string{"org.opencontainers.image.version": "1.6.0", "arch": arch}).(v1.Image)
}

// tarDir writes dir as a tarball, the way File.Export delivers it.
func tarDir(t *testing.T, dir, out string) {
	t.Helper()
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	tw := tar.NewWriter(f)
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		info, _ := d.Info()
		h, _ := tar.FileInfoHeader(info, "")
		h.Name = rel
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		_, err = tw.Write(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	tw.Close()
	f.Close()
}

func TestReadFlatAndNestedLayouts(t *testing.T) {
	amd, arm := platformImage(t, "amd64"), platformImage(t, "arm64")
	adds := []mutate.IndexAddendum{
		{Add: amd, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}, Annotations: map[string]string{"org.opencontainers.image.ref.name": "x", "org.opencontainers.image.version": "1.6.0"}}},
		{Add: arm, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm64"}}},
	}
	for _, shape := range []string{"flat", "nested"} {
		t.Run(shape, func(t *testing.T) {
			dir := t.TempDir()
			lp, err := layout.Write(filepath.Join(dir, "src"), empty.Index)
			if err != nil {
				t.Fatal(err)
			}
			if shape == "flat" {
				for _, a := range adds {
					if err := lp.AppendImage(a.Add.(v1.Image), layout.WithPlatform(*a.Descriptor.Platform), layout.WithAnnotations(a.Descriptor.Annotations)); err != nil {
						t.Fatal(err)
					}
				}
			} else {
				idx := mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex), adds...)
				if err := lp.AppendIndex(idx); err != nil {
					t.Fatal(err)
				}
			}
			tarDir(t, filepath.Join(dir, "src"), filepath.Join(dir, "out.tar"))
			idx, err := Read(filepath.Join(dir, "out.tar"), filepath.Join(dir, "x"))
			if err != nil {
				t.Fatal(err)
			}
			im, err := idx.IndexManifest()
			if err != nil {
				t.Fatal(err)
			}
			if len(im.Manifests) != 2 || im.MediaType != types.OCIImageIndex {
				t.Fatalf("index = %+v", im)
			}
			wantAmd, _ := amd.Digest()
			if d := im.Manifests[0]; d.Digest != wantAmd || d.Platform.Architecture != "amd64" {
				t.Errorf("first child = %+v; want amd64 %s", d, wantAmd)
			}
			if _, ok := im.Manifests[0].Annotations["org.opencontainers.image.ref.name"]; ok {
				t.Errorf("layout-only annotation kept: %v", im.Manifests[0].Annotations)
			}
			if shape == "flat" && im.Manifests[0].Annotations["org.opencontainers.image.version"] != "1.6.0" {
				t.Errorf("image annotation lost: %v", im.Manifests[0].Annotations)
			}
			img, err := idx.Image(wantAmd)
			if err != nil {
				t.Fatal(err)
			}
			m, _ := img.Manifest()
			if m.Annotations["arch"] != "amd64" {
				t.Errorf("manifest annotations = %v", m.Annotations)
			}
		})
	}
}

func TestReadRefusesEscapes(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "evil.tar")
	f, _ := os.Create(path)
	tw := tar.NewWriter(f)
	tw.WriteHeader(&tar.Header{Name: "../escape", Mode: 0o644, Size: 1, Typeflag: tar.TypeReg})
	tw.Write([]byte("x"))
	tw.Close()
	f.Close()
	if _, err := Read(path, filepath.Join(dir, "out")); !errors.Is(err, ErrLayout) {
		t.Errorf("escaping entry: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "escape")); err == nil {
		t.Errorf("file written outside the layout")
	}
}

func TestReadNotALayout(t *testing.T) {
	dir := t.TempDir()
	if _, err := FromDir(dir); !errors.Is(err, ErrLayout) {
		t.Errorf("empty dir: %v", err)
	}
}

// engineSingleVariant writes the tarball Dagger's Container.AsTarball
// exports for ONE platform variant: containerd's archive writer puts the
// image manifest itself in index.json, with the variant's annotations and
// a distribution-source label but no platform, next to oci-layout,
// manifest.json and the blobs, in name order. Only the image config says
// which platform it is.
func engineSingleVariant(t *testing.T, path string, config map[string]any) (manifestDigest string) {
	t.Helper()
	blobs := map[string][]byte{}
	put := func(b []byte) (string, int) {
		sum := sha256.Sum256(b)
		h := hex.EncodeToString(sum[:])
		blobs[h] = b
		return "sha256:" + h, len(b)
	}
	layer := []byte("not a real layer, the reader does not open it")
	layerDigest, layerSize := put(layer)
	cfg, _ := json.Marshal(config)
	cfgDigest, cfgSize := put(cfg)
	ann := map[string]string{"org.opencontainers.image.version": "0.3.1", "org.opencontainers.image.revision": "4f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39"}
	manifest, _ := json.Marshal(map[string]any{
		"schemaVersion": 2,
		"mediaType":     "application/vnd.oci.image.manifest.v1+json",
		"config":        map[string]any{"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cfgDigest, "size": cfgSize},
		"layers":        []any{map[string]any{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": layerDigest, "size": layerSize}},
		"annotations":   ann,
	})
	mDigest, mSize := put(manifest)
	descAnn := map[string]string{"containerd.io/distribution.source.docker.io": "library/debian"}
	for k, v := range ann {
		descAnn[k] = v
	}
	index, _ := json.Marshal(map[string]any{
		"schemaVersion": 2,
		"mediaType":     "application/vnd.oci.image.index.v1+json",
		"manifests":     []any{map[string]any{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": mDigest, "size": mSize, "annotations": descAnn}},
	})
	dockerManifest, _ := json.Marshal([]any{map[string]any{"Config": "blobs/sha256/" + cfgDigest[7:], "RepoTags": nil, "Layers": []string{"blobs/sha256/" + layerDigest[7:]}}})

	type entry struct {
		name string
		dir  bool
		data []byte
	}
	entries := []entry{{name: "blobs/", dir: true}, {name: "blobs/sha256/", dir: true}}
	for h, b := range blobs {
		entries = append(entries, entry{name: "blobs/sha256/" + h, data: b})
	}
	entries = append(entries, entry{name: "index.json", data: index}, entry{name: "manifest.json", data: dockerManifest}, entry{name: "oci-layout", data: []byte(`{"imageLayoutVersion":"1.0.0"}`)})
	sort.Slice(entries, func(i, j int) bool { return entries[i].name < entries[j].name })
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	tw := tar.NewWriter(f)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Mode: 0o644, Size: int64(len(e.data)), Typeflag: tar.TypeReg}
		if e.dir {
			h.Mode, h.Typeflag = 0o755, tar.TypeDir
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return mDigest
}

func TestReadSingleVariantExportTakesThePlatformFromTheConfig(t *testing.T) {
	tests := []struct {
		name   string
		config map[string]any
		want   v1.Platform
	}{
		{"amd64", map[string]any{"architecture": "amd64", "os": "linux"}, v1.Platform{OS: "linux", Architecture: "amd64"}},
		{"arm v7", map[string]any{"architecture": "arm", "os": "linux", "variant": "v7"}, v1.Platform{OS: "linux", Architecture: "arm", Variant: "v7"}},
		{"windows", map[string]any{"architecture": "amd64", "os": "windows", "os.version": "10.0.20348.2322"}, v1.Platform{OS: "windows", Architecture: "amd64", OSVersion: "10.0.20348.2322"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			tt.config["created"] = "2026-02-04T09:00:00Z"
			tt.config["rootfs"] = map[string]any{"type": "layers", "diff_ids": []string{"sha256:" + strings.Repeat("0", 64)}}
			tt.config["config"] = map[string]any{}
			digest := engineSingleVariant(t, filepath.Join(dir, "out.tar"), tt.config)
			idx, err := Read(filepath.Join(dir, "out.tar"), filepath.Join(dir, "x"))
			if err != nil {
				t.Fatal(err)
			}
			im, err := idx.IndexManifest()
			if err != nil {
				t.Fatal(err)
			}
			if len(im.Manifests) != 1 {
				t.Fatalf("index = %+v", im)
			}
			d := im.Manifests[0]
			if d.Digest.String() != digest {
				t.Errorf("digest = %s; want the exported manifest %s unchanged", d.Digest, digest)
			}
			if d.Platform == nil || !d.Platform.Equals(tt.want) {
				t.Errorf("platform = %v; want %v from the image config", d.Platform, tt.want)
			}
			if d.Annotations["org.opencontainers.image.version"] != "0.3.1" {
				t.Errorf("image annotations lost: %v", d.Annotations)
			}
			for k := range d.Annotations {
				if strings.HasPrefix(k, "containerd.io/") {
					t.Errorf("layout-only annotation %s kept", k)
				}
			}
		})
	}
}

func TestReadRefusesAnImageWithNoPlatformAnywhere(t *testing.T) {
	dir := t.TempDir()
	engineSingleVariant(t, filepath.Join(dir, "out.tar"), map[string]any{"rootfs": map[string]any{"type": "layers"}})
	_, err := Read(filepath.Join(dir, "out.tar"), filepath.Join(dir, "x"))
	if !errors.Is(err, ErrLayout) || !strings.Contains(err.Error(), "platform") {
		t.Errorf("image without a platform: %v", err)
	}
}
