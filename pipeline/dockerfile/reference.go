package dockerfile

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/patchline/patchline/pipeline/internal/safetext"
	"github.com/patchline/patchline/pipeline/reponame"
)

// Reference is an external image reference, normalised so that the many
// spellings of one image ("debian", "docker.io/debian",
// "index.docker.io/library/debian:latest") compare equal.
type Reference struct {
	// Name is the repository with its registry, Docker Hub spelled
	// "docker.io" and its official images under "library/":
	// "docker.io/library/debian".
	Name string `json:"name"`
	// Tag is the tag, "latest" when neither a tag nor a digest was written,
	// and empty for a digest-only reference ("debian@sha256:...").
	Tag string `json:"tag,omitempty"`
	// Digest is the pinned digest ("sha256:..."), empty when not pinned.
	Digest string `json:"digest,omitempty"`
}

// dockerHub is how Docker Hub is spelled in normalised references; it is the
// spelling `docker` itself prints (go-containerregistry says
// "index.docker.io", which nobody writes in a Dockerfile).
const dockerHub = "docker.io"

// digestPattern is what a pin may contain. Registries address manifests by
// sha256 today; sha512 is accepted because the OCI spec registers it.
var digestPattern = regexp.MustCompile(`^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$`)

// ParseReference parses and normalises an image reference such as
// "debian:bookworm-slim", "gcr.io/distroless/static-debian12" or
// "debian:bookworm@sha256:...". The tag is kept next to a digest, as
// Renovate writes pins, because the tag is what a refresh resolves again.
func ParseReference(s string) (Reference, error) {
	bad := func(err error) (Reference, error) {
		return Reference{}, fmt.Errorf("%w %s: %v", ErrInvalidReference, safetext.Quote(s), err)
	}
	if s == "" {
		return bad(fmt.Errorf("it is empty"))
	}
	if strings.TrimSpace(s) != s || strings.ContainsAny(s, " \t\r\n") {
		return bad(fmt.Errorf("it contains spaces"))
	}
	base, dig, hasDigest := strings.Cut(s, "@")
	if err := checkPath(base); err != nil {
		return bad(err)
	}
	var r Reference
	if hasDigest {
		if !digestPattern.MatchString(dig) {
			return bad(fmt.Errorf("digest %q is not sha256:<64 hex digits>", dig))
		}
		d, err := name.NewDigest(s, name.WeakValidation)
		if err != nil {
			return bad(err)
		}
		r.Name = normalName(d.Context())
		r.Digest = dig
		if reponame.HasTag(base) {
			t, err := name.NewTag(base, name.WeakValidation)
			if err != nil {
				return bad(err)
			}
			r.Tag = t.TagStr()
		}
		if err := checkTag(s, r.Tag); err != nil {
			return Reference{}, err
		}
		return r, nil
	}
	t, err := name.NewTag(s, name.WeakValidation)
	if err != nil {
		return bad(err)
	}
	r.Name = normalName(t.Context())
	r.Tag = t.TagStr()
	if err := checkTag(s, r.Tag); err != nil {
		return Reference{}, err
	}
	return r, nil
}

// tagPattern is the distribution spec's tag grammar, which BuildKit
// enforces: go-containerregistry also takes a leading '.' or '-'.
var tagPattern = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)

func checkTag(ref, tag string) error {
	if tag != "" && !tagPattern.MatchString(tag) {
		return fmt.Errorf("%w %s: tag %s must start with a letter, digit or '_'", ErrInvalidReference, safetext.Quote(ref), safetext.Quote(tag))
	}
	return nil
}

// pathComponent is the grammar of one repository path component in the
// distribution reference spec, which BuildKit enforces and
// go-containerregistry's weak parsing does not (it takes "/debian").
var pathComponent = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$`)

// checkPath validates the repository path of name[:tag] (registry and tag
// are left to go-containerregistry).
func checkPath(ref string) error {
	ref = reponame.Of(ref)
	parts := strings.Split(ref, "/")
	if len(parts) > 1 && (parts[0] == "localhost" || strings.ContainsAny(parts[0], ".:")) {
		parts = parts[1:]
	}
	for _, p := range parts {
		if !pathComponent.MatchString(p) {
			if strings.ToLower(p) != p {
				return fmt.Errorf("path component %q is not lowercase; repository names must be lowercase", p)
			}
			return fmt.Errorf("path component %q must be lowercase letters and digits separated by '.', '_', '__' or '-'", p)
		}
	}
	return nil
}

func normalName(repo name.Repository) string {
	reg := repo.RegistryStr()
	if reg == name.DefaultRegistry {
		reg = dockerHub
	}
	return reg + "/" + repo.RepositoryStr()
}

// String renders the normalised reference: name[:tag][@digest].
func (r Reference) String() string {
	s := r.Name
	if r.Tag != "" {
		s += ":" + r.Tag
	}
	if r.Digest != "" {
		s += "@" + r.Digest
	}
	return s
}

// Key is the reference a resolver should look up to pin this one: the tag
// (a refresh asks "what does bookworm-slim point at now?"), or the digest
// itself when no tag was written.
func (r Reference) Key() string {
	if r.Tag != "" {
		return r.Name + ":" + r.Tag
	}
	return r.Name + "@" + r.Digest
}

// validateDigest checks a digest handed in by a caller or a resolver.
func validateDigest(ref, d string) error {
	if !digestPattern.MatchString(d) {
		return fmt.Errorf("%w %q for %s: want sha256:<64 lowercase hex digits>", ErrInvalidDigest, d, ref)
	}
	return nil
}
