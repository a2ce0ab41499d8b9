package daggerbuild

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"dagger.io/dagger"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/patchline/patchline/pipeline/build"
	"github.com/patchline/patchline/pipeline/ospkg"
	"github.com/patchline/patchline/pipeline/policy"
	"github.com/patchline/patchline/pipeline/refresh"
)

// These tests need a Dagger engine. Run them with
//
//	dagger run go test ./pipeline/daggerbuild/
//
// Every rule they touch (annotations, attestation layouts, publishing) is
// also tested without an engine through the layer builder.
//
// engineReachable reports whether a Dagger session is available to join
// without starting or downloading anything: inside `dagger call` or
// `dagger run`, the session is announced in the environment.
func engineReachable() bool {
	return os.Getenv("DAGGER_SESSION_PORT") != "" && os.Getenv("DAGGER_SESSION_TOKEN") != ""
}

func needEngine(t *testing.T) context.Context {
	t.Helper()
	if !engineReachable() {
		t.Skip("no Dagger engine reachable (DAGGER_SESSION_PORT is unset); run `dagger run go test ./pipeline/daggerbuild/` to run the engine tests")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// needModule skips a test of a step that loads files from the module's
// working directory (CurrentModule): only a module function has one, so
// under `dagger run go test` these steps cannot run.
func needModule(ctx context.Context, t *testing.T, client *dagger.Client) {
	t.Helper()
	if _, err := client.CurrentModule().Name(ctx); err != nil {
		t.Skipf("this step loads files from the module's working directory, which only a module function (dagger call) has: %v", err)
	}
}

func TestEngineBuildAnnotatesEveryPlatform(t *testing.T) {
	ctx := needEngine(t)
	client, err := Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	src := client.Directory().
		WithNewFile("Dockerfile", "FROM scratch\nCOPY hello.txt /hello.txt\n").
		WithNewFile("hello.txt", "hello\n")
	b := NewBuilder(client, src, t.TempDir())
	content, err := b.ReadFile(ctx, "Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	spec := build.Spec{
		Dockerfile: "Dockerfile",
		Content:    content,
		Platforms:  []v1.Platform{{OS: "linux", Architecture: "amd64"}, {OS: "linux", Architecture: "arm64"}},
		Annotations: map[string]string{
			build.AnnotationVersion: "1.6.0",
		},
		PlatformAnnotations: map[string]map[string]string{
			"linux/arm64": {build.AnnotationBaseDigest: "sha256:arm"},
		},
	}
	idx, err := b.Build(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(im.Manifests) != 2 {
		t.Fatalf("index has %d manifests", len(im.Manifests))
	}
	for _, d := range im.Manifests {
		img, err := idx.Image(d.Digest)
		if err != nil {
			t.Fatal(err)
		}
		m, _ := img.Manifest()
		if m.Annotations[build.AnnotationVersion] != "1.6.0" {
			t.Errorf("%s manifest annotations = %v", d.Platform, m.Annotations)
		}
		if d.Platform.Architecture == "arm64" && m.Annotations[build.AnnotationBaseDigest] != "sha256:arm" {
			t.Errorf("per-platform annotation missing: %v", m.Annotations)
		}
	}
}

func TestEngineSyftMakesSPDX(t *testing.T) {
	ctx := needEngine(t)
	client, err := Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	needModule(ctx, t, client)
	defer client.Close()
	wd, _ := os.Getwd()
	scratch, err := os.MkdirTemp(wd, "scan-test-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(scratch)
	img, err := random.Image(512, 1)
	if err != nil {
		t.Fatal(err)
	}
	out, err := NewScanner(client, "", filepath.Join(scratch)).Scan(ctx, img, v1.Platform{OS: "linux", Architecture: "amd64"}, policy.SBOMSPDX, "registry.example/app@sha256:0 (linux/amd64)")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		SPDXVersion string `json:"spdxVersion"`
		Name        string `json:"name"`
	}
	if err := json.Unmarshal(out, &doc); err != nil || doc.SPDXVersion != "SPDX-2.3" {
		t.Errorf("syft output is not SPDX 2.3 JSON: %v %.200s", err, out)
	}
	if doc.Name != "registry.example/app@sha256:0 (linux/amd64)" {
		t.Errorf("SBOM document name = %q; want the image's", doc.Name)
	}
}

func TestEngineLocalRegistry(t *testing.T) {
	ctx := needEngine(t)
	client, err := Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	svc, endpoint, err := StartLocalRegistry(ctx, client)
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Stop(ctx)
	if endpoint == "" {
		t.Fatal("no endpoint")
	}
}

// The package check of a real Debian image: apt runs in the container,
// with the engine's network, and its output reads back as a checked
// result.
func TestEnginePackageCheck(t *testing.T) {
	ctx := needEngine(t)
	client, err := Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	needModule(ctx, t, client)
	defer client.Close()
	ref, err := name.ParseReference("docker.io/library/debian:bookworm-slim")
	if err != nil {
		t.Fatal(err)
	}
	p := v1.Platform{OS: "linux", Architecture: "amd64"}
	img, err := remote.Image(ref, remote.WithPlatform(p))
	if err != nil {
		t.Fatal(err)
	}
	wd, _ := os.Getwd()
	scratch, err := os.MkdirTemp(wd, "packages-test-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(scratch)
	probe, runs, err := NewPackageChecker(client, scratch).CheckPackages(ctx, refresh.PackageImage{Ref: ref.String(), Platform: p, Image: img})
	if err != nil {
		t.Fatal(err)
	}
	res, err := ospkg.Parse(ospkg.PlanFor(probe), probe, runs)
	if err != nil || !res.Checked || res.Manager != ospkg.Apt {
		t.Fatalf("%+v %v", res, err)
	}
}
