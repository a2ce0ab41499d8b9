// Package build defines what a build is: a Spec in, an annotated
// multi-platform image index out. Two implementations exist: the Dagger
// builder (pipeline/daggerbuild), which runs the Dockerfile in containers,
// and a go-containerregistry builder for tests
// (pipeline/internal/testing/layerbuild), which assembles layers from files
// on top of the pinned base. The release and refresh flows only see this
// interface, so they are tested end to end without an engine.
package build

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/patchline/patchline/pipeline/internal/safetext"
	"github.com/patchline/patchline/pipeline/platform"
)

// ErrBuild is wrapped by build failures.
var ErrBuild = errors.New("build failed")

// Builder builds images from one source tree.
type Builder interface {
	// ReadFile returns a file of the source tree, e.g. the Dockerfile.
	ReadFile(ctx context.Context, path string) ([]byte, error)
	// Build builds every platform of spec and returns the image index,
	// each platform manifest carrying spec.ManifestAnnotations(platform).
	Build(ctx context.Context, spec Spec) (v1.ImageIndex, error)
}

// Spec is one build.
type Spec struct {
	// Dockerfile is the path of the Dockerfile in the source tree.
	Dockerfile string
	// Content is the Dockerfile to build: the source's Dockerfile with
	// every base pinned to the digest resolved for this build.
	Content []byte
	// Target is the stage to build; empty means the last stage.
	Target string
	// BuildArgs are passed to the build, in order.
	BuildArgs []Arg
	// Platforms are built, in order.
	Platforms []v1.Platform
	// Annotations go on every platform manifest and on the index.
	Annotations map[string]string
	// PlatformAnnotations override Annotations per platform (the base
	// digest differs per platform of a multi-platform base).
	PlatformAnnotations map[string]map[string]string
}

// Arg is a build argument.
type Arg struct {
	Name  string
	Value string
}

// ManifestAnnotations returns the annotations of one platform's manifest.
func (s Spec) ManifestAnnotations(p v1.Platform) map[string]string {
	out := map[string]string{}
	for k, v := range s.Annotations {
		out[k] = v
	}
	for k, v := range s.PlatformAnnotations[p.String()] {
		out[k] = v
	}
	return out
}

// SortedKeys returns the keys of an annotation map in order, so builders
// apply annotations deterministically.
func SortedKeys(m map[string]string) []string {
	return slices.Sorted(maps.Keys(m))
}

// ParseArgs parses NAME=VALUE build arguments, refusing malformed ones.
func ParseArgs(args []string) ([]Arg, error) {
	var out []Arg
	seen := map[string]bool{}
	for _, a := range args {
		name, value, ok := strings.Cut(a, "=")
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			return nil, fmt.Errorf("build arg %s: write it as NAME=VALUE, e.g. --build-arg GO_VERSION=1.26", safetext.Quote(a))
		}
		if seen[name] {
			return nil, fmt.Errorf("build arg %s is given twice; keep one", safetext.Clip(name))
		}
		seen[name] = true
		out = append(out, Arg{Name: name, Value: value})
	}
	return out, nil
}

// Platform converts p to go-containerregistry's v1.Platform, which Spec,
// builders and index entries use.
func Platform(p platform.Platform) v1.Platform {
	return v1.Platform{OS: p.OS, OSVersion: p.OSVersion, Architecture: p.Architecture, Variant: p.Variant}
}

// PlatformOf is the platform an index entry or image config states, for
// comparing with platform.Same.
func PlatformOf(p v1.Platform) platform.Platform {
	return platform.Platform{OS: p.OS, OSVersion: p.OSVersion, Architecture: p.Architecture, Variant: p.Variant}
}
