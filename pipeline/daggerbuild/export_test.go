package daggerbuild

import (
	"archive/tar"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/patchline/patchline/pipeline/build"
)

// builtAt makes an image the way BuildKit exports one: a base's history
// (built before the commit), then the Dockerfile's steps and the config's
// created time stamped with the wall clock of the build.
func builtAt(t *testing.T, base, wall time.Time, arch string) v1.Image {
	t.Helper()
	img, err := random.Image(128, 2)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", arch
	cf.Created = v1.Time{Time: wall}
	cf.History = []v1.History{
		{Created: v1.Time{Time: base}, CreatedBy: "# debian.sh --arch " + arch},
		{Created: v1.Time{Time: base}, CreatedBy: `CMD ["bash"]`, EmptyLayer: true},
		{Created: v1.Time{Time: wall}, CreatedBy: "COPY app/ /app/ # buildkit", Comment: "buildkit.dockerfile.v0"},
		{Created: v1.Time{Time: wall}, CreatedBy: `ENTRYPOINT ["/app/run"]`, Comment: "buildkit.dockerfile.v0", EmptyLayer: true},
	}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	img = mutate.MediaType(img, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	return mutate.Annotations(img, map[string]string{build.AnnotationCreated: "2026-02-03T18:00:00Z", build.AnnotationVersion: "1.6.0"}).(v1.Image)
}

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
		if err := tw.WriteHeader(h); err != nil || d.IsDir() {
			return err
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
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

func TestExportedImagesSayTheCommitTimeNotTheBuildTime(t *testing.T) {
	commit := time.Date(2026, 2, 3, 18, 0, 0, 0, time.UTC)
	baseBuilt := time.Date(2026, 1, 20, 0, 0, 0, 0, time.UTC)
	wall := time.Date(2026, 11, 29, 10, 41, 7, 0, time.UTC)
	dir := t.TempDir()
	lp, err := layout.Write(filepath.Join(dir, "src"), empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, arch := range []string{"amd64", "arm64"} {
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: builtAt(t, baseBuilt, wall, arch), Descriptor: v1.Descriptor{
			Platform: &v1.Platform{OS: "linux", Architecture: arch}, Annotations: map[string]string{build.AnnotationVersion: "1.6.0"}}})
	}
	if err := lp.AppendIndex(idx); err != nil {
		t.Fatal(err)
	}
	tarDir(t, filepath.Join(dir, "src"), filepath.Join(dir, "out.tar"))

	spec := build.Spec{Annotations: map[string]string{build.AnnotationCreated: commit.Format(time.RFC3339)}}
	got, err := readExport(filepath.Join(dir, "out.tar"), filepath.Join(dir, "x"), spec)
	if err != nil {
		t.Fatal(err)
	}
	im, err := got.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(im.Manifests) != 2 {
		t.Fatalf("index = %+v", im)
	}
	for _, d := range im.Manifests {
		if d.Platform == nil || d.Annotations[build.AnnotationVersion] != "1.6.0" {
			t.Errorf("index entry lost its platform or annotations: %+v", d)
		}
		img, err := got.Image(d.Digest)
		if err != nil {
			t.Fatal(err)
		}
		cf, err := img.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		if !cf.Created.Equal(commit) {
			t.Errorf("%s config created = %s; want the commit time %s", d.Platform, cf.Created.Time, commit)
		}
		want := []time.Time{baseBuilt, baseBuilt, commit, commit}
		for i, h := range cf.History {
			if !h.Created.Equal(want[i]) {
				t.Errorf("%s history[%d] (%s) created = %s; want %s", d.Platform, i, h.CreatedBy, h.Created.Time, want[i])
			}
		}
		m, _ := img.Manifest()
		if m.Annotations[build.AnnotationCreated] != "2026-02-03T18:00:00Z" || m.Annotations[build.AnnotationVersion] != "1.6.0" {
			t.Errorf("%s manifest annotations = %v", d.Platform, m.Annotations)
		}
	}
}
