// Package reponame checks image repository names strictly, as the OCI
// distribution spec and Docker's reference grammar write them:
// host[:port]/component/component, each path component lowercase letters
// and digits joined by '.', '_', '__' or runs of '-'.
//
// go-containerregistry's parser, even with name.StrictValidation, takes
// "ghcr.io//app" (and pushes to the repository "/app"), "../x",
// "http://ghcr.io/acme/app", "-x.io/app" and "127.0.0.1:99999/app". A
// repository is where a release writes tags that other people pull, so a
// name is checked here, with the fix in the message, wherever it enters.
//
// Of and HasTag read the repository and the tag out of a reference that
// was checked already, the one place that knows a registry port is not a
// tag.
package reponame

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/patchline/patchline/pipeline/internal/safetext"
)

// ErrInvalid is wrapped by every error of this package.
var ErrInvalid = errors.New("invalid repository name")

// MaxLen is the longest repository name, host included, that Docker and
// most registries accept.
const MaxLen = 255

var (
	// pathComponent is the distribution spec's path component.
	pathComponent = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$`)
	// hostLabel is one DNS label of a registry host.
	hostLabel = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$`)
)

// Name is a repository name split into its registry host and its path.
type Name struct {
	// Host is the registry, with its port if one was given: "ghcr.io",
	// "127.0.0.1:5000", "[::1]:5000".
	Host string
	// Path is the repository within it: "acme/app".
	Path string
}

// String renders host/path.
func (n Name) String() string { return n.Host + "/" + n.Path }

// Parse checks a repository name that must say which registry it is on,
// such as ghcr.io/acme/app, docker.io/acme/app or localhost:5000/app.
// Without a registry host ("acme/app"), Docker would read Docker Hub; a
// release must not guess where it publishes, so the name is refused with
// the spelling that says so.
func Parse(s string) (Name, error) {
	bad := func(format string, args ...any) (Name, error) {
		return Name{}, fmt.Errorf("%w %s: %s", ErrInvalid, safetext.Quote(s), fmt.Sprintf(format, args...))
	}
	switch {
	case s == "":
		return bad("it is empty; write it like ghcr.io/acme/app")
	case strings.Contains(s, "://"):
		scheme, rest, _ := strings.Cut(s, "://")
		return bad("drop the scheme %s://; write it like %s", scheme, safetext.Clip(rest))
	case strings.ContainsFunc(s, unicode.IsSpace):
		return bad("it contains a space")
	case strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) || r > unicode.MaxASCII }):
		return bad("it contains characters a repository name cannot hold")
	case strings.Contains(s, "@"):
		return bad("it has a digest; give the repository alone, e.g. %s", safetext.Quote(s[:strings.IndexByte(s, '@')]))
	case len(s) > MaxLen:
		return bad("it is %d characters long; registries take at most %d", len(s), MaxLen)
	}
	host, path, ok := strings.Cut(s, "/")
	if !ok || !looksLikeHost(host) {
		if err := CheckPath(s); err != nil {
			return Name{}, fmt.Errorf("%w %s: %v", ErrInvalid, safetext.Quote(s), err)
		}
		return bad("it names no registry host, so it would mean Docker Hub; write docker.io/%s for Docker Hub, or the registry host first, e.g. ghcr.io/%s or localhost:5000/%s",
			safetext.Clip(s), safetext.Clip(s), safetext.Clip(s))
	}
	if err := CheckHost(host); err != nil {
		return Name{}, fmt.Errorf("%w %s: %v", ErrInvalid, safetext.Quote(s), err)
	}
	if i := strings.LastIndexByte(path, ':'); i >= 0 {
		return bad("it has a tag; give the repository alone, e.g. %s, and let the policy choose tags", safetext.Quote(host+"/"+path[:i]))
	}
	if err := CheckPath(path); err != nil {
		return Name{}, fmt.Errorf("%w %s: %v", ErrInvalid, safetext.Quote(s), err)
	}
	return Name{Host: host, Path: path}, nil
}

// Of returns the repository of an image reference as written: ref
// without its tag and digest ("localhost:5000/acme/app:1.6@sha256:…" is
// "localhost:5000/acme/app"). It reads text and checks nothing: it serves
// references that were parsed, or recorded, already.
func Of(ref string) string {
	ref, _, _ = strings.Cut(ref, "@")
	if i, ok := tagAt(ref); ok {
		return ref[:i]
	}
	return ref
}

