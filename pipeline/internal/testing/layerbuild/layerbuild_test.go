package layerbuild

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"

	"github.com/patchline/patchline/pipeline/build"
)

func fetcher(t *testing.T) (FetchFunc, *int) {
	t.Helper()
	base, err := random.Image(128, 1)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	return func(ctx context.Context, ref string, p v1.Platform) (v1.Image, error) {
		n++
		return base, nil
	}, &n
}

var platforms = []v1.Platform{{OS: "linux", Architecture: "amd64"}, {OS: "linux", Architecture: "arm64"}}

func spec(dockerfile string) build.Spec {
	return build.Spec{
		Dockerfile:  "Dockerfile",
		Content:     []byte(dockerfile),
		Platforms:   platforms,
		Annotations: map[string]string{build.AnnotationVersion: "1.6.0", build.AnnotationCreated: "2026-02-04T10:00:00Z"},
	}
}

func TestBuildIsDeterministicAndAnnotated(t *testing.T) {
	fetch, calls := fetcher(t)
	b := New(map[string]string{"app/hello.txt": "hi", "app/sub/x": "x"}, fetch)
	df := "FROM debian:bookworm@sha256:" + sixtyFour + "\nWORKDIR /srv\nCOPY app/ ./\nENV A=1\nENTRYPOINT [\"/srv/hello.txt\"]\n"
	a, err := b.Build(context.Background(), spec(df))
	if err != nil {
		t.Fatal(err)
	}
	c, err := b.Build(context.Background(), spec(df))
	if err != nil {
		t.Fatal(err)
	}
	da, _ := a.Digest()
	dc, _ := c.Digest()
	if da != dc {
		t.Errorf("two builds of the same input differ: %s %s", da, dc)
	}
	if *calls != 4 || b.Builds() != 2 {
		t.Errorf("fetches %d builds %d", *calls, b.Builds())
	}
	im, _ := a.IndexManifest()
	if len(im.Manifests) != 2 || im.Manifests[1].Platform.Architecture != "arm64" {
		t.Fatalf("index %+v", im)
	}
	img, _ := a.Image(im.Manifests[1].Digest)
	m, _ := img.Manifest()
	cf, _ := img.ConfigFile()
	if m.Annotations[build.AnnotationVersion] != "1.6.0" || cf.Architecture != "arm64" || cf.Config.WorkingDir != "/srv" || cf.Created.Time.Year() != 2026 {
		t.Errorf("manifest %v config %+v", m.Annotations, cf.Config)
	}
	layers, _ := img.Layers()
	if len(layers) != 2 {
		t.Errorf("layers = %d; want base + COPY", len(layers))
	}
}

func TestBuildRefusesWhatItCannotDo(t *testing.T) {
	fetch, _ := fetcher(t)
	b := New(map[string]string{"a": "a"}, fetch)
	for _, tt := range []struct {
		df   string
		want error
	}{
		{"FROM debian@sha256:" + sixtyFour + "\nRUN apt-get update\n", ErrUnsupported},
		{"FROM debian:bookworm\n", build.ErrBuild},
		{"FROM debian@sha256:" + sixtyFour + "\nCOPY missing /x\n", build.ErrBuild},
	} {
		if _, err := b.Build(context.Background(), spec(tt.df)); !errors.Is(err, tt.want) {
			t.Errorf("%q: %v; want %v", tt.df, err, tt.want)
		}
	}
}

