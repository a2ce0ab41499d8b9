package platform

import (
	"fmt"
	"regexp"
	"strings"
)

// BuildKit validates a Dockerfile's --platform with containerd's parser;
// importing that would pull containerd into every cold call of the module,
// so ParseSpecifier checks the same shape with the standard library:
// components of [A-Za-z0-9_.-], at most three of them, and a lone
// component that is a known OS or architecture.
var (
	specifierPart = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)
	specifierOS   = regexp.MustCompile(`^([A-Za-z0-9_-]+)(?:\(([A-Za-z0-9_.%+-]*)\))?$`)
)

// goOS and goArch are the GOOS and GOARCH values a single-component
// specifier may name; archAliases are the common other spellings BuildKit
// maps to GOARCH names (with the variant they imply).
var (
	goOS = map[string]bool{
		"aix": true, "android": true, "darwin": true, "dragonfly": true, "freebsd": true,
		"illumos": true, "ios": true, "js": true, "linux": true, "netbsd": true,
		"openbsd": true, "plan9": true, "solaris": true, "wasip1": true, "windows": true,
	}
	archAliases = map[string][2]string{
		"x86_64": {"amd64", ""}, "x86-64": {"amd64", ""}, "aarch64": {"arm64", ""},
		"armhf": {"arm", "v7"}, "armel": {"arm", "v6"}, "i386": {"386", ""},
	}
	goArch = map[string]bool{
		"386": true, "amd64": true, "amd64p32": true, "arm": true, "armbe": true,
		"arm64": true, "arm64be": true, "loong64": true, "mips": true, "mipsle": true,
		"mips64": true, "mips64le": true, "ppc64": true, "ppc64le": true,
		"riscv64": true, "s390x": true, "sparc64": true, "wasm": true,
	}
)

// ParseSpecifier reads a platform as a Dockerfile's --platform (and
// BuildKit's BUILDPLATFORM and TARGETPLATFORM) write it:
// os[(osversion)][/arch[/variant]]. Aliases are mapped to Go's names
// (x86_64 is amd64, armhf is arm/v7) and letters lowered, as BuildKit does
// before it formats BUILDARCH and TARGETARCH. A lone architecture gets the
// OS "linux" (the only one patchline builds for) and a lone OS the
// architecture "amd64", standing in for containerd's "the machine running
// the build". Errors wrap ErrInvalid.
func ParseSpecifier(s string) (Platform, error) {
	bad := func(why string) (Platform, error) {
		return Platform{}, fmt.Errorf("%w %q: %s; use os/arch[/variant] such as linux/amd64 or linux/arm64/v8", ErrInvalid, s, why)
	}
	if s == "" {
		return bad("it is empty")
	}
	parts := strings.Split(s, "/")
	if len(parts) > 3 {
		return bad("it has more than three components")
	}
	for i, p := range parts {
		if p == "" {
			return bad(fmt.Sprintf("component %d is empty", i+1))
		}
		if i > 0 && !specifierPart.MatchString(p) {
			return bad(fmt.Sprintf("component %q may contain only letters, digits, '_', '.' and '-'", p))
		}
	}
	m := specifierOS.FindStringSubmatch(parts[0])
	if m == nil {
		return bad(fmt.Sprintf("operating system %q may contain only letters, digits, '_' and '-', optionally followed by (version)", parts[0]))
	}
	p := Platform{OS: strings.ToLower(m[1]), OSVersion: m[2]}
	switch len(parts) {
	case 1:
		if goOS[p.OS] {
			p.Architecture = "amd64"
			return p, nil
		}
		arch, variant := normalizeArch(parts[0], "")
		if m[2] == "" && goArch[arch] {
			return Platform{OS: "linux", Architecture: arch, Variant: variant}, nil
		}
		return bad("it is neither a known operating system nor a known architecture")
	case 2:
		p.Architecture, p.Variant = normalizeArch(parts[1], "")
	default:
		p.Architecture, p.Variant = normalizeArch(parts[1], parts[2])
	}
	return p, nil
}

// normalizeArch maps the common aliases (x86_64, aarch64, ...) to Go's names.
func normalizeArch(arch, variant string) (string, string) {
	arch = strings.ToLower(arch)
	variant = strings.ToLower(variant)
	if a, ok := archAliases[arch]; ok {
		arch = a[0]
		if variant == "" {
			variant = a[1]
		}
	}
	return arch, variant
}
