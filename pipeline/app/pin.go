package app

import (
	"context"
	"fmt"

	"github.com/patchline/patchline/pipeline/build"
	"github.com/patchline/patchline/pipeline/dockerfile"
	"github.com/patchline/patchline/pipeline/internal/safetext"
	"github.com/patchline/patchline/pipeline/release"
	"github.com/patchline/patchline/pipeline/report"
)

// PinRequest is the input of the pin command.
type PinRequest struct {
	// Files are Dockerfile paths in the source directory.
	Files []string
	// Read returns a file of the source directory.
	Read      func(path string) (data []byte, ok bool, err error)
	BuildArgs []string
	Target    string
	// Registry access, as for the build commands (credentials only).
	Auth   BuildRequest
	Format string
}

// PinResult is what pin returns: the rewritten files (only those that
// changed) and the report.
type PinResult struct {
	Changed map[string][]byte
	Report  string
}

// Pin rewrites every FROM (and COPY --from=<image>) of the Dockerfiles to
// name:tag@sha256:<current digest>, Renovate's format, resolving each
// distinct base once with a HEAD request.
func Pin(ctx context.Context, req PinRequest) (*PinResult, error) {
	format, err := report.ParseFormat(req.Format)
	if err != nil {
		return nil, err
	}
	if len(req.Files) == 0 {
		req.Files = []string{"Dockerfile"}
	}
	args, err := build.ParseArgs(req.BuildArgs)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUsage, err)
	}
	argMap := map[string]string{}
	for _, a := range args {
		argMap[a.Name] = a.Value
	}
	client, err := authClient(req.Auth)
	if err != nil {
		return nil, err
	}
	start := client.Counter().Counts()
	res := release.NewResolver(client)
	out := &PinResult{Changed: map[string][]byte{}}
	view := report.PinView{}
	for _, f := range req.Files {
		if err := checkSourcePath(f); err != nil {
			return nil, fmt.Errorf("%w: pin --file %v", ErrUsage, err)
		}
		data, ok, err := req.Read(f)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", safetext.Quote(f), err)
		}
		if !ok {
			return nil, fmt.Errorf("%w: %s is not in the source directory; give Dockerfile paths relative to it with --dockerfile (or pin --file)", ErrUsage, safetext.Quote(f))
		}
		df, err := dockerfile.Parse(data, dockerfile.WithFilename(f), dockerfile.WithBuildArgs(argMap), dockerfile.WithTarget(req.Target))
		if err != nil {
			return nil, err
		}
		digests, err := dockerfile.Resolve(ctx, df.Report().References, res.Digest)
		if err != nil {
			return nil, err
		}
		pinned, err := df.Pin(digests)
		if err != nil {
			return nil, err
		}
		if pinned.Changed {
			out.Changed[f] = pinned.Dockerfile
		}
		view.Files = append(view.Files, report.PinnedFile{File: f, Changed: pinned.Changed, Changes: pinned.Changes, BuildArgs: pinned.BuildArgs})
	}
	view.Requests = client.Counter().Counts().Sub(start)
	out.Report, err = report.Render(format, view)
	return out, err
}