const sixtyFour = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// fileImage is a one-layer image holding files.
func fileImage(t *testing.T, files map[string]string) v1.Image {
	t.Helper()
	fs := map[string][]byte{}
	for k, v := range files {
		fs[k] = []byte(v)
	}
	layer, err := tarLayer(fs, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func readImageFile(t *testing.T, idx v1.ImageIndex, i int, name string) (string, bool) {
	t.Helper()
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	img, err := idx.Image(im.Manifests[i].Digest)
	if err != nil {
		t.Fatal(err)
	}
	fs, err := imageFiles(img)
	if err != nil {
		t.Fatal(err)
	}
	c, ok := fs[name]
	return string(c), ok
}

func TestCopyFromAStageAndFromAnImage(t *testing.T) {
	images := map[string]v1.Image{
		"golang":   fileImage(t, map[string]string{"/usr/local/go/VERSION": "go1.26.1\n"}),
		"busybox":  fileImage(t, map[string]string{"/bin/busybox": "busybox\n"}),
		"debian":   fileImage(t, map[string]string{"/etc/debian_version": "12.8\n"}),
		"compiler": fileImage(t, map[string]string{"/usr/bin/cc": "cc\n"}),
	}
	fetch := func(ctx context.Context, ref string, p v1.Platform) (v1.Image, error) {
		for k, img := range images {
			if strings.Contains(ref, "/"+k+":") || strings.HasPrefix(ref, k+":") {
				return img, nil
			}
		}
		return nil, errors.New("no image " + ref)
	}
	b := New(map[string]string{"main.go": "package main\n"}, fetch)
	pin := "@sha256:" + sixtyFour
	df := "FROM golang:1.26" + pin + " AS build\nCOPY main.go /src/\n" +
		"FROM debian:bookworm" + pin + "\nCOPY --from=build /usr/local/go/VERSION /src/main.go /opt/\nCOPY --from=busybox:1.37" + pin + " /bin/ /bin/\n"
	idx, err := b.Build(context.Background(), spec(df))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"opt/VERSION": "go1.26.1\n", "opt/main.go": "package main\n", "bin/busybox": "busybox\n", "etc/debian_version": "12.8\n"} {
		if got, _ := readImageFile(t, idx, 1, name); got != want {
			t.Errorf("%s = %q; want %q", name, got, want)
		}
	}
	if _, ok := readImageFile(t, idx, 0, "src/main.go"); ok {
		t.Error("the build stage's own files ended up in the result")
	}
	if _, err := b.Build(context.Background(), spec("FROM debian:bookworm"+pin+"\nCOPY --from=busybox:1.37"+pin+" /missing /x\n")); !errors.Is(err, build.ErrBuild) {
		t.Errorf("copying a missing file: %v", err)
	}
}

func TestRunIsCachedByItsInputs(t *testing.T) {
	fetch, _ := fetcher(t)
	version := "1"
	var seen []Run
	run := func(ctx context.Context, r Run) (map[string][]byte, error) {
		seen = append(seen, r)
		return map[string][]byte{"/etc/upgraded": []byte(version)}, nil
	}
	cache := NewCache()
	df := "FROM debian@sha256:" + sixtyFour + "\nARG STAMP\nRUN apt-get upgrade -y\n"
	withStamp := func(v string) build.Spec {
		s := spec(df)
		s.Platforms = platforms[:1]
		s.BuildArgs = []build.Arg{{Name: "STAMP", Value: v}}
		return s
	}
	b := New(nil, fetch, WithRun(run), WithCache(cache))
	first, err := b.Build(context.Background(), withStamp("a"))
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 1 || seen[0].Command != "apt-get upgrade -y" || seen[0].Args["STAMP"] != "a" {
		t.Fatalf("runs %+v", seen)
	}
	// What the step would do now changed, but its inputs did not: a
	// persistent engine reuses the layer, and so does another builder
	// sharing the cache.
	version = "2"
	again, err := New(nil, fetch, WithRun(run), WithCache(cache)).Build(context.Background(), withStamp("a"))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := readImageFile(t, again, 0, "etc/upgraded"); got != "1" || len(seen) != 1 || cache.Runs() != 1 {
		t.Errorf("same inputs: file %q after %d runs", got, len(seen))
	}
	// A new value of a build argument in scope runs the step again.
	fresh, err := b.Build(context.Background(), withStamp("b"))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := readImageFile(t, fresh, 0, "etc/upgraded"); got != "2" || cache.Runs() != 2 {
		t.Errorf("new build argument: file %q after %d runs", got, cache.Runs())
	}
	d1, _ := first.Digest()
	d2, _ := fresh.Digest()
	if d1 == d2 {
		t.Error("the rebuilt step did not change the image")
	}
}
