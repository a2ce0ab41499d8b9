package attest

import (
	"fmt"
	"slices"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// unknownPlatform is the platform BuildKit gives attestation manifests, so
// that `docker pull` and runtimes never select one.
func unknownPlatform() *v1.Platform { return &v1.Platform{OS: "unknown", Architecture: "unknown"} }

// isAttestationManifest reports whether an index entry is an attestation
// manifest in BuildKit's layout.
func isAttestationManifest(d v1.Descriptor) bool {
	return d.Annotations[AnnotationReferenceType] == ReferenceTypeAttestation
}

// AttachToIndex returns a new index holding, for each platform manifest
// digest in statements, one attestation manifest as BuildKit writes it: an
// unknown/unknown entry annotated with vnd.docker.reference.type
// "attestation-manifest" and vnd.docker.reference.digest naming the platform
// manifest, whose layers are the statements (application/vnd.in-toto+json,
// annotated with in-toto.io/predicate-type). `docker buildx imagetools
// inspect` and Docker Scout read this layout.
//
// It is pure and idempotent: idx is not changed, earlier attestation
// manifests for the same platform are replaced rather than added to (an
// empty statement list removes them), and entries are kept in a canonical
// order (platform manifests as they were, then attestation manifests in the
// order of their platforms) so attaching the same statements again yields
// the same index digest. The index's annotations, media type and other
// entries are kept. Every statement must name the platform manifest it is
// attached to among its subjects: an SBOM of arm64 attached to amd64 is
// refused.
func AttachToIndex(idx v1.ImageIndex, statements map[v1.Hash][]Statement) (v1.ImageIndex, error) {
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("reading index manifest: %w", err)
	}
	mt, err := idx.MediaType()
	if err != nil {
		return nil, fmt.Errorf("reading index media type: %w", err)
	}
	var oci bool
	switch mt {
	case types.OCIImageIndex:
		oci = true
	case types.DockerManifestList:
	default:
		return nil, fmt.Errorf("%w: media type %q", ErrNotIndex, mt)
	}

	platforms := map[v1.Hash]bool{}
	for _, d := range im.Manifests {
		if !isAttestationManifest(d) && d.MediaType.IsImage() {
			platforms[d.Digest] = true
		}
	}
	for h, stmts := range statements {
		if !platforms[h] {
			return nil, fmt.Errorf("%w: %s", ErrUnknownSubject, h)
		}
		for _, s := range stmts {
			if !namesDigest(s, h) {
				return nil, fmt.Errorf("%w: a %s statement attached to %s names other subjects; build it for that platform's digest", ErrUnknownSubject, s.PredicateType, h)
			}
		}
	}

	// New attestation manifests, keyed by the platform manifest they are about.
	fresh := map[v1.Hash]mutate.IndexAddendum{}
	for h, stmts := range statements {
		if len(stmts) == 0 {
			continue
		}
		encoded := make([][]byte, len(stmts))
		pts := make([]string, len(stmts))
		for i, s := range stmts {
			if encoded[i], err = s.Encode(); err != nil {
				return nil, fmt.Errorf("attestations for %s: %w", h, err)
			}
			pts[i] = s.PredicateType
		}
		img, err := newAttestationImage(oci, encoded, pts)
		if err != nil {
			return nil, fmt.Errorf("building attestation manifest for %s: %w", h, err)
		}
		imgMT, err := img.MediaType()
		if err != nil {
			return nil, err
		}
		fresh[h] = mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{
			MediaType: imgMT,
			Platform:  unknownPlatform(),
			Annotations: map[string]string{
				AnnotationReferenceType:   ReferenceTypeAttestation,
				AnnotationReferenceDigest: h.String(),
			},
		}}
	}

	// Earlier attestation manifests that stay: those for platforms not
	// given now, and any whose platform manifest is not in the index.
	kept := map[v1.Hash][]mutate.IndexAddendum{}
	var dangling []mutate.IndexAddendum
	for _, d := range im.Manifests {
		if !isAttestationManifest(d) {
			continue
		}
		target, terr := v1.NewHash(d.Annotations[AnnotationReferenceDigest])
		if _, replaced := statements[target]; terr == nil && replaced {
			continue
		}
		img, err := idx.Image(d.Digest)
		if err != nil {
			return nil, fmt.Errorf("reading attestation manifest %s: %w", d.Digest, err)
		}
		add := mutate.IndexAddendum{Add: img, Descriptor: d}
		if terr == nil && platforms[target] {
			kept[target] = append(kept[target], add)
		} else {
			dangling = append(dangling, add)
		}
	}

	out := mutate.RemoveManifests(idx, isAttestationManifest)
	var adds []mutate.IndexAddendum
	for _, d := range im.Manifests {
		if isAttestationManifest(d) || !platforms[d.Digest] {
			continue
		}
		adds = append(adds, kept[d.Digest]...)
		if add, ok := fresh[d.Digest]; ok {
			adds = append(adds, add)
		}
		delete(kept, d.Digest) // a platform listed twice gets its attestations once
		delete(fresh, d.Digest)
	}
	adds = append(adds, dangling...)
	out = mutate.AppendManifests(out, adds...)
	if im.Subject != nil {
		// mutate rebuilds the manifest without the base's subject.
		s, ok := mutate.Subject(out, *im.Subject).(v1.ImageIndex)
		if !ok {
			return nil, fmt.Errorf("keeping the index subject: unexpected type")
		}
		out = s
	}
	return out, nil
}

// namesDigest reports whether s has h among its subjects.
func namesDigest(s Statement, h v1.Hash) bool {
	return slices.ContainsFunc(s.Subject, func(sub Subject) bool {
		return sub.Digest[h.Algorithm] == h.Hex
	})
}
