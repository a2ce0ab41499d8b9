package attest

// Media types, annotation keys and URIs that readers of the two layouts
// match on. They are spelled out here once because a typo in any of them
// makes an attestation invisible rather than invalid.
const (
	// MediaTypeInToto is the media type of an in-toto statement, both as an
	// in-index attestation layer and as a referrer's artifactType.
	MediaTypeInToto = "application/vnd.in-toto+json"
	// MediaTypeSPDX is the IANA media type of an SPDX JSON document.
	MediaTypeSPDX = "application/spdx+json"
	// MediaTypeCycloneDX is the IANA media type of a CycloneDX JSON document.
	MediaTypeCycloneDX = "application/vnd.cyclonedx+json"
	// MediaTypeEmptyJSON is the OCI 1.1 empty descriptor's media type, used
	// as the config of artifact manifests.
	MediaTypeEmptyJSON = "application/vnd.oci.empty.v1+json"

	// StatementTypeV1 is the `_type` of an in-toto Statement v1.
	StatementTypeV1 = "https://in-toto.io/Statement/v1"
	// PredicateSLSAProvenanceV1 is the predicateType of SLSA provenance v1.
	PredicateSLSAProvenanceV1 = "https://slsa.dev/provenance/v1"
	// PredicateSPDX is the predicateType of an SPDX document, the value
	// BuildKit writes and Docker Scout reads.
	PredicateSPDX = "https://spdx.dev/Document"
	// PredicateCycloneDX is the predicateType of a CycloneDX BOM.
	PredicateCycloneDX = "https://cyclonedx.org/bom"

	// AnnotationPredicateType names a statement's predicate type on the
	// layer (index layout) or manifest (referrers layout) that holds it, so
	// readers can pick a statement without downloading every layer.
	AnnotationPredicateType = "in-toto.io/predicate-type"
	// AnnotationReferenceType marks an index entry as an attestation
	// manifest; BuildKit and buildx spell it this way.
	AnnotationReferenceType = "vnd.docker.reference.type"
	// AnnotationReferenceDigest names the platform manifest an attestation
	// manifest is about.
	AnnotationReferenceDigest = "vnd.docker.reference.digest"
	// ReferenceTypeAttestation is the value of AnnotationReferenceType.
	ReferenceTypeAttestation = "attestation-manifest"
	// AnnotationCreated is the OCI creation time annotation.
	AnnotationCreated = "org.opencontainers.image.created"

	// BuildTypeDockerfile is the SLSA buildType of patchline's Dockerfile
	// build. It names the schema of ExternalParameters and
	// InternalParameters; change the version suffix when that schema
	// changes incompatibly.
	BuildTypeDockerfile = "https://github.com/patchline/patchline/buildtypes/dockerfile/v1"
	// BuildTypeRebase is the SLSA buildType of a rebase: nothing was
	// built; the layers of a published image (a resolved dependency) were
	// put on a new base.
	BuildTypeRebase = "https://github.com/patchline/patchline/buildtypes/rebase/v1"
	// BuilderIDBase is the builder id prefix; the patchline version is
	// appended after "@".
	BuilderIDBase = "https://github.com/patchline/patchline"
)

// emptyJSON returns the content of the OCI empty descriptor, a fresh slice
// each time so no caller can change it for the others.
func emptyJSON() []byte { return []byte("{}") }
