package attest

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/patchline/patchline/pipeline/registry"
)

// Signed attestations travel as Sigstore bundles: a DSSE envelope around
// an in-toto statement, with the signature and what verifies it (a public
// key hint, or a Fulcio certificate and a Rekor entry). cosign v3 attaches
// one bundle per referrer and reads them back by the layer's media type;
// this file holds that layout. It moves bundles as bytes: making and
// checking signatures is pipeline/signing's and pipeline/verification's
// work, so this package stays free of the Sigstore libraries.
const (
	// MediaTypeSigstoreBundle is the media type of a Sigstore bundle v0.3,
	// as the referrer's artifactType and its one layer's media type.
	MediaTypeSigstoreBundle = "application/vnd.dev.sigstore.bundle.v0.3+json"
	// mediaTypeSigstoreBundlePrefix matches every bundle version; cosign
	// accepts a referrer whose layer has any of them.
	mediaTypeSigstoreBundlePrefix = "application/vnd.dev.sigstore.bundle"
	// AnnotationBundleContent says what a bundle holds; cosign writes
	// "dsse-envelope" for attestations.
	AnnotationBundleContent = "dev.sigstore.bundle.content"
	// AnnotationBundlePredicateType names the predicate type of the
	// statement inside a bundle, so a reader picks bundles from the
	// referrers listing without downloading each one.
	AnnotationBundlePredicateType = "dev.sigstore.bundle.predicateType"
	// BundleContentDSSE is the value of AnnotationBundleContent for a
	// signed in-toto statement.
	BundleContentDSSE = "dsse-envelope"

	// maxBundleSize bounds what is downloaded for one bundle. A bundle of
	// an SBOM statement holds the whole SBOM, base64-encoded; the SBOMs of
	// large images run to tens of megabytes.
	maxBundleSize = 256 << 20
)

// BundleArtifact returns the referrer form of a Sigstore bundle that signs
// a statement of predicateType: the manifest cosign v3 writes with
// `cosign attest`, so `cosign verify-attestation` finds it.
func BundleArtifact(bundle []byte, predicateType string) (Artifact, error) {
	if predicateType == "" {
		return Artifact{}, fmt.Errorf("%w: a bundle artifact needs the predicate type of the statement it signs", ErrInvalidArtifact)
	}
	return Artifact{
		ArtifactType: MediaTypeSigstoreBundle,
		Content:      bundle,
		Title:        "attestation.sigstore.json",
		Annotations: map[string]string{
			AnnotationBundleContent:       BundleContentDSSE,
			AnnotationBundlePredicateType: predicateType,
		},
	}, nil
}

// AttachedBundle is a Sigstore bundle found among an image's referrers.
type AttachedBundle struct {
	// Referrer is the artifact manifest holding the bundle.
	Referrer v1.Hash
	// Descriptor is the referrer as the subject's referrers list shows it,
	// what Settle keeps listed.
	Descriptor v1.Descriptor
	// PredicateType is what the referrer's annotation claims the bundle
	// signs. It is unsigned: only the verified statement says what it is.
	PredicateType string
	// Content is the bundle JSON.
	Content []byte
}

// Bundles returns every Sigstore bundle attached to subject in repo, the
// way cosign finds them: every referrer whose manifest has exactly one
// layer with a Sigstore bundle media type, whatever the listing says its
// artifactType is. With predicateType set, referrers annotated with
// another predicate type are skipped without downloading them; referrers
// without the annotation are always read.
func (r *Referrers) Bundles(ctx context.Context, repo name.Repository, subject v1.Hash, predicateType string) ([]AttachedBundle, error) {
	_, all, err := r.list(ctx, repo, subject)
	if err != nil {
		return nil, err
	}
	var out []AttachedBundle
	for _, d := range all {
		if !strings.HasPrefix(d.ArtifactType, mediaTypeSigstoreBundlePrefix) {
			continue
		}
		pt := d.Annotations[AnnotationBundlePredicateType]
		if predicateType != "" && pt != "" && pt != predicateType {
			continue
		}
		m, err := r.fetchReferrerManifest(ctx, repo, d.Digest)
		if err != nil {
			return nil, err
		}
		if len(m.Layers) != 1 || !strings.HasPrefix(string(m.Layers[0].MediaType), mediaTypeSigstoreBundlePrefix) {
			continue
		}
		content, err := r.readBlob(ctx, repo, m.Layers[0])
		if err != nil {
			return nil, fmt.Errorf("reading the Sigstore bundle of referrer %s of %s: %w", d.Digest, subject, err)
		}
		out = append(out, AttachedBundle{Referrer: d.Digest, Descriptor: d, PredicateType: pt, Content: content})
	}
	return out, nil
}

// readBlob downloads one blob of repo, refusing one larger than a bundle
// can reasonably be. go-containerregistry checks the digest as it reads.
func (r *Referrers) readBlob(ctx context.Context, repo name.Repository, d v1.Descriptor) ([]byte, error) {
	if d.Size > maxBundleSize {
		return nil, fmt.Errorf("%w: blob %s is %d bytes, more than the %d a bundle may have", ErrMalformedAttestation, d.Digest, d.Size, maxBundleSize)
	}
	b, err := r.reg.Blob(ctx, repo.Digest(d.Digest.String()).Name(), maxBundleSize)
	if errors.Is(err, registry.ErrTooLarge) {
		return nil, fmt.Errorf("%w: blob %s is larger than the %d bytes a bundle may have", ErrMalformedAttestation, d.Digest, maxBundleSize)
	}
	return b, err
}
