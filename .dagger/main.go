// Release container images and keep them patched.
//
// patchline builds images in containerised steps, pins and compares base
// image digests, attaches an SBOM and SLSA provenance (signed with a cosign
// key or keyless through Sigstore when the policy says so), and publishes
// the tag set a declarative release policy calls for: exact, line, dated,
// stable and latest tags for releases, weekly refreshes of every supported
// line whose base image moved, and edge tags for development builds. verify
// is the deploy gate on the signed attestations. The same call gives the
// same result on a laptop and on any CI.
//
// What every function shares comes once, before its name (New, in
// constructor.go): dagger call --image ghcr.io/acme/app release --version
// 1.6.0. The policy is --preset or --policy (a file in the source); with
// neither, patchline.yaml when the source has one, else the default preset.
// With no --image and no repositories in the policy, images go to
// patchline's own registry, which `dagger call registry up` opens.
package main

import (
	"context"

	"dagger/patchline/internal/dagger"

	"github.com/patchline/patchline/pipeline/app"
	"github.com/patchline/patchline/pipeline/verification"
)

// Show what a release or an edge build would publish: every tag with its role, the tags withheld and why, and the base images resolved to their current digests. Nothing is built or written.
//
// +cache="never"
func (m *Patchline) Plan(
	ctx context.Context,
	// Version to plan a release of, e.g. 1.6.0 or v1.6.0.
	// +optional
	version string,
	// Branch to plan an edge build of, e.g. main or feature/login.
	// +optional
	branch string,
	// Commit id of the edge build, e.g. $GITHUB_SHA.
	// +optional
	sha string,
) (string, error) {
	return m.run(ctx, call{}, func(req app.BuildRequest) (string, error) { return app.Plan(ctx, req, version, branch, sha) })
}

// Publish a release: build every platform on freshly pinned bases, attach an SBOM and SLSA provenance (signed when the policy's attestations.sign says so), then write the immutable tags (exact, dated), the attestations, and the tags that move (line, stable, latest) last, reading each back. A line outside the policy's support gets its exact tag alone.
//
// +cache="never"
func (m *Patchline) Release(
	ctx context.Context,
	// Version to release, e.g. 1.6.0 or v1.6.0 (on a tag push: $GITHUB_REF_NAME). Its git tag's commit is built, HEAD's when it is not tagged yet.
	version string,
	// Plan, pin and show what would be published, without building or writing anything.
	// +optional
	dryRun bool,
	// Image created time as Unix seconds (SOURCE_DATE_EPOCH). Default: the commit time.
	// +optional
	sourceDateEpoch int,
) (string, error) {
	return m.run(ctx, call{dryRun: dryRun, sourceDateEpoch: sourceDateEpoch, signs: true}, func(req app.BuildRequest) (string, error) { return app.Release(ctx, req, version) })
}

// Publish a development build as edge-<branch> and edge-sha-<sha7> (the policy's edge tags), with its SBOM and provenance. Without --branch, only the tags that need no branch (edge-sha-<sha7>).
//
// +cache="never"
func (m *Patchline) Edge(
	ctx context.Context,
	// Branch being built, e.g. main or $GITHUB_REF_NAME; sanitised into a valid tag.
	// +optional
	branch string,
	// Commit id being built, e.g. $GITHUB_SHA. Default: the repository's HEAD.
	// +optional
	sha string,
	// Plan, pin and show what would be published, without building or writing anything.
	// +optional
	dryRun bool,
) (string, error) {
	return m.run(ctx, call{dryRun: dryRun, signs: true}, func(req app.BuildRequest) (string, error) { return app.Edge(ctx, req, branch, sha) })
}

// Rebuild every supported release line where an image its build used moved since its last build (the final base, and images copied into the final stage: refresh.watch), or whose OS packages have updates (refresh.packages), from the tree at its release tag, and publish the policy's refresh tags (dated tag, line tag, stable/latest for the newest line). Lines with nothing new are skipped, after moving any of their tags left on another image (no build); lines past EOL are reported, not rebuilt.
//
// +cache="never"
func (m *Patchline) Refresh(
	ctx context.Context,
	// Refresh only this line, e.g. 1.6; repeat for several. Default: every supported line.
	// +optional
	line []string,
	// Rebuild the lines even when their base did not move.
	// +optional
	force bool,
	// Make the decisions and show them without building or writing anything.
	// +optional
	dryRun bool,
) (string, error) {
	return m.run(ctx, call{signs: !dryRun}, func(req app.BuildRequest) (string, error) {
		return app.Refresh(ctx, req, app.RefreshOptions{Lines: line, Force: force, DryRun: dryRun})
	})
}

