package attest

import "errors"

// Sentinel errors. Every error this package returns wraps one of them, names
// the offending value and, where there is one, says how to fix it; callers
// match with errors.Is.
var (
	// ErrInvalidSBOM is wrapped by every reason an SBOM document is refused.
	ErrInvalidSBOM = errors.New("invalid SBOM document")
	// ErrUnknownSBOMFormat is returned for an SBOM format this package does
	// not know.
	ErrUnknownSBOMFormat = errors.New("unknown SBOM format")
	// ErrInvalidStatement is wrapped when an in-toto statement is malformed.
	ErrInvalidStatement = errors.New("invalid in-toto statement")
	// ErrInvalidProvenance is wrapped when provenance inputs are incomplete
	// or inconsistent.
	ErrInvalidProvenance = errors.New("invalid provenance input")
	// ErrCredentialInInput is returned when a provenance input looks like it
	// carries a credential (userinfo in a URI, a secret-named build arg).
	// Provenance is public: credentials reach builds as Dagger secrets.
	ErrCredentialInInput = errors.New("provenance input looks like it carries a credential")
	// ErrNotIndex is returned when the in-index layout is asked of something
	// that is neither an OCI image index nor a Docker manifest list.
	ErrNotIndex = errors.New("not an OCI image index or Docker manifest list")
	// ErrUnknownSubject is returned when attestations are given for a digest
	// that is not a platform manifest of the index.
	ErrUnknownSubject = errors.New("attestation subject is not a platform manifest of the index")
	// ErrMalformedAttestation is returned by readers when an attestation
	// manifest in an index or registry does not have the expected shape.
	ErrMalformedAttestation = errors.New("malformed attestation")
	// ErrInvalidArtifact is returned for a referrer artifact that cannot be
	// pushed (no content, no media type).
	ErrInvalidArtifact = errors.New("invalid referrer artifact")
	// ErrFallbackConflict is returned when the referrers fallback tag kept
	// losing this writer's entry to concurrent writers for every attempt.
	ErrFallbackConflict = errors.New("referrers fallback tag kept changing under concurrent writers")
	// ErrReferrerMissing is returned when the referrers API of a registry
	// does not list an artifact that was attached.
	ErrReferrerMissing = errors.New("attached referrer is not listed")
)
