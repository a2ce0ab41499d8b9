// Package ocitar reads the OCI layout tarball a Dagger build exports
// (Container.AsTarball with platform variants) into a clean multi-platform
// image index that go-containerregistry can push.
//
// Exported layouts differ in shape: index.json may list the platform
// manifests directly, or hold one nested image index; descriptors carry
// layout-only annotations such as org.opencontainers.image.ref.name that
// must not reach a registry. Read normalises both shapes into one index
// whose children keep their platforms and their own annotations.
//
// A Dagger export of a single platform variant puts the image manifest
// itself in index.json, and that descriptor has no platform: only the image
// config says which platform the image is for. Read takes it from there, so
// every child of the index it returns has a platform (without one, nothing
// downstream can make or attach the image's attestations).
package ocitar

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// ErrLayout is wrapped when a tarball is not a usable OCI layout.
var ErrLayout = errors.New("not a usable OCI image layout")

// layoutOnly are descriptor annotations that describe the layout, not the
// image.
var layoutOnly = []string{
	"org.opencontainers.image.ref.name",
	"io.containerd.image.name",
}

// layoutOnlyPrefixes are prefixes of such annotations: containerd's
// archive writer copies its distribution-source labels onto descriptors.
var layoutOnlyPrefixes = []string{
	"containerd.io/",
}

// Read extracts the tarball at path into dir and returns its image index.
func Read(path, dir string) (v1.ImageIndex, error) {
	if err := extract(path, dir); err != nil {
		return nil, err
	}
	return FromDir(dir)
}

// FromDir reads an extracted OCI layout.
func FromDir(dir string) (v1.ImageIndex, error) {
	root, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		return nil, fmt.Errorf("%w at %s: %v", ErrLayout, dir, err)
	}
	im, err := root.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("%w at %s: %v", ErrLayout, dir, err)
	}
	if len(im.Manifests) == 1 && im.Manifests[0].MediaType.IsIndex() {
		nested, err := root.ImageIndex(im.Manifests[0].Digest)
		if err != nil {
			return nil, fmt.Errorf("%w at %s: nested index: %v", ErrLayout, dir, err)
		}
		return rebuild(nested)
	}
	return rebuild(root)
}

// rebuild copies the platform images of src into a fresh OCI index.
func rebuild(src v1.ImageIndex) (v1.ImageIndex, error) {
	im, err := src.IndexManifest()
	if err != nil {
		return nil, err
	}
	if len(im.Manifests) == 0 {
		return nil, fmt.Errorf("%w: the index lists no image", ErrLayout)
	}
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, d := range im.Manifests {
		if !d.MediaType.IsImage() {
			return nil, fmt.Errorf("%w: entry %s has media type %s, expected an image manifest", ErrLayout, d.Digest, d.MediaType)
		}
		img, err := src.Image(d.Digest)
		if err != nil {
			return nil, fmt.Errorf("%w: image %s: %v", ErrLayout, d.Digest, err)
		}
		platform := d.Platform
		if platform == nil {
			if platform, err = configPlatform(img); err != nil {
				return nil, fmt.Errorf("%w: image %s: %v", ErrLayout, d.Digest, err)
			}
		}
		desc := v1.Descriptor{MediaType: d.MediaType, Platform: platform}
		for k, v := range d.Annotations {
			if !isLayoutOnly(k) {
				if desc.Annotations == nil {
					desc.Annotations = map[string]string{}
				}
				desc.Annotations[k] = v
			}
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: desc})
	}
	return idx, nil
}

// configPlatform reads the platform an image is for from its config.
func configPlatform(img v1.Image) (*v1.Platform, error) {
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("reading the image config: %v", err)
	}
	if cf.OS == "" || cf.Architecture == "" {
		return nil, fmt.Errorf("no platform in the index and no os/architecture in the image config")
	}
	return cf.Platform(), nil
}

func isLayoutOnly(k string) bool {
	for _, x := range layoutOnly {
		if k == x {
			return true
		}
	}
	for _, x := range layoutOnlyPrefixes {
		if strings.HasPrefix(k, x) {
			return true
		}
	}
	return false
}

// extract unpacks a tar file, refusing entries that would escape dir.
func extract(path, dir string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: reading %s: %v", ErrLayout, path, err)
		}
		name := filepath.Clean(h.Name)
		if filepath.IsAbs(name) || name == ".." || strings.HasPrefix(name, ".."+string(filepath.Separator)) {
			return fmt.Errorf("%w: %s has an entry outside the layout: %q", ErrLayout, path, h.Name)
		}
		target := filepath.Join(dir, name)
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return err
			}
			out, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
			if err != nil {
				return err
			}
			if _, err := io.Copy(out, tr); err != nil {
				out.Close()
				return err
			}
			if err := out.Close(); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%w: %s has an unexpected entry %q (type %c)", ErrLayout, path, h.Name, h.Typeflag)
		}
	}
}
