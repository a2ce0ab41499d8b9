package verification

import "errors"

// Sentinel errors. Every error the package returns about an image or a
// bundle wraps one of them; callers match with errors.Is.
var (
	// ErrUsage is returned when what to trust is missing or contradictory
	// (a key and an identity, an identity without its issuer).
	ErrUsage = errors.New("invalid verification request")
	// ErrNotVerified is returned when an image fails verification; the
	// message lists every problem of every platform.
	ErrNotVerified = errors.New("image did not pass verification")
	// ErrMalformed is wrapped when a bundle is not a Sigstore bundle, or
	// holds no in-toto statement.
	ErrMalformed = errors.New("malformed Sigstore bundle")
	// ErrSignature is wrapped when a bundle's signature does not verify with
	// the trusted key, or its certificate is not the trusted identity's.
	ErrSignature = errors.New("signature not trusted")
	// ErrSubject is wrapped when a validly signed statement is about
	// another image than the one it is attached to.
	ErrSubject = errors.New("statement is about another image")
	// ErrSource is wrapped when a provenance names another source
	// repository or ref than the one expected.
	ErrSource = errors.New("provenance names another source")
)
