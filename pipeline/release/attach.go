package release

import (
	"context"
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/patchline/patchline/pipeline/attest"
	"github.com/patchline/patchline/pipeline/policy"
	"github.com/patchline/patchline/pipeline/publish"
	"github.com/patchline/patchline/pipeline/registry"
	"github.com/patchline/patchline/pipeline/signing"
)

// wanted is one kind of referrer each platform image must have.
type wanted struct {
	artifactType  string
	predicateType string // for in-toto statements
}

func wantedReferrers(p *policy.Policy) []wanted {
	var out []wanted
	if p.Attestations.SBOM != policy.SBOMNone {
		out = append(out, wanted{artifactType: sbomFormat(p.Attestations.SBOM).MediaType()})
	}
	// Signed, the provenance travels as a Sigstore bundle instead (see
	// signedAttestations); the SBOM document stays, for the readers that
	// pick it by its media type (Trivy, oras).
	if p.Attestations.Provenance && !p.Attestations.Signed() {
		out = append(out, wanted{artifactType: attest.MediaTypeInToto, predicateType: attest.PredicateSLSAProvenanceV1})
	}
	return out
}

// ReferrersAttach returns the publish step that attaches the product's
// attestations as OCI 1.1 referrers of every platform image. It first
// lists what each image already has and attaches only what is missing, so
// a re-run neither duplicates referrers nor runs syft again for them. It
// returns only once every attestation the policy asks for is listed for
// every image (attest.Referrers.Settle): on a registry without the
// referrers API the list is a tag other writers rewrite, so it is read
// back after a pause and repaired until it holds.
//
// When the policy signs, the statements are attached as Sigstore bundles
// by in.Signer, settled with the rest, and every bundle is read back
// before the step returns: the floating tags that publish moves next then
// point at an image whose signed attestations are in place.
func (prod *Product) ReferrersAttach(in Inputs) publish.AttachFunc {
	want := wantedReferrers(in.Policy)
	signed := in.Policy.Attestations.Signed()
	if !in.Policy.Attestations.Has(policy.LayoutReferrers) || (len(want) == 0 && !signed) {
		return nil
	}
	return func(ctx context.Context, repo string, _ *registry.Manifest) ([]string, error) {
		if err := in.CheckSigner(); err != nil {
			return nil, err
		}
		var ropts []attest.Option
		if in.Settle != 0 {
			ropts = append(ropts, attest.WithSettle(max(in.Settle, 0)))
		}
		refs, err := attest.NewReferrers(in.Registry, ropts...)
		if err != nil {
			return nil, err
		}
		r, err := in.Registry.ParseRepository(repo)
		if err != nil {
			return nil, err
		}
		var out []string
		for _, pi := range prod.Platforms {
			subject := v1.Descriptor{MediaType: pi.Descriptor.MediaType, Digest: pi.Descriptor.Digest, Size: pi.Descriptor.Size}
			var listed []v1.Descriptor
			for _, w := range want {
				have, err := refs.List(ctx, r, subject.Digest, w.artifactType)
				if err != nil {
					return nil, fmt.Errorf("listing referrers of %s@%s: %w", repo, subject.Digest, err)
				}
				if d, ok := matching(have, w); ok {
					listed = append(listed, d)
					continue
				}
				if err := prod.make(ctx, pi.Descriptor); err != nil {
					return nil, err
				}
				art, err := prod.artifact(subject.Digest, w)
				if err != nil {
					return nil, err
				}
				a, err := refs.Attach(ctx, r, subject, art, in.Now())
				if err != nil {
					return nil, fmt.Errorf("attaching %s to %s@%s: %w", w.artifactType, repo, subject.Digest, err)
				}
				listed = append(listed, a.Descriptor)
			}
			var signedBundles []attest.AttachedBundle
			if signed {
				if signedBundles, err = in.Signer.Ensure(ctx, refs, r, prod.signedAttestations(in, pi), in.Now()); err != nil {
					return nil, err
				}
				for _, b := range signedBundles {
					listed = append(listed, b.Descriptor)
				}
			}
			if _, err := refs.Settle(ctx, r, subject, listed); err != nil {
				return nil, fmt.Errorf("checking the referrers of %s@%s: %w", repo, subject.Digest, err)
			}
			if err := signing.ReadBack(ctx, refs, r, subject.Digest, signedBundles); err != nil {
				return nil, err
			}
			for _, d := range listed {
				out = append(out, d.Digest.String())
			}
		}
		return out, nil
	}
}

func matching(have []v1.Descriptor, w wanted) (v1.Descriptor, bool) {
	for _, d := range have {
		if w.predicateType == "" || d.Annotations[attest.AnnotationPredicateType] == w.predicateType {
			return d, true
		}
	}
	return v1.Descriptor{}, false
}

// artifact returns the referrer document of one kind for one platform.
func (prod *Product) artifact(h v1.Hash, w wanted) (attest.Artifact, error) {
	if w.predicateType == "" {
		sbom, ok := prod.Documents[h]
		if !ok {
			return attest.Artifact{}, fmt.Errorf("no SBOM was made for %s", h)
		}
		return attest.SBOMArtifact(sbom)
	}
	for _, st := range prod.Statements[h] {
		if st.PredicateType == w.predicateType {
			return attest.StatementArtifact(st)
		}
	}
	return attest.Artifact{}, fmt.Errorf("no %s statement was made for %s", w.predicateType, h)
}
