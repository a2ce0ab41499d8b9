package release

import (
	"context"
	"errors"
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/patchline/patchline/pipeline/attest"
	"github.com/patchline/patchline/pipeline/policy"
	"github.com/patchline/patchline/pipeline/signing"
)

// ErrNoSigner is returned when the policy signs its attestations and no
// signer was given; nothing is written.
var ErrNoSigner = errors.New("the policy signs attestations but no signing key or OIDC token was given")

// CheckSigner refuses inputs whose policy signs attestations without a
// signer to do it, before anything is built or written. A dry run signs
// nothing and needs none.
func (in Inputs) CheckSigner() error {
	if in.Policy.Attestations.Signed() && in.Signer == nil && !in.DryRun {
		return fmt.Errorf("%w: %s has attestations.sign: %s; give %s", ErrNoSigner, in.Policy.Source, in.Policy.Attestations.Sign, signerHint(in.Policy.Attestations.Sign))
	}
	return nil
}

func signerHint(mode policy.Signing) string {
	if mode == policy.SignKeyless {
		return "an OIDC token: on GitHub Actions --oidc-request-url env:ACTIONS_ID_TOKEN_REQUEST_URL --oidc-request-token env:ACTIONS_ID_TOKEN_REQUEST_TOKEN (the workflow needs permissions: id-token: write), elsewhere --oidc-token"
	}
	return "the cosign key: --signing-key file:cosign.key --signing-password env:COSIGN_PASSWORD"
}

// SignedPredicateTypes lists the predicate types of the statements a
// policy that signs attaches to every platform image as Sigstore bundles:
// the SBOM statement's and the SLSA provenance's. Nothing when the policy
// does not sign.
func SignedPredicateTypes(a policy.Attestations) []string {
	if !a.Signed() {
		return nil
	}
	var pts []string
	if a.SBOM != policy.SBOMNone {
		pts = append(pts, sbomFormat(a.SBOM).PredicateType())
	}
	if a.Provenance {
		pts = append(pts, attest.PredicateSLSAProvenanceV1)
	}
	return pts
}

// signedAttestations lists the statements of one platform image that the
// referrers layout carries as signed Sigstore bundles. Each statement is
// made only if the signer finds no bundle it stands behind already
// attached.
func (prod *Product) signedAttestations(in Inputs, pi PlatformImage) []signing.Attestation {
	var out []signing.Attestation
	d := pi.Descriptor
	subject := v1.Descriptor{MediaType: d.MediaType, Digest: d.Digest, Size: d.Size}
	for _, pt := range SignedPredicateTypes(in.Policy.Attestations) {
		out = append(out, signing.Attestation{
			Subject:       subject,
			PredicateType: pt,
			Statement: func(ctx context.Context) ([]byte, error) {
				return prod.statement(ctx, d, pt)
			},
		})
	}
	return out
}

// statement returns one encoded statement of one platform image, making
// the image's statements first if this run has not.
func (prod *Product) statement(ctx context.Context, d v1.Descriptor, predicateType string) ([]byte, error) {
	if err := prod.make(ctx, d); err != nil {
		return nil, err
	}
	for _, st := range prod.Statements[d.Digest] {
		if st.PredicateType == predicateType {
			return st.Encode()
		}
	}
	return nil, fmt.Errorf("no %s statement was made for %s", predicateType, d.Digest)
}

// SignedBy names who signs a publish's attestations (a key's fingerprint,
// or a keyless certificate's identity), for reports; empty when the policy
// does not sign.
func SignedBy(ctx context.Context, in Inputs) (string, error) {
	if !in.Policy.Attestations.Signed() || in.Signer == nil {
		return "", nil
	}
	t, err := in.Signer.Trust(ctx)
	if err != nil {
		return "", err
	}
	return t.String(), nil
}
