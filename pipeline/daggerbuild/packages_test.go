package daggerbuild

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/random"

	"github.com/patchline/patchline/pipeline/ocitar"
)

// The tarball the package check imports into the engine is an OCI layout
// of the published platform image, byte for byte: read back, it holds the
// same image.
func TestLayoutTarHoldsTheImage(t *testing.T) {
	img, err := random.Image(256, 2)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	lp, err := layout.Write(filepath.Join(dir, "layout"), empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	p := v1.Platform{OS: "linux", Architecture: "arm64"}
	if err := lp.AppendImage(img, layout.WithPlatform(p)); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "image.tar")
	if err := layoutTar(filepath.Join(dir, "layout"), path); err != nil {
		t.Fatal(err)
	}
	idx, err := ocitar.Read(path, filepath.Join(dir, "read"))
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	want, _ := img.Digest()
	if len(im.Manifests) != 1 || im.Manifests[0].Digest != want || !im.Manifests[0].Platform.Equals(p) {
		t.Fatalf("read back %+v; want %s for %s", im.Manifests, want, p)
	}
}

// The engine caches a container step by its inputs. The package check's
// commands must run with ospkg.StepEnv of the time the check was asked
// for, or a persistent engine replays an earlier check of the same image
// and never sees the updates published since. Without an engine, the
// source says so: every variable the commands get comes from StepEnv.
func TestPackageCheckRunsWithTheTimeItWasAskedFor(t *testing.T) {
	src, err := os.ReadFile("packages.go")
	if err != nil {
		t.Fatal(err)
	}
	s := string(src)
	env := strings.Index(s, "ospkg.StepEnv(img.Asked)")
	exec := strings.Index(s, ".WithExec(")
	if env < 0 || exec < 0 || env > exec {
		t.Errorf("CheckPackages must set ospkg.StepEnv(img.Asked) on the container before its first WithExec")
	}
	if strings.Count(s, "WithEnvVariable(") != 1 || strings.Contains(s, "ospkg.Env[") {
		t.Errorf("CheckPackages sets variables other than StepEnv's")
	}
}
