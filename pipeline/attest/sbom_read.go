package attest

import (
	"context"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// SBOM returns the SBOM of format f attached to subject in repo as a
// referrer: the document itself, the newest when there are several. ok is
// false when there is none.
func (r *Referrers) SBOM(ctx context.Context, repo name.Repository, subject v1.Hash, f Format) (sbom SBOM, ok bool, err error) {
	at := f.MediaType()
	if at == "" {
		return SBOM{}, false, fmt.Errorf("%w %q", ErrUnknownSBOMFormat, f)
	}
	list, err := r.List(ctx, repo, subject, at)
	if err != nil || len(list) == 0 {
		return SBOM{}, false, err
	}
	d := list[len(list)-1]
	m, err := r.fetchReferrerManifest(ctx, repo, d.Digest)
	if err != nil {
		return SBOM{}, false, err
	}
	if len(m.Layers) != 1 {
		return SBOM{}, false, fmt.Errorf("%w: SBOM referrer %s of %s has %d layers, not 1", ErrMalformedAttestation, d.Digest, subject, len(m.Layers))
	}
	doc, err := r.readBlob(ctx, repo, m.Layers[0])
	if err != nil {
		return SBOM{}, false, fmt.Errorf("reading the SBOM of %s: %w", subject, err)
	}
	s, err := ParseSBOM(f, doc)
	if err != nil {
		return SBOM{}, false, fmt.Errorf("the SBOM attached to %s: %w", subject, err)
	}
	return s, true, nil
}

// IndexSBOM returns the SBOM of format f among the in-index attestations
// of the platform image subject (see ReadIndexAttestations). ok is false
// when there is none.
func IndexSBOM(atts map[v1.Hash][]Statement, subject v1.Hash, f Format) (sbom SBOM, ok bool, err error) {
	for _, st := range atts[subject] {
		if st.PredicateType != f.PredicateType() {
			continue
		}
		s, err := ParseSBOM(f, st.Predicate)
		if err != nil {
			return SBOM{}, false, fmt.Errorf("the SBOM statement of %s: %w", subject, err)
		}
		return s, true, nil
	}
	return SBOM{}, false, nil
}
