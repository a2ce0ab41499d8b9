package ocitar

import (
	"archive/tar"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
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
