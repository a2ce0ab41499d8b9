package signing

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/patchline/patchline/pipeline/attest"
)

// Attestation is one statement to sign and attach to one image.
type Attestation struct {
	// Subject is the platform image the statement is about.
	Subject v1.Descriptor
	// PredicateType is the statement's, e.g. https://slsa.dev/provenance/v1.
	PredicateType string
	// Statement returns the encoded statement. It is called only when no
	// bundle the Signer stands behind is attached yet, so that a re-run
	// neither signs again nor remakes an SBOM (a syft run) for it.
	Statement func(ctx context.Context) ([]byte, error)
}

// Ensure makes sure each attestation is attached to its image in repo as a
// Sigstore bundle that s stands behind, and returns those bundles in the
// order of atts.
//
// A bundle already attached that verifies against s's trust (the same key,
// or the same CI identity) is kept; otherwise the statement is signed and
// attached. The caller then settles the referrers list (attest.Referrers.
// Settle, with the bundles' descriptors) and reads the bundles back
// (ReadBack) before it relies on them. An error leaves whatever was
// attached in place; running Ensure again finishes the job.
func (s *Signer) Ensure(ctx context.Context, refs *attest.Referrers, repo name.Repository, atts []Attestation, created time.Time) ([]attest.AttachedBundle, error) {
	kept := make([]attest.AttachedBundle, len(atts))
	for i, a := range atts {
		b, err := s.ensure(ctx, refs, repo, a, created)
		if err != nil {
			return nil, err
		}
		kept[i] = b
	}
	return kept, nil
}

// ensure returns the bundle of a that is attached, attaching one if needed.
func (s *Signer) ensure(ctx context.Context, refs *attest.Referrers, repo name.Repository, a Attestation, created time.Time) (attest.AttachedBundle, error) {
	have, err := refs.Bundles(ctx, repo, a.Subject.Digest, a.PredicateType)
	if err != nil {
		return attest.AttachedBundle{}, fmt.Errorf("listing the signed attestations of %s@%s: %w", repo, a.Subject.Digest, err)
	}
	for _, b := range have {
		v, ok, err := s.Accepts(ctx, b.Content, a.Subject.Digest)
		if err != nil {
			return attest.AttachedBundle{}, err
		}
		if ok && v.PredicateType == a.PredicateType {
			b.PredicateType = a.PredicateType
			return b, nil
		}
	}
	stmt, err := a.Statement(ctx)
	if err != nil {
		return attest.AttachedBundle{}, err
	}
	bundle, err := s.Sign(ctx, stmt)
	if err != nil {
		return attest.AttachedBundle{}, fmt.Errorf("signing the %s statement of %s@%s: %w", a.PredicateType, repo, a.Subject.Digest, err)
	}
	art, err := attest.BundleArtifact(bundle, a.PredicateType)
	if err != nil {
		return attest.AttachedBundle{}, err
	}
	res, err := refs.Attach(ctx, repo, a.Subject, art, created)
	if err != nil {
		return attest.AttachedBundle{}, fmt.Errorf("attaching the signed %s statement to %s@%s: %w", a.PredicateType, repo, a.Subject.Digest, err)
	}
	return attest.AttachedBundle{Referrer: res.Descriptor.Digest, Descriptor: res.Descriptor, PredicateType: a.PredicateType, Content: bundle}, nil
}

// ReadBack lists subject's bundles in repo again and finds every one of
// kept, with the same content: the registry serves what the deploy gate
// will read. It returns an error wrapping ErrReadBack naming the first
// bundle missing.
func ReadBack(ctx context.Context, refs *attest.Referrers, repo name.Repository, subject v1.Hash, kept []attest.AttachedBundle) error {
	if len(kept) == 0 {
		return nil
	}
	have, err := refs.Bundles(ctx, repo, subject, "")
	if err != nil {
		return fmt.Errorf("reading back the signed attestations of %s@%s: %w", repo, subject, err)
	}
	for _, k := range kept {
		found := false
		for _, b := range have {
			if b.Referrer == k.Referrer && bytes.Equal(b.Content, k.Content) {
				found = true
				break
			}
		}
		if !found {
			return fmt.Errorf("%w: the signed %s statement %s is not among the referrers of %s@%s (%d bundles listed)",
				ErrReadBack, k.PredicateType, k.Referrer, repo, subject, len(have))
		}
	}
	return nil
}
