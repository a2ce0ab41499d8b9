package attest

import (
	"fmt"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// ReadIndexAttestations returns the in-toto statements attached to idx in
// BuildKit's layout, keyed by the platform manifest digest they are about,
// in index and layer order. Layers of other media types are skipped, as
// buildx does; a statement that does not parse, or whose layer annotation
// disagrees with its predicateType, is an error wrapping
// ErrMalformedAttestation. Works on any v1.ImageIndex: one just built, one
// read from an OCI layout, or one fetched with remote.Index.
func ReadIndexAttestations(idx v1.ImageIndex) (map[v1.Hash][]Statement, error) {
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("reading index manifest: %w", err)
	}
	out := map[v1.Hash][]Statement{}
	for _, d := range im.Manifests {
		if !isAttestationManifest(d) {
			continue
		}
		target, err := v1.NewHash(d.Annotations[AnnotationReferenceDigest])
		if err != nil {
			return nil, fmt.Errorf("%w: attestation manifest %s: %s %q: %v", ErrMalformedAttestation, d.Digest, AnnotationReferenceDigest, d.Annotations[AnnotationReferenceDigest], err)
		}
		stmts, err := readAttestationManifest(idx, d.Digest)
		if err != nil {
			return nil, err
		}
		out[target] = append(out[target], stmts...)
	}
	return out, nil
}

// readAttestationManifest decodes the in-toto layers of one attestation
// manifest.
func readAttestationManifest(idx v1.ImageIndex, h v1.Hash) ([]Statement, error) {
	img, err := idx.Image(h)
	if err != nil {
		return nil, fmt.Errorf("reading attestation manifest %s: %w", h, err)
	}
	m, err := img.Manifest()
	if err != nil {
		return nil, fmt.Errorf("reading attestation manifest %s: %w", h, err)
	}
	var out []Statement
	for _, l := range m.Layers {
		if string(l.MediaType) != MediaTypeInToto {
			continue
		}
		b, err := readBlob(img, l.Digest)
		if err != nil {
			return nil, fmt.Errorf("reading attestation layer %s of %s: %w", l.Digest, h, err)
		}
		s, err := DecodeStatement(b)
		if err != nil {
			return nil, fmt.Errorf("%w: layer %s of %s: %w", ErrMalformedAttestation, l.Digest, h, err)
		}
		if pt, ok := l.Annotations[AnnotationPredicateType]; ok && pt != s.PredicateType {
			return nil, fmt.Errorf("%w: layer %s of %s is annotated %q but holds a %q statement", ErrMalformedAttestation, l.Digest, h, pt, s.PredicateType)
		}
		out = append(out, s)
	}
	return out, nil
}

// readBlob returns a layer's bytes as stored: in-toto layers are not
// compressed, so the stored blob is the statement.
func readBlob(img v1.Image, h v1.Hash) ([]byte, error) {
	l, err := img.LayerByDigest(h)
	if err != nil {
		return nil, err
	}
	rc, err := l.Compressed()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}
