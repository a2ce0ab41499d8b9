package dockerfile

import (
	"fmt"
	"maps"
	"strings"

	"github.com/patchline/patchline/pipeline/platform"
)

// defaultPlatform stands in for BuildKit's "the platform of the machine
// running the build" when the caller names none. patchline builds Linux
// images, and most CI runners are linux/amd64, so this is what an
// unqualified `docker build` would have used there.
const defaultPlatform = "linux/amd64"

// Option configures Parse.
type Option func(*options) error

type options struct {
	filename       string
	buildArgs      map[string]string
	target         string
	buildPlatform  string
	targetPlatform string
}

// makeOptions applies opts over the defaults and rejects bad values, so Parse
// only ever sees a complete, valid configuration.
func makeOptions(opts ...Option) (options, error) {
	o := options{
		filename:       "Dockerfile",
		buildArgs:      map[string]string{},
		buildPlatform:  defaultPlatform,
		targetPlatform: defaultPlatform,
	}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&o); err != nil {
			return options{}, err
		}
	}
	return o, nil
}

// WithFilename names the Dockerfile in error messages and reports.
// Default: "Dockerfile".
func WithFilename(name string) Option {
	return func(o *options) error {
		if name == "" {
			return fmt.Errorf("%w: the file name is empty", ErrInvalidOption)
		}
		o.filename = name
		return nil
	}
}

// WithBuildArgs adds build arguments, as `docker build --build-arg K=V`
// would. A build arg overrides the default of a global ARG of the same name
// and, like in BuildKit, has no effect on FROM unless the file declares that
// ARG before its first FROM. Default: none. Later calls add to and override
// earlier ones.
func WithBuildArgs(args map[string]string) Option {
	return func(o *options) error {
		for k := range args {
			if k == "" || strings.ContainsAny(k, "= \t\n") {
				return fmt.Errorf("%w: build arg name %q must be non-empty and contain no '=' or spaces", ErrInvalidOption, k)
			}
		}
		maps.Copy(o.buildArgs, args)
		return nil
	}
}

// WithTarget selects the stage to build, as `docker build --target` does:
// only the stages it depends on (through FROM, COPY --from and
// RUN --mount=from) count. Default: the last stage of the file.
func WithTarget(stage string) Option {
	return func(o *options) error {
		o.target = stage
		return nil
	}
}

// WithBuildPlatform sets the platform the build runs on, which BuildKit
// exposes as BUILDPLATFORM, BUILDOS, BUILDARCH and BUILDVARIANT.
// Default: linux/amd64.
func WithBuildPlatform(p string) Option {
	return func(o *options) error {
		if _, err := platform.ParseSpecifier(p); err != nil {
			return fmt.Errorf("%w: build platform: %w", ErrInvalidOption, err)
		}
		o.buildPlatform = p
		return nil
	}
}

// WithTargetPlatform sets the platform the image is built for, which
// BuildKit exposes as TARGETPLATFORM, TARGETOS, TARGETARCH and TARGETVARIANT.
// Default: linux/amd64.
func WithTargetPlatform(p string) Option {
	return func(o *options) error {
		if _, err := platform.ParseSpecifier(p); err != nil {
			return fmt.Errorf("%w: target platform: %w", ErrInvalidOption, err)
		}
		o.targetPlatform = p
		return nil
	}
}
