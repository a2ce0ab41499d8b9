package attest

import (
	"fmt"
	"net/url"
	"path"
	"regexp"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/patchline/patchline/pipeline/internal/safetext"
)

// secretName matches build-arg names that usually hold a credential, the
// same idea as BuildKit's SecretsUsedInArgOrEnv check: a word of the name
// (split on "_") is one of these.
var secretName = regexp.MustCompile(`(?i)(?:^|_)(?:apikey|auth|credential|credentials|key|pass|passwd|password|pat|pword|pwd|secret|token)(?:_|$)`)

// secretNameAllowed matches names that contain such a word but are known
// not to be secrets (PUBLIC_KEY, KEY_FILE, GPG_KEY_VERSION...).
var secretNameAllowed = regexp.MustCompile(`(?i)(?:^|_)(?:public|file|version|id|url)(?:_|$)`)

// gitCommit matches a full SHA-1 or SHA-256 git object name.
var gitCommit = regexp.MustCompile(`^(?:[0-9a-f]{40}|[0-9a-f]{64})$`)

// validate checks a provenance input for completeness and for anything that
// could leak a credential into a public document.
func (in ProvenanceInput) validate() error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidProvenance, fmt.Sprintf(format, args...))
	}
	if len(in.Subjects) == 0 {
		return fail("no subjects: pass the digest of the image this provenance is about")
	}
	for i, s := range in.Subjects {
		if s.Name == "" {
			return fail("subject[%d] has no name", i)
		}
		if h := s.Digest["sha256"]; len(h) != 64 || !hexDigest.MatchString(h) {
			return fail("subject[%d] %q has no sha256 digest", i, s.Name)
		}
	}
	r := in.Request
	switch r.Kind {
	case KindRelease, KindRefresh:
		if r.Version == "" {
			return fail("a %s needs the version it built", r.Kind)
		}
	case KindEdge:
	default:
		return fail("kind %q is not one of %q, %q, %q", r.Kind, KindRelease, KindRefresh, KindEdge)
	}
	if err := checkSourceURI(r.Source.URI); err != nil {
		return err
	}
	if r.Source.Ref == "" {
		return fail("source ref is empty: pass the ref built, e.g. refs/tags/v1.6.0")
	}
	if !gitCommit.MatchString(in.SourceCommit) {
		return fail("source commit %q is not a full lowercase git hash", in.SourceCommit)
	}
	if r.Dockerfile == "" || path.IsAbs(r.Dockerfile) || strings.HasPrefix(path.Clean(r.Dockerfile), "..") {
		return fail("dockerfile %q must be a path inside the source, such as \"Dockerfile\"", r.Dockerfile)
	}
	if _, err := v1.ParsePlatform(r.Platform); err != nil || r.Platform == "" {
		return fail("platform %q is not os/arch[/variant]", r.Platform)
	}
	for k, v := range r.BuildArgs {
		if k == "" {
			return fail("a build arg has an empty name")
		}
		if secretName.MatchString(k) && !secretNameAllowed.MatchString(k) {
			return fmt.Errorf("%w: build arg %q: pass credentials as Dagger secrets, not build args, which are recorded in provenance", ErrCredentialInInput, k)
		}
		if hasURLPassword(v) {
			return fmt.Errorf("%w: build arg %q holds a URL with a password", ErrCredentialInInput, k)
		}
	}
	switch in.Internal.Strategy {
	case "", "build", "rebase":
	default:
		return fail("internal strategy %q is not \"build\" or \"rebase\"", in.Internal.Strategy)
	}
	for _, img := range append(append([]Image(nil), in.BaseImages...), in.Tools...) {
		if _, err := name.ParseReference(strings.SplitN(img.Ref, "@", 2)[0]); err != nil {
			return fail("image reference %q: %v", img.Ref, err)
		}
		if img.Digest.Algorithm != "sha256" || len(img.Digest.Hex) != 64 {
			return fail("image %q has no sha256 digest", img.Ref)
		}
	}
	if in.PatchlineVersion == "" {
		return fail("patchline version is empty: the builder id names it")
	}
	if in.InvocationID == "" {
		return fail("invocation id is empty: pass the CI run URL or another id of this run")
	}
	if in.StartedOn.IsZero() || in.FinishedOn.IsZero() {
		return fail("start and finish times are required (they are passed in, never read from the clock)")
	}
	if in.FinishedOn.Before(in.StartedOn) {
		return fail("finished on %s, before it started on %s", in.FinishedOn, in.StartedOn)
	}
	return nil
}

// checkSourceURI accepts an absolute repository URL with no credential in
// it. ssh://git@host/... keeps its user name, which is not a secret; any
// other userinfo (https://TOKEN@github.com/...) and any query are refused.
func checkSourceURI(s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return fmt.Errorf("%w: source uri %s is not an absolute URL such as https://github.com/acme/app", ErrInvalidProvenance, safetext.Quote(safetext.URL(s)))
	}
	if u.User != nil {
		if _, hasPassword := u.User.Password(); hasPassword || u.Scheme != "ssh" {
			return fmt.Errorf("%w: source uri for host %q has userinfo; drop it, the provenance is public", ErrCredentialInInput, u.Host)
		}
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%w: source uri %s has a query or fragment; pass the plain repository URL", ErrInvalidProvenance, safetext.Quote(safetext.URL(s)))
	}
	return nil
}

// hasURLPassword reports whether s is a URL carrying a password.
func hasURLPassword(s string) bool {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return false
	}
	_, ok := u.User.Password()
	return ok
}
