// Package release runs the release and edge flows: plan the tags, resolve
// and pin the base images, build every platform, make the SBOMs and the
// provenance, attach them, and publish in the order pipeline/publish
// guarantees. The refresh flow (pipeline/refresh) reuses Produce and
// Publish from here.
//
// Everything is reached through interfaces (build.Builder, Scanner, the
// registry client), so the whole flow runs in tests against in-process
// registries with the layer builder, and in production with the Dagger
// builder and syft.
package release

import (
	"context"
	"errors"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/patchline/patchline/pipeline/attest"
	"github.com/patchline/patchline/pipeline/build"
	"github.com/patchline/patchline/pipeline/policy"
	"github.com/patchline/patchline/pipeline/registry"
	"github.com/patchline/patchline/pipeline/signing"
)

var (
	// ErrNoRepository is returned when there is nowhere to publish.
	ErrNoRepository = errors.New("no image repository")
	// ErrPlatforms is returned when the Dockerfile's bases differ per
	// platform in a way one pinned Dockerfile cannot express.
	ErrPlatforms = errors.New("bases differ per platform")
	// ErrUnattested is returned when an image lacks attestations the
	// policy asks for; nothing is tagged.
	ErrUnattested = errors.New("image without the attestations the policy asks for")
)

// Scanner makes the SBOM of one platform image. The Dagger implementation
// runs syft in a container; tests use pipeline/internal/testing/testscan.
type Scanner interface {
	// Scan returns the SBOM of img in format; the document is named name,
	// which says which image it describes (see SBOMName).
	Scan(ctx context.Context, img v1.Image, platform v1.Platform, format policy.SBOMFormat, name string) ([]byte, error)
}

// Source describes the revision being built; it ends up in annotations and
// provenance.
type Source struct {
	// URL is the repository URL, e.g. https://github.com/acme/app.
	URL string
	// Ref is the git ref built, e.g. refs/tags/v1.6.0.
	Ref string
	// Commit is the full commit id.
	Commit string
	// Created is the commit time (or SOURCE_DATE_EPOCH): the image's
	// created time, so a rebuild of the same commit says the same.
	Created time.Time
}

// Inputs are what every flow needs.
type Inputs struct {
	Policy       *policy.Policy
	Registry     *registry.Client
	Builder      build.Builder
	Scanner      Scanner
	Repositories []string
	Dockerfile   string
	Target       string
	BuildArgs    []build.Arg
	// Platforms override the policy's platforms when set.
	Platforms []v1.Platform
	Source    Source
	// Date renders dated tags; Clock stamps provenance. Neither is read
	// from the wall clock here.
	Date  time.Time
	Clock func() time.Time
	// PatchlineVersion and Tools go into provenance.
	PatchlineVersion string
	Tools            []attest.Image
	// InvocationID identifies this run in provenance.
	InvocationID string
	// DryRun plans and resolves bases, and builds and writes nothing.
	DryRun bool
	// Settle is the longest pause before tags and attestation lists just
	// written are read back, to catch another run writing the same ones
	// (see publish.Request.Settle). Zero means publish.DefaultSettle; a
	// negative value reads back at once (tests).
	Settle time.Duration
	// Signer signs the attestations when the policy's attestations.sign
	// asks for it; nil otherwise.
	Signer *signing.Signer
}

// platforms are the platforms to build: Platforms, or else the policy's.
func (in Inputs) platforms() []v1.Platform {
	if len(in.Platforms) > 0 {
		return in.Platforms
	}
	out := make([]v1.Platform, len(in.Policy.Platforms))
	for i, p := range in.Policy.Platforms {
		out[i] = build.Platform(p)
	}
	return out
}

// Now is the run's clock: Clock, or Date without one.
func (in Inputs) Now() time.Time {
	if in.Clock == nil {
		return in.Date
	}
	return in.Clock()
}
