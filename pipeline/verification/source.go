package verification

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/patchline/patchline/pipeline/internal/safetext"
)

// SourceRef is the source a provenance says the image was built from.
type SourceRef struct {
	URI    string `json:"uri"`
	Ref    string `json:"ref,omitempty"`
	Commit string `json:"commit,omitempty"`
}

// ProvenanceSource reads the source of a SLSA provenance v1 predicate:
// patchline records it in externalParameters.source (uri and ref) and the
// commit among resolvedDependencies as git+<uri>@<ref>. Provenance from
// other builders that records only the git dependency is read from there.
func ProvenanceSource(predicate json.RawMessage) (SourceRef, error) {
	var p struct {
		BuildDefinition struct {
			ExternalParameters struct {
				Source struct {
					URI string `json:"uri"`
					Ref string `json:"ref"`
				} `json:"source"`
			} `json:"externalParameters"`
			ResolvedDependencies []struct {
				URI    string            `json:"uri"`
				Digest map[string]string `json:"digest"`
			} `json:"resolvedDependencies"`
		} `json:"buildDefinition"`
	}
	if err := json.Unmarshal(predicate, &p); err != nil {
		return SourceRef{}, fmt.Errorf("%w: the provenance predicate is not SLSA provenance v1: %v", ErrMalformed, err)
	}
	src := SourceRef{URI: p.BuildDefinition.ExternalParameters.Source.URI, Ref: p.BuildDefinition.ExternalParameters.Source.Ref}
	for _, d := range p.BuildDefinition.ResolvedDependencies {
		rest, ok := strings.CutPrefix(d.URI, "git+")
		if !ok {
			continue
		}
		uri, ref, _ := strings.Cut(rest, "@")
		if src.URI == "" {
			src.URI, src.Ref = uri, ref
		}
		if sameRepository(uri, src.URI) {
			src.Commit = d.Digest["gitCommit"]
			break
		}
	}
	return src, nil
}

// Match checks the source against the expected repository and ref; an
// empty expectation matches anything. Repositories compare as people write
// them: https://github.com/acme/app, with or without .git or a trailing
// slash, and the host in any case.
func (s SourceRef) Match(uri, ref string) error {
	if uri != "" && !sameRepository(uri, s.URI) {
		return fmt.Errorf("%w: the provenance says the image was built from %s, not %s", ErrSource, orNothing(s.URI), safetext.Clip(uri))
	}
	if ref != "" && ref != s.Ref {
		hint := ""
		for _, prefix := range []string{"refs/tags/", "refs/heads/"} {
			if s.Ref == prefix+ref {
				hint = fmt.Sprintf(" (give the full ref, %s)", orNothing(s.Ref))
			}
		}
		return fmt.Errorf("%w: the provenance says the image was built from ref %s, not %s%s", ErrSource, orNothing(s.Ref), safetext.Clip(ref), hint)
	}
	return nil
}

// sameRepository compares two repository URLs loosely enough for the ways
// one repository is written, and no looser.
func sameRepository(a, b string) bool {
	return normalRepository(a) == normalRepository(b) && a != "" && b != ""
}

func normalRepository(s string) string {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || u.Host == "" {
		return strings.TrimSuffix(strings.TrimSuffix(s, "/"), ".git")
	}
	path := strings.TrimSuffix(strings.TrimSuffix(u.Path, "/"), ".git")
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host) + path
}

// orNothing prints a value read from a provenance: whoever signed it chose
// it, so it is cut to a readable length.
func orNothing(s string) string {
	if s == "" {
		return "(nothing recorded)"
	}
	return safetext.Clip(s)
}
