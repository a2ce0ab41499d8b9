package attest

import (
	"fmt"
	"maps"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// annotationTitle names a layer's file for `oras pull`, which saves titled
// layers under that name.
const annotationTitle = "org.opencontainers.image.title"

// Artifact is one document to attach to an image as an OCI 1.1 referrer:
// an artifact manifest whose artifactType says what it is, with the
// document as its only layer.
type Artifact struct {
	// ArtifactType is the manifest's artifactType and the layer's media
	// type: application/spdx+json, application/vnd.cyclonedx+json or
	// application/vnd.in-toto+json. Trivy and cosign pick referrers by it.
	ArtifactType string
	// Content is the document.
	Content []byte
	// Title is the file name `oras pull` gives the document.
	Title string
	// Annotations are extra manifest annotations, such as the predicate
	// type of a statement. They appear in the referrers listing.
	Annotations map[string]string
}

// SBOMArtifact returns the referrer form of an SBOM: the document itself,
// typed by its IANA media type, which is what Trivy's --sbom-sources oci
// and `oras discover` look for.
func SBOMArtifact(s SBOM) (Artifact, error) {
	at := s.Format.MediaType()
	if at == "" {
		return Artifact{}, fmt.Errorf("%w %q", ErrUnknownSBOMFormat, s.Format)
	}
	title := "sbom.spdx.json"
	if s.Format == CycloneDXJSON {
		title = "sbom.cdx.json"
	}
	return Artifact{ArtifactType: at, Content: s.Document, Title: title}, nil
}

// StatementArtifact returns the referrer form of an in-toto statement (SLSA
// provenance, or an SBOM statement): artifactType
// application/vnd.in-toto+json, with the predicate type as an annotation so
// a reader can choose without downloading the layer.
func StatementArtifact(s Statement) (Artifact, error) {
	b, err := s.Encode()
	if err != nil {
		return Artifact{}, err
	}
	title := "statement.intoto.json"
	if s.PredicateType == PredicateSLSAProvenanceV1 {
		title = "provenance.intoto.json"
	}
	return Artifact{
		ArtifactType: MediaTypeInToto,
		Content:      b,
		Title:        title,
		Annotations:  map[string]string{AnnotationPredicateType: s.PredicateType},
	}, nil
}

// artifactImage builds the artifact manifest for art about subject: config
// the OCI empty descriptor, one layer, annotations including the creation
// time. The result depends only on its inputs, so the same artifact with
// the same time has the same digest and attaching it again is a no-op.
func artifactImage(subject v1.Descriptor, art Artifact, created time.Time) (v1.Image, error) {
	switch {
	case art.ArtifactType == "":
		return nil, fmt.Errorf("%w: no artifactType", ErrInvalidArtifact)
	case len(art.Content) == 0:
		return nil, fmt.Errorf("%w: %s has no content", ErrInvalidArtifact, art.ArtifactType)
	case created.IsZero():
		return nil, fmt.Errorf("%w: %s has no creation time (it is passed in, never read from the clock)", ErrInvalidArtifact, art.ArtifactType)
	case subject.Digest == (v1.Hash{}) || subject.MediaType == "" || subject.Size <= 0:
		return nil, fmt.Errorf("%w: subject descriptor needs media type, digest and size", ErrInvalidArtifact)
	}
	ann := maps.Clone(art.Annotations)
	if ann == nil {
		ann = map[string]string{}
	}
	ann[AnnotationCreated] = created.UTC().Format(time.RFC3339)
	layer := ociDescriptor{MediaType: types.MediaType(art.ArtifactType)}
	if art.Title != "" {
		layer.Annotations = map[string]string{annotationTitle: art.Title}
	}
	m := ociManifest{
		ArtifactType: art.ArtifactType,
		Config:       ociDescriptor{MediaType: MediaTypeEmptyJSON},
		Layers:       []ociDescriptor{layer},
		Subject:      &ociDescriptor{MediaType: subject.MediaType, Digest: subject.Digest, Size: subject.Size},
		Annotations:  ann,
	}
	return newStaticImage(types.OCIManifestSchema1, m, emptyJSON(), []v1.Layer{static.NewLayer(art.Content, types.MediaType(art.ArtifactType))})
}

// artifactDescriptor is how the artifact manifest appears in a referrers
// list: the manifest's digest with its artifactType and annotations, the
// same descriptor go-containerregistry writes into the fallback tag.
func artifactDescriptor(img v1.Image, art Artifact) (v1.Descriptor, error) {
	m, err := img.Manifest()
	if err != nil {
		return v1.Descriptor{}, err
	}
	d, err := img.Digest()
	if err != nil {
		return v1.Descriptor{}, err
	}
	n, err := img.Size()
	if err != nil {
		return v1.Descriptor{}, err
	}
	return v1.Descriptor{
		MediaType:    types.OCIManifestSchema1,
		Digest:       d,
		Size:         n,
		ArtifactType: art.ArtifactType,
		Annotations:  m.Annotations,
	}, nil
}
