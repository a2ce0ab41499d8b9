package dockerfile

import (
	"errors"
	"fmt"

	"github.com/patchline/patchline/pipeline/internal/safetext"
	"github.com/patchline/patchline/pipeline/platform"
)

// Sentinel errors. Every error this package returns wraps exactly one of
// them, so callers can branch with errors.Is without parsing messages.
var (
	// ErrSyntax is wrapped by errors from BuildKit's parser and by
	// instructions whose shape BuildKit refuses (FROM argument count,
	// unknown flags, instructions before the first FROM).
	ErrSyntax = errors.New("dockerfile syntax error")
	// ErrNoFrom means the file has no FROM instruction, so there is no
	// stage to build and no base image to find.
	ErrNoFrom = errors.New("no FROM instruction")
	// ErrUndefinedArg means a FROM (or its --platform) uses an ARG that has
	// neither a default nor a build-arg value.
	ErrUndefinedArg = errors.New("undefined build argument")
	// ErrUnknownTarget means the requested --target names no stage.
	ErrUnknownTarget = errors.New("unknown target stage")
	// ErrUnknownStage means COPY --from or RUN --mount=from names neither a
	// stage of the file nor a valid image reference.
	ErrUnknownStage = errors.New("unknown stage")
	// ErrInvalidReference means an image reference cannot be parsed.
	ErrInvalidReference = errors.New("invalid image reference")
	// ErrInvalidPlatform means a --platform value is not os[/arch[/variant]].
	ErrInvalidPlatform = platform.ErrInvalid
	// ErrDuplicateStage means two FROM lines use the same AS name.
	ErrDuplicateStage = errors.New("duplicate stage name")
	// ErrInvalidStageName means an AS name does not match ^[a-z][a-z0-9-_.]*$.
	ErrInvalidStageName = errors.New("invalid stage name")
	// ErrVariableInFrom means COPY --from or RUN --mount=from uses a
	// variable, which BuildKit does not expand there.
	ErrVariableInFrom = errors.New("variable in --from")
	// ErrCircularDependency means stages copy from each other in a loop.
	ErrCircularDependency = errors.New("circular stage dependency")
	// ErrInvalidDigest means a digest handed to Pin or returned by a
	// resolver is not algorithm:hex.
	ErrInvalidDigest = errors.New("invalid digest")
	// ErrMissingDigest means Pin was not given a digest for an image the
	// target depends on.
	ErrMissingDigest = errors.New("missing digest")
	// ErrTooLarge means the file is larger than MaxFileSize, or a variable
	// expansion would grow past MaxExpansion.
	ErrTooLarge = errors.New("expansion too large")
	// ErrInvalidOption means an Option was given a value it cannot use.
	ErrInvalidOption = errors.New("invalid option")
)

// Error locates a problem in a Dockerfile. Its message reads
// "Dockerfile:12: ..." like a compiler's, so editors and CI logs link to the
// line; Err carries the sentinel for errors.Is.
type Error struct {
	// File is the name the caller gave the Dockerfile (WithFilename).
	File string
	// Line is 1-based; 0 when the problem is not on one line.
	Line int
	// Err is the detailed error; it wraps one of the sentinels above.
	Err error
}

// Error renders "file:line: message".
func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.File, e.Err)
}

// Unwrap exposes the wrapped sentinel to errors.Is and errors.As.
func (e *Error) Unwrap() error { return e.Err }

// errorf builds an *Error at line from a format that contains one %w.
// Text arguments (the file's own values, echoed) are cut to a readable
// length: a 60 KB ARG value must not become a 60 KB message.
func errorf(file string, line int, format string, args ...any) error {
	for i, a := range args {
		if s, ok := a.(string); ok {
			args[i] = safetext.Clip(s)
		}
	}
	return &Error{File: file, Line: line, Err: fmt.Errorf(format, args...)}
}
