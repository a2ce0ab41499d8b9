// Package dockerfile finds, resolves and pins the base images of a
// Dockerfile.
//
// A release must record which base image it was built on, and a refresh
// must know which images to ask the registry about; both questions are
// answered from the Dockerfile, evaluated the way BuildKit evaluates it:
// global ARGs with build-arg overrides, variable expansion in FROM, stage
// references, --platform, and --target (only the stages the target needs
// count). Parse does that with BuildKit's own parser and shell lexer, so a
// file is read exactly as `docker build` reads it.
//
// Pin rewrites references Renovate-style (debian:bookworm-slim@sha256:...),
// changing only the bytes of the references so a pull request shows nothing
// else. The package does no network I/O: the caller resolves references to
// digests (see ResolveFunc) and hands them in.
//
// Typical use:
//
//	df, err := dockerfile.Parse(src, dockerfile.WithBuildArgs(args))
//	rep := df.Report()                 // rep.References, rep.Base
//	digests, err := dockerfile.Resolve(ctx, rep.References, head)
//	res, err := df.Pin(digests)        // res.Dockerfile, res.Changes
package dockerfile
