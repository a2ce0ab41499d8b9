// Package platform is patchline's one notion of a target platform: the
// Platform type, and the two ways a platform is written down.
//
//   - Parse reads a platform patchline builds for, as a policy's platforms
//     and --platform give it: os/arch[/variant] from a short list, written
//     the way registries and BuildKit print it, refused with a hint when it
//     is not. A release publishes one image per platform, so a typo must
//     not become an image nobody can run.
//   - ParseSpecifier reads a --platform value of a Dockerfile as BuildKit
//     does: aliases such as x86_64 and aarch64, a lone OS or architecture,
//     and an OS version are taken, because a Dockerfile that builds with
//     BuildKit must be read by patchline too.
//
// Both give a Platform; package build converts it to and from
// go-containerregistry's v1.Platform, which builds and index entries use.
// The package itself imports no registry code, so the Dockerfile reader
// stays cheap to compile. arm64 and arm64/v8 are one
// platform (Key, Same): registries, BuildKit and image configs spell it
// both ways.
package platform

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/patchline/patchline/pipeline/internal/safetext"
	"github.com/patchline/patchline/pipeline/tagname"
)

// ErrInvalid is wrapped by ParseSpecifier's errors.
var ErrInvalid = errors.New("invalid platform")

// Platform is a target platform: os[(osversion)]/arch[/variant].
type Platform struct {
	OS           string
	OSVersion    string
	Architecture string
	Variant      string
}

// String renders os[(version)]/arch[/variant], the way BuildKit fills
// BUILDPLATFORM and TARGETPLATFORM and policies write platforms.
func (p Platform) String() string {
	s := p.OS
	if p.OSVersion != "" {
		s += "(" + p.OSVersion + ")"
	}
	s += "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}

// MarshalText renders String, so a policy's platforms print as written.
func (p Platform) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText reads a platform with Parse.
func (p *Platform) UnmarshalText(b []byte) error {
	q, err := Parse(string(b))
	if err != nil {
		return err
	}
	*p = q
	return nil
}

// Key is the platform a name stands for, for finding the same platform
// written twice: arm64 and arm64/v8 are one platform, as registries and
// BuildKit read them.
func (p Platform) Key() string {
	p.Variant = normalVariant(p.Architecture, p.Variant)
	return p.String()
}

// Same reports whether two platforms, as an index entry or an image config
// states them (see build.PlatformOf), name the same kind of machine. OS and architecture must be
// equal. The variant is compared when both give one, after arm64's "v8"
// (the only arm64 variant in use, which some indexes spell out and some
// configs leave out) is read as no variant; an image config often omits
// the variant its index entry states. The OS version (Windows builds) is
// compared when both give one.
func Same(a, b Platform) bool {
	if a.OS != b.OS || a.Architecture != b.Architecture {
		return false
	}
	va, vb := normalVariant(a.Architecture, a.Variant), normalVariant(b.Architecture, b.Variant)
	if va != "" && vb != "" && va != vb {
		return false
	}
	if a.OSVersion != "" && b.OSVersion != "" && a.OSVersion != b.OSVersion {
		return false
	}
	return true
}

func normalVariant(arch, variant string) string {
	if arch == "arm64" && variant == "v8" {
		return ""
	}
	return variant
}

// buildOS are the operating systems patchline builds for.
var buildOS = []string{"linux", "windows", "freebsd", "darwin"}

// buildArch are the architectures patchline builds for, each with the
// variants it may be written with ("" for none).
var buildArch = map[string][]string{
	"amd64":    {"", "v2", "v3", "v4"},
	"arm64":    {"", "v8"},
	"arm":      {"v5", "v6", "v7"},
	"386":      {""},
	"ppc64le":  {""},
	"s390x":    {""},
	"riscv64":  {""},
	"mips64le": {""},
	"loong64":  {""},
}

// Parse reads a platform patchline builds for, written os/arch[/variant]
// such as linux/amd64 or linux/arm/v7. The OS, the architecture and the
// variant must be ones images are published for, spelled as registries
// print them; the error names what is wrong and, for a near miss, the
// platform meant.
func Parse(s string) (Platform, error) {
	q := safetext.Quote
	parts := strings.Split(s, "/")
	if len(parts) < 2 || len(parts) > 3 {
		return Platform{}, fmt.Errorf("platform %s: write it as os/arch or os/arch/variant, e.g. linux/amd64 or linux/arm/v7", q(s))
	}
	if !slices.Contains(buildOS, parts[0]) {
		return Platform{}, fmt.Errorf("platform %s: unknown os %s (known: %s)", q(s), q(parts[0]), strings.Join(buildOS, ", "))
	}
	variants, ok := buildArch[parts[1]]
	if !ok {
		var archs []string
		for a := range buildArch {
			archs = append(archs, a)
		}
		slices.Sort(archs)
		hint := ""
		if sug := tagname.Suggest(parts[1], archs); sug != "" {
			hint = fmt.Sprintf("; did you mean %s/%s?", parts[0], sug)
		}
		return Platform{}, fmt.Errorf("platform %s: unknown architecture %s%s (known: %s)", q(s), q(parts[1]), hint, strings.Join(archs, ", "))
	}
	p := Platform{OS: parts[0], Architecture: parts[1]}
	if len(parts) == 3 {
		p.Variant = parts[2]
	}
	if !slices.Contains(variants, p.Variant) {
		if p.Variant == "" {
			return Platform{}, fmt.Errorf("platform %s: %s needs a variant, e.g. %s/%s/v7", q(s), parts[1], parts[0], parts[1])
		}
		return Platform{}, fmt.Errorf("platform %s: %s has no variant %s", q(s), parts[1], q(p.Variant))
	}
	return p, nil
}

// ParseList reads the platforms given in one place with Parse, and refuses
// one given twice in any spelling (arm64 and arm64/v8 are one platform).
// what names the place in messages ("--platform").
func ParseList(what string, ss []string) ([]Platform, error) {
	out := make([]Platform, 0, len(ss))
	seen := map[string]string{}
	for _, s := range ss {
		p, err := Parse(s)
		if err != nil {
			return nil, fmt.Errorf("%s %w", what, err)
		}
		if first, dup := seen[p.Key()]; dup {
			if first == s {
				return nil, fmt.Errorf("%s %s is given twice; give each platform once", what, s)
			}
			return nil, fmt.Errorf("%s %s and %s name the same platform, given twice; give each platform once", what, first, s)
		}
		seen[p.Key()] = s
		out = append(out, p)
	}
	return out, nil
}

// Strings renders platforms with String.
func Strings(ps []Platform) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}
