package daggerbuild

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"dagger.io/dagger"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/patchline/patchline/pipeline/build"
	"github.com/patchline/patchline/pipeline/ocitar"
)

// Builder builds a Dockerfile from a source directory with the engine's
// BuildKit, one container per platform, and exports the result as an OCI
// layout read back with go-containerregistry.
type Builder struct {
	client  *dagger.Client
	source  *dagger.Directory
	scratch string
}

// NewBuilder returns a builder for source. scratch is a directory of the
// local filesystem where exported layouts are written.
func NewBuilder(client *dagger.Client, source *dagger.Directory, scratch string) *Builder {
	return &Builder{client: client, source: source, scratch: scratch}
}

// ReadFile reads a file of the source directory.
func (b *Builder) ReadFile(ctx context.Context, path string) ([]byte, error) {
	s, err := b.source.File(path).Contents(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading %s from the source directory: %w", path, err)
	}
	return []byte(s), nil
}

// Build builds every platform of spec. The pinned Dockerfile replaces the
// source's one for this build only; annotations are set on each platform
// variant because annotations on the root container of a multi-platform
// export are dropped.
func (b *Builder) Build(ctx context.Context, spec build.Spec) (v1.ImageIndex, error) {
	if len(spec.Platforms) == 0 {
		return nil, fmt.Errorf("%w: no platform to build", build.ErrBuild)
	}
	src := b.source.WithNewFile(spec.Dockerfile, string(spec.Content))
	args := make([]dagger.BuildArg, 0, len(spec.BuildArgs))
	for _, a := range spec.BuildArgs {
		args = append(args, dagger.BuildArg{Name: a.Name, Value: a.Value})
	}
	variants := make([]*dagger.Container, 0, len(spec.Platforms))
	for _, p := range spec.Platforms {
		c := src.DockerBuild(dagger.DirectoryDockerBuildOpts{
			Dockerfile: spec.Dockerfile,
			Platform:   dagger.Platform(p.String()),
			BuildArgs:  args,
			Target:     spec.Target,
		})
		ann := spec.ManifestAnnotations(p)
		for _, k := range build.SortedKeys(ann) {
			c = c.WithAnnotation(k, ann[k])
		}
		variants = append(variants, c)
	}
	tarball := b.client.Container().AsTarball(dagger.ContainerAsTarballOpts{
		PlatformVariants: variants,
		MediaTypes:       dagger.ImageMediaTypesOcimediaTypes,
	})
	// A directory of its own per build: several builders (one per
	// release tag in a refresh) share the scratch directory.
	if err := os.MkdirAll(b.scratch, 0o755); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(b.scratch, "build-")
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "image.tar")
	if _, err := tarball.Export(ctx, path); err != nil {
		return nil, fmt.Errorf("%w: %v", build.ErrBuild, err)
	}
	// The layout read from the tarball is what the rest of the run uses;
	// the tarball itself is one more copy of the image on the module's disk.
	defer os.Remove(path)
	return readExport(path, filepath.Join(dir, "layout"), spec)
}

// readExport reads the exported layout of a build of spec. BuildKit stamps
// the image config's created time and the history of the Dockerfile's
// steps with the wall clock of the build; they are set to the spec's
// created time (the commit time), which the annotations already record,
// so a rebuild of the same commit on the same base says the same.
func readExport(path, dir string, spec build.Spec) (v1.ImageIndex, error) {
	idx, err := ocitar.Read(path, dir)
	if err != nil {
		return nil, err
	}
	created, ok := spec.Created()
	if !ok {
		return idx, nil
	}
	return build.SetCreated(idx, created)
}
