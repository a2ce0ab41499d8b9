package attest

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/patchline/patchline/pipeline/reponame"
)

// ImagePURL returns the package URL of an image reference, in the form
// BuildKit uses for statement subjects and provenance dependencies, e.g.
// "pkg:docker/debian@bookworm-slim?platform=linux%2Famd64" or
// "pkg:docker/ghcr.io/acme/app@1.6.0?platform=linux%2Farm64%2Fv8". Docker
// Hub references lose "index.docker.io/" and "library/" as in Docker's
// familiar names. A registry with a port ("10.0.0.1:5000/acme/app")
// cannot be written in a purl's namespace; as the purl spec for docker
// says, it goes in the repository_url qualifier instead
// ("pkg:docker/acme/app@1.0.0?repository_url=10.0.0.1%3A5000"). A
// reference pinned by digest ("debian:bookworm-slim@sha256:...") keeps its
// tag as the version and adds a digest qualifier. platform may be nil.
func ImagePURL(ref string, platform *v1.Platform) (string, error) {
	named, dgst, _ := strings.Cut(ref, "@")
	tag := ""
	r, err := name.ParseReference(named)
	if err != nil {
		return "", fmt.Errorf("parsing image reference %q: %w", ref, err)
	}
	repo := r.Context()
	if t, ok := r.(name.Tag); ok && (dgst == "" || reponame.HasTag(named)) {
		tag = t.TagStr()
	}
	if dgst != "" {
		if _, err := v1.NewHash(dgst); err != nil {
			return "", fmt.Errorf("parsing digest of image reference %q: %w", ref, err)
		}
	}

	path := repo.RepositoryStr()
	repositoryURL := ""
	switch reg := repo.RegistryStr(); {
	case reg == name.DefaultRegistry:
		path = strings.TrimPrefix(path, "library/")
	case strings.Contains(reg, ":"):
		repositoryURL = reg
	default:
		path = reg + "/" + path
	}
	segs := strings.Split(path, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}

	var sb strings.Builder
	sb.WriteString("pkg:docker/")
	sb.WriteString(strings.Join(segs, "/"))
	if tag != "" {
		sb.WriteString("@" + url.PathEscape(tag))
	}
	// Qualifiers are sorted by key, as the purl spec asks.
	var q []string
	if dgst != "" {
		q = append(q, "digest="+url.QueryEscape(dgst))
	}
	if platform != nil {
		q = append(q, "platform="+url.QueryEscape(platformString(*platform)))
	}
	if repositoryURL != "" {
		q = append(q, "repository_url="+url.QueryEscape(repositoryURL))
	}
	if len(q) > 0 {
		sb.WriteString("?" + strings.Join(q, "&"))
	}
	return sb.String(), nil
}

// platformString renders os/arch[/variant], the form OCI tools print.
func platformString(p v1.Platform) string {
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}
