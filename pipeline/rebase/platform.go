package rebase

import (
	"fmt"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/patchline/patchline/pipeline/build"
	"github.com/patchline/patchline/pipeline/platform"
)

// configPlatform is the platform an image config says it is for.
func configPlatform(cf *v1.ConfigFile) v1.Platform {
	return v1.Platform{OS: cf.OS, Architecture: cf.Architecture, Variant: cf.Variant, OSVersion: cf.OSVersion}
}

// isAttestation reports whether an index entry is a BuildKit attestation
// manifest (unknown/unknown, vnd.docker.reference.type=attestation-manifest)
// rather than a platform image. It is the same rule registry.PlatformManifests
// applies.
func isAttestation(d v1.Descriptor) bool {
	if d.Annotations["vnd.docker.reference.type"] == "attestation-manifest" {
		return true
	}
	return d.Platform != nil && d.Platform.OS == "unknown" && d.Platform.Architecture == "unknown"
}

// platformList renders the platforms of descriptors for an error message:
// "linux/amd64, linux/arm64".
func platformList(ds []v1.Descriptor) string {
	var out []string
	for _, d := range ds {
		if d.Platform != nil && !isAttestation(d) {
			out = append(out, d.Platform.String())
		}
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ", ")
}

// platformEntry checks that index entry i is a platform image a rebase can
// carry, and returns its platform.
func platformEntry(i int, d v1.Descriptor) (v1.Platform, error) {
	if !d.MediaType.IsImage() {
		return v1.Platform{}, fmt.Errorf("%w: index entry %d (%s) is a %s, not an image", ErrUnsupported, i, d.Digest, d.MediaType)
	}
	if d.Platform == nil {
		return v1.Platform{}, fmt.Errorf("%w: index entry %d (%s) has no platform, so no base can be matched to it", ErrUnsupported, i, d.Digest)
	}
	return *d.Platform, nil
}

// samePlatform is platform.Same for go-containerregistry's platforms.
func samePlatform(a, b v1.Platform) bool {
	return platform.Same(build.PlatformOf(a), build.PlatformOf(b))
}
