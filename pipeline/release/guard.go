package release

import (
	"fmt"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/patchline/patchline/pipeline/attest"
	"github.com/patchline/patchline/pipeline/policy"
)

// checkAttested is the last check before anything is published: every
// image of the product's index (every platform manifest, leaving out
// attestation manifests) must have the attestations the policy asks for,
// in every layout it asks for. An image without a platform cannot be
// attested at all, so it is refused too. On an error nothing has been
// written and no tag points at the product: the error names each image and
// what it lacks.
//
// An adopted product (an earlier run's image, being finished) makes its
// referrers while publishing, so only its platforms are checked here.
func (prod *Product) checkAttested(p *policy.Policy) error {
	a := p.Attestations
	if !a.Any() {
		return nil
	}
	im, err := prod.Index.IndexManifest()
	if err != nil {
		return err
	}
	var inIndex map[v1.Hash][]attest.Statement
	if a.Has(policy.LayoutIndex) && !prod.Adopted {
		if inIndex, err = attest.ReadIndexAttestations(prod.Index); err != nil {
			return err
		}
	}
	var problems []string
	for _, d := range im.Manifests {
		if !d.MediaType.IsImage() || d.Annotations[attest.AnnotationReferenceType] == attest.ReferenceTypeAttestation {
			continue
		}
		if d.Platform == nil || d.Platform.OS == "" || d.Platform.Architecture == "" {
			problems = append(problems, fmt.Sprintf("image %s has no platform in the index, so no %s could be made for it", d.Digest, wantedNames(a)))
			continue
		}
		if prod.Adopted {
			continue
		}
		var missing []string
		have := prod.Statements[d.Digest]
		if a.SBOM != policy.SBOMNone {
			pt := sbomFormat(a.SBOM).PredicateType()
			if !hasPredicate(have, pt) {
				missing = append(missing, string(a.SBOM)+" SBOM")
			} else if a.Has(policy.LayoutReferrers) {
				if _, ok := prod.Documents[d.Digest]; !ok {
					missing = append(missing, string(a.SBOM)+" SBOM document for the referrers layout")
				}
			}
			if a.Has(policy.LayoutIndex) && hasPredicate(have, pt) && !hasPredicate(inIndex[d.Digest], pt) {
				missing = append(missing, "in-index "+string(a.SBOM)+" SBOM")
			}
		}
		if a.Provenance {
			pt := attest.PredicateSLSAProvenanceV1
			if !hasPredicate(have, pt) {
				missing = append(missing, "SLSA provenance")
			} else if a.Has(policy.LayoutIndex) && !hasPredicate(inIndex[d.Digest], pt) {
				missing = append(missing, "in-index SLSA provenance")
			}
		}
		if len(missing) > 0 {
			problems = append(problems, fmt.Sprintf("image %s (%s) lacks its %s", d.Digest, d.Platform, strings.Join(missing, " and ")))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s; nothing was tagged (the policy %s asks for %s on every image)",
			ErrUnattested, strings.Join(problems, "; "), p.Source, wantedNames(a))
	}
	return nil
}

func hasPredicate(stmts []attest.Statement, predicateType string) bool {
	for _, st := range stmts {
		if st.PredicateType == predicateType {
			return true
		}
	}
	return false
}

// wantedNames says what the policy attaches, for error messages.
func wantedNames(a policy.Attestations) string {
	var out []string
	if a.SBOM != policy.SBOMNone {
		out = append(out, string(a.SBOM)+" SBOM")
	}
	if a.Provenance {
		out = append(out, "SLSA provenance")
	}
	return strings.Join(out, " and ")
}
