package signing

import "errors"

// Sentinel errors; callers match with errors.Is.
var (
	// ErrKey is wrapped when the signing key cannot be used: not a cosign
	// private key, the wrong password, or not ECDSA P-256.
	ErrKey = errors.New("unusable signing key")
	// ErrToken is wrapped when no OIDC token can be had for keyless signing.
	ErrToken = errors.New("no OIDC token for keyless signing")
	// ErrSigning is wrapped when a statement could not be signed: Fulcio or
	// Rekor refused or could not be reached, or the bundle made does not
	// verify against the trusted root.
	ErrSigning = errors.New("signing failed")
	// ErrReadBack is returned when a bundle that was attached cannot be
	// found again among the image's referrers.
	ErrReadBack = errors.New("signed attestation not found after attaching it")
)
