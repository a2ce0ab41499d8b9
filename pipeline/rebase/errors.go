package rebase

import "errors"

// Sentinel errors. Every refusal this package returns wraps one of them,
// names the platform and the offending digests, and says what to do
// instead; callers match with errors.Is. "Nothing to do" is not an error:
// it is Output.Unchanged.
var (
	// ErrInvalidInput is wrapped when the Input or FetchRequest cannot be
	// used as given: no index, no creation time, a reference not pinned by
	// digest, bases given twice or for a platform the index does not have,
	// an annotation that contradicts what the rebase writes.
	ErrInvalidInput = errors.New("invalid rebase input")
	// ErrNoRecordedBase is wrapped when a platform manifest does not record
	// the base it was built on (org.opencontainers.image.base.digest), or
	// records something that is not a digest. Without it there is no way
	// to know which layers are the base's: rebuild instead.
	ErrNoRecordedBase = errors.New("the image does not record its base image")
	// ErrBaseMismatch is wrapped when the old base handed in is not the one
	// the platform manifest records.
	ErrBaseMismatch = errors.New("the old base is not the base the image records")
	// ErrNotBuiltOnBase is wrapped when the image's layers do not start with
	// the recorded base's layers: the record is wrong or the image was
	// assembled some other way, and swapping "the base layers" would drop
	// or keep the wrong ones.
	ErrNotBuiltOnBase = errors.New("this image was not built on the recorded base")
	// ErrPlatformMismatch is wrapped when the new base has no image for a
	// platform of the published index, or its image is for another
	// platform.
	ErrPlatformMismatch = errors.New("platform mismatch")
	// ErrUnsupported is wrapped for index entries a rebase cannot carry: a
	// nested index, or an image entry without a platform.
	ErrUnsupported = errors.New("not supported by the rebase strategy")
	// ErrInconsistent is wrapped when the rebased image fails the checks
	// made on it before it is returned (layers, diff IDs, history). It
	// means a bug here or in go-containerregistry, never bad input.
	ErrInconsistent = errors.New("rebased image failed its consistency check")
)