// HasTag reports whether an image reference spells out a tag before any
// digest: a ':' after the last '/', so a registry port
// ("localhost:5000/app") is not taken for one.
func HasTag(ref string) bool {
	ref, _, _ = strings.Cut(ref, "@")
	_, ok := tagAt(ref)
	return ok
}

// tagAt returns the index of the ':' that starts the tag of a reference
// without digest.
func tagAt(ref string) (int, bool) {
	i := strings.LastIndexByte(ref, ':')
	return i, i >= 0 && !strings.Contains(ref[i:], "/")
}

// looksLikeHost reports whether the first part of a name is a registry
// host rather than a Docker Hub namespace, by Docker's rule: it holds a
// '.' or a ':', or is localhost, or is a bracketed IPv6 address.
func looksLikeHost(s string) bool {
	return strings.ContainsAny(s, ".:") || s == "localhost" || strings.HasPrefix(s, "[")
}

// CheckHost checks a registry host: a lowercase DNS name, an IPv4
// address or a bracketed IPv6 address, with an optional port from 1 to
// 65535.
func CheckHost(h string) error {
	host, port := h, ""
	switch {
	case strings.HasPrefix(h, "["):
		end := strings.IndexByte(h, ']')
		if end < 0 {
			return fmt.Errorf("host %s: an IPv6 address needs its closing ]", safetext.Quote(h))
		}
		host, port = h[:end+1], h[end+1:]
		if port != "" && !strings.HasPrefix(port, ":") {
			return fmt.Errorf("host %s: write [address]:port", safetext.Quote(h))
		}
		if a, err := netip.ParseAddr(host[1:end]); err != nil || !a.Is6() {
			return fmt.Errorf("host %s: %s is not an IPv6 address", safetext.Quote(h), safetext.Quote(host))
		}
		port = strings.TrimPrefix(port, ":")
		if port == "" && strings.HasSuffix(h, ":") {
			return fmt.Errorf("host %s: the port after ':' is empty", safetext.Quote(h))
		}
	default:
		var hasPort bool
		host, port, hasPort = strings.Cut(h, ":")
		if hasPort && port == "" {
			return fmt.Errorf("host %s: the port after ':' is empty; write e.g. %s:5000 or drop the ':'", safetext.Quote(h), safetext.Clip(host))
		}
		if host == "" {
			return fmt.Errorf("host %s: the host name is empty", safetext.Quote(h))
		}
		if strings.ToLower(host) != host {
			return fmt.Errorf("host %s: write the host in lower case, %s", safetext.Quote(h), safetext.Quote(strings.ToLower(h)))
		}
		for _, label := range strings.Split(host, ".") {
			if label == "" {
				return fmt.Errorf("host %s has an empty name part (a leading, trailing or doubled '.')", safetext.Quote(h))
			}
			if !hostLabel.MatchString(label) {
				return fmt.Errorf("host %s: %s is not a host name part (letters, digits and '-', not at either end)", safetext.Quote(h), safetext.Quote(label))
			}
		}
	}
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || strings.HasPrefix(port, "0") || strings.HasPrefix(port, "+") {
			return fmt.Errorf("host %s: port %s is not a port number from 1 to 65535", safetext.Quote(h), safetext.Clip(port))
		}
	}
	return nil
}

// CheckPath checks the path of a repository within its registry:
// components separated by single slashes, each lowercase letters and
// digits joined by '.', '_', '__' or runs of '-'.
func CheckPath(p string) error {
	if p == "" {
		return errors.New("the repository path is empty; write it like acme/app")
	}
	for _, c := range strings.Split(p, "/") {
		switch {
		case c == "":
			return fmt.Errorf("%s has an empty path component (a leading, trailing or doubled '/'); write it like acme/app", safetext.Quote(p))
		case pathComponent.MatchString(c):
		case strings.ToLower(c) != c:
			return fmt.Errorf("path component %s: write repository names in lower case, %s", safetext.Quote(c), safetext.Quote(strings.ToLower(c)))
		default:
			return fmt.Errorf("path component %s must be lowercase letters and digits joined by '.', '_', '__' or '-'", safetext.Quote(c))
		}
	}
	return nil
}