// Check every supported line's watched images, OS packages (when refresh.packages asks) and tags without building or writing. The table fails while a line needs a refresh (a watched image moved, its packages have updates that count, or one of its tags was left on another image), for CI gating; --format json prints the report on stdout with its verdict in "ok" and does not fail (Dagger prints a result only when the function succeeds): gate with jq -e .ok. The report lists each line's recorded and current images (per platform where they moved), the package updates found, and base images near or past their end of life.
//
// +cache="never"
func (m *Patchline) Check(
	ctx context.Context,
	// Check only this line, e.g. 1.6; repeat for several. Default: every supported line.
	// +optional
	line []string,
) (string, error) {
	return m.run(ctx, call{}, func(req app.BuildRequest) (string, error) {
		return app.Check(ctx, req, app.RefreshOptions{Lines: line})
	})
}

// Move a line's floating tags (line tag, stable/latest where the line has them) back to an earlier build of that line, given by tag (e.g. a dated tag) or digest. Builds of other lines and builds without attestations (without signed ones, when the policy signs) are refused.
//
// +cache="never"
func (m *Patchline) Rollback(
	ctx context.Context,
	// Line to roll back, e.g. 1.6.
	line string,
	// Build to move the tags to: a tag such as 1.6.2-20260204, or a digest sha256:...
	to string,
) (string, error) {
	return m.run(ctx, call{}, func(req app.BuildRequest) (string, error) { return app.Rollback(ctx, req, line, to) })
}

// Check that every platform image of an image carries an SBOM and a SLSA provenance, each signed by the given key or keyless identity and about that very image, and that the provenance names the expected source: the gate a deploy waits on. It fails and names every missing or wrong attestation.
//
// +cache="never"
func (m *Patchline) Verify(
	ctx context.Context,
	// Image to verify, by tag or digest, e.g. ghcr.io/acme/app:1.6 or ghcr.io/acme/app@sha256:...
	image string,
	// Public key of attestations signed with a key (attestations.sign: key), e.g. cosign.pub.
	// +optional
	key *dagger.File,
	// Identity of keyless signatures: the signing workflow, e.g. https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.6.0.
	// +optional
	certificateIdentity string,
	// Identity of keyless signatures as a regular expression, e.g. ^https://github.com/acme/app/.github/workflows/release.yml@refs/tags/.
	// +optional
	certificateIdentityRegexp string,
	// OIDC issuer of keyless signatures, e.g. https://token.actions.githubusercontent.com.
	// +optional
	certificateOidcIssuer string,
	// OIDC issuer of keyless signatures as a regular expression.
	// +optional
	certificateOidcIssuerRegexp string,
	// Source repository every provenance must name, e.g. https://github.com/acme/app.
	// +optional
	sourceUri string,
	// Git ref every provenance must name, e.g. refs/tags/v1.6.0.
	// +optional
	sourceRef string,
) (string, error) {
	return m.verify(ctx, key, app.VerifyRequest{Image: image, SourceURI: sourceUri, SourceRef: sourceRef,
		Identity: verification.Identity{Subject: certificateIdentity, SubjectRegexp: certificateIdentityRegexp,
			Issuer: certificateOidcIssuer, IssuerRegexp: certificateOidcIssuerRegexp}})
}

// PinResult holds the Dockerfiles pin rewrote and what changed.
type PinResult struct {
	// The rewritten Dockerfiles at their paths (only those that changed): export them over the source, e.g. dagger call pin files export --path .
	Files *dagger.Directory
	// Every FROM and COPY --from image with its old and new digest.
	Summary string
}

// Pin the base images of Dockerfiles to their current digests, as name:tag@sha256:... (Renovate's format, keeping the tag), for a pull request: every stage --target (default: the last stage) needs. Files with nothing to change are left out.
//
// +cache="never"
func (m *Patchline) Pin(
	ctx context.Context,
	// Dockerfile to pin instead of --dockerfile, relative to the source directory; repeat for several.
	// +optional
	file []string,
) (*PinResult, error) {
	return m.pin(ctx, file)
}

// Return patchline's local registry as a service, to browse what was published without --image: dagger call registry up --ports 5000:5000, then e.g. crane ls localhost:5000/app.
//
// +cache="session"
func (m *Patchline) Registry(ctx context.Context) (*dagger.Service, error) {
	return localRegistry(ctx)
}

// Check the policy (--policy, --preset, or patchline.yaml) and explain every problem in it, with file, line and fix.
//
// +cache="168h"
func (m *Patchline) CheckPolicy(ctx context.Context) (string, error) {
	return app.CheckPolicy(m.policySource(ctx), m.Format)
}
