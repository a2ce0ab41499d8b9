package daggerbuild

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"dagger.io/dagger"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"

	"github.com/patchline/patchline/pipeline/policy"
)

// SyftImage is the default syft image, pinned by digest so that the same
// release makes the same SBOM on every machine. Override it with
// --syft-image to move to a newer syft.
const SyftImage = "docker.io/anchore/syft:v1.51.1@sha256:95fe0835e5bebc6f8b1f8acef68d47d63d594ef4c0f25c097ff853b23cbac74c"

// Scanner makes SBOMs by running syft in a container over an OCI layout of
// the image. syft runs as a container step rather than as a library: as a
// library it would be compiled into the module on every cold call.
type Scanner struct {
	client  *dagger.Client
	image   string
	scratch string
}

// NewScanner returns a scanner that runs image (SyftImage when empty) and
// writes layouts under scratch, a directory inside the module's working
// directory so the engine can load it.
func NewScanner(client *dagger.Client, image, scratch string) *Scanner {
	if image == "" {
		image = SyftImage
	}
	return &Scanner{client: client, image: image, scratch: scratch}
}

// Scan returns the SBOM of one platform image in the given format, its
// document named name.
func (s *Scanner) Scan(ctx context.Context, img v1.Image, platform v1.Platform, format policy.SBOMFormat, name string) ([]byte, error) {
	args, err := syftArgs(format, name)
	if err != nil {
		return nil, err
	}
	d, err := img.Digest()
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(s.scratch, "scan-"+d.Hex[:16])
	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	// The copy is needed only until syft has read it; a refresh scans
	// every platform of every line it rebuilds.
	defer os.RemoveAll(dir)
	lp, err := layout.Write(dir, empty.Index)
	if err != nil {
		return nil, err
	}
	if err := lp.AppendImage(img, layout.WithPlatform(platform)); err != nil {
		return nil, fmt.Errorf("writing the layout syft scans: %w", err)
	}
	rel, err := workdirRelative(dir)
	if err != nil {
		return nil, err
	}
	out, err := s.client.Container().
		From(s.image).
		WithEnvVariable("SYFT_CHECK_FOR_APP_UPDATE", "false").
		WithMountedDirectory("/in", s.client.CurrentModule().Workdir(rel)).
		WithExec(args, dagger.ContainerWithExecOpts{UseEntrypoint: true}).
		Stdout(ctx)
	if err != nil {
		return nil, fmt.Errorf("syft (%s) scanning %s %s: %w", s.image, platform, d, err)
	}
	return []byte(out), nil
}

// syftArgs are the arguments of syft's scan of the layout mounted at /in.
// --source-name names the document after the image (syft would name it
// after the scan path, /in): SPDX's name and CycloneDX's
// metadata.component.name.
func syftArgs(format policy.SBOMFormat, name string) ([]string, error) {
	output := map[policy.SBOMFormat]string{policy.SBOMSPDX: "spdx-json", policy.SBOMCycloneDX: "cyclonedx-json"}[format]
	if output == "" {
		return nil, fmt.Errorf("no SBOM format %q for syft", format)
	}
	args := []string{"scan", "oci-dir:/in", "--quiet", "--output", output}
	if name != "" {
		args = append(args, "--source-name", name)
	}
	return args, nil
}

// workdirRelative turns a path into one relative to the module's working
// directory, which CurrentModule.Workdir expects.
func workdirRelative(path string) (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	rel, err := filepath.Rel(wd, abs)
	if err != nil || strings.HasPrefix(rel, "..") {
		return "", fmt.Errorf("scan directory %s is outside the working directory %s", path, wd)
	}
	return rel, nil
}
