// Package daggerbuild is the part of patchline that drives a Dagger engine:
// it builds Dockerfiles per platform, runs syft in a pinned container to
// make SBOMs, and runs the local registry service. It is the only package
// that imports dagger.io/dagger.
//
// Inside a module function, Connect joins the function's own session, so
// the containers started here show up in the `dagger call` progress view
// and objects passed to the function (the source directory, secrets) are
// loaded by ID. Builds and the local registry run from any Go program that
// can reach an engine, which is how their tests run under `dagger run go
// test`. The SBOM scan and the package check hand the engine files from
// the module's working directory (CurrentModule), which only a module
// function has; their engine tests skip elsewhere, saying so.
package daggerbuild

import (
	"context"
	"fmt"
	"os"

	"dagger.io/dagger"
)

// Connect joins the current Dagger session.
func Connect(ctx context.Context) (*dagger.Client, error) {
	c, err := dagger.Connect(ctx, dagger.WithLogOutput(os.Stderr))
	if err != nil {
		return nil, fmt.Errorf("connecting to the Dagger engine: %w", err)
	}
	return c, nil
}
