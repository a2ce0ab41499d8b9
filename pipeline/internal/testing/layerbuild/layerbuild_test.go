package layerbuild

import (
	"context"
	"errors"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
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
