// Release container images and keep them patched.
//
// patchline builds images in containerised steps, pins and compares base
// image digests, attaches an SBOM and SLSA provenance, and publishes the tag
// set a declarative release policy calls for: exact, line, dated, stable and
// latest tags for releases, and edge tags for development builds. The same
// call gives the same result on a laptop and on any CI.
//
// Every function reads its policy from --preset (default, weekly-refresh,
// stable-line) or --policy (a file in the source directory); with neither,
// patchline.yaml is used when the source has one, the default preset
// otherwise. With no --image and no repositories in the policy, images go
// to patchline's own registry, which `dagger call registry up` opens.
package main

import (
	"context"

	"dagger/patchline/internal/dagger"

	"github.com/patchline/patchline/pipeline/app"
)

// Patchline releases container images and keeps them patched.
type Patchline struct{}

// Show what a release or an edge build would publish: every tag with its role, the tags withheld and why, and the base images resolved to their current digests. Nothing is built or written.
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
	// Built-in policy preset: default, weekly-refresh or stable-line.
	// +optional
	preset string,
	// Policy file, relative to the source directory. Default: patchline.yaml when present, else the default preset.
	// +optional
	policy string,
	// Image repository, e.g. ghcr.io/acme/app; repeat for mirrors. Overrides the policy's repositories.
	// +optional
	image []string,
	// Registry user for the image repositories.
	// +optional
	username string,
	// Registry password or token, e.g. env:REGISTRY_TOKEN.
	// +optional
	password *dagger.Secret,
	// Docker config.json with credentials per registry, for mirrors on several registries or private bases, e.g. file:$HOME/.docker/config.json.
	// +optional
	dockerConfig *dagger.Secret,
	// Platforms to build, e.g. linux/amd64; repeat for several. Overrides the policy's platforms.
	// +optional
	platform []string,
	// Dockerfile path, relative to the source directory.
	// +optional
	// +default="Dockerfile"
	dockerfile string,
	// Stage of the Dockerfile to build. Default: the last stage.
	// +optional
	target string,
	// Build argument NAME=VALUE; repeat for several. Recorded in provenance: pass no secrets here.
	// +optional
	buildArg []string,
	// Build date as YYYY-MM-DD; renders dated tags. Default: today (UTC).
	// +optional
	date string,
	// Output format: table or json.
	// +optional
	// +default="table"
	format string,
	// Source directory holding the Dockerfile and the policy file.
	// +defaultPath="/"
	source *dagger.Directory,
	// Git repository whose tags are the versions already released.
	// +defaultPath="/"
	repo *dagger.GitRepository,
) (string, error) {
	b := buildArgs{preset: preset, policy: policy, images: image, username: username, password: password, dockerConfig: dockerConfig,
		platforms: platform, dockerfile: dockerfile, target: target, buildArgs: buildArg, date: date, format: format, source: source, repo: repo, version: version}
	req, done, err := b.request(ctx)
	if err != nil {
		return "", err
	}
	defer done()
	return app.Plan(ctx, req, version, branch, sha)
}

// Publish a release: build every platform on freshly pinned bases, attach an SBOM and SLSA provenance, then write the exact and dated tags, the attestations, and the floating tags (line, stable, latest) last.
func (m *Patchline) Release(
	ctx context.Context,
	// Version to release, e.g. 1.6.0 or v1.6.0 (on a tag push: $GITHUB_REF_NAME).
	version string,
	// Built-in policy preset: default, weekly-refresh or stable-line.
	// +optional
	preset string,
	// Policy file, relative to the source directory. Default: patchline.yaml when present, else the default preset.
	// +optional
	policy string,
	// Image repository, e.g. ghcr.io/acme/app; repeat for mirrors. Overrides the policy's repositories. Default: patchline's local registry.
	// +optional
	image []string,
	// Registry user for the image repositories.
	// +optional
	username string,
	// Registry password or token, e.g. env:REGISTRY_TOKEN.
	// +optional
	password *dagger.Secret,
	// Docker config.json with credentials per registry, for mirrors on several registries or private bases, e.g. file:$HOME/.docker/config.json.
	// +optional
	dockerConfig *dagger.Secret,
	// Platforms to build, e.g. linux/amd64; repeat for several. Overrides the policy's platforms.
	// +optional
	platform []string,
	// Dockerfile path, relative to the source directory.
	// +optional
	// +default="Dockerfile"
	dockerfile string,
	// Stage of the Dockerfile to build. Default: the last stage.
	// +optional
	target string,
	// Build argument NAME=VALUE; repeat for several. Recorded in provenance: pass no secrets here.
	// +optional
	buildArg []string,
	// Plan, pin and show what would be published, without building or writing anything.
	// +optional
	dryRun bool,
	// Build date as YYYY-MM-DD; renders dated tags. Default: today (UTC).
	// +optional
	date string,
	// Output format: table or json.
	// +optional
	// +default="table"
	format string,
	// Image created time as Unix seconds (SOURCE_DATE_EPOCH). Default: the commit time.
	// +optional
	sourceDateEpoch int,
	// Public URL of the source repository for annotations and provenance. Default: the repository's own URL.
	// +optional
	sourceUrl string,
	// Id of this run for provenance, e.g. the CI job URL. Default: a random id.
	// +optional
	invocationId string,
	// syft image that makes SBOMs. Default: a pinned anchore/syft release.
	// +optional
	syftImage string,
	// Source directory holding the Dockerfile and the policy file.
	// +defaultPath="/"
	source *dagger.Directory,
	// Git repository: its tags are the versions already released, and the release's commit is read from it.
	// +defaultPath="/"
	repo *dagger.GitRepository,
) (string, error) {
	b := buildArgs{preset: preset, policy: policy, images: image, username: username, password: password, dockerConfig: dockerConfig,
		platforms: platform, dockerfile: dockerfile, target: target, buildArgs: buildArg, dryRun: dryRun, date: date, format: format,
		sourceDateEpoch: sourceDateEpoch, sourceURL: sourceUrl, invocationID: invocationId, syftImage: syftImage, source: source, repo: repo, version: version}
	req, done, err := b.request(ctx)
	if err != nil {
		return "", err
	}
	defer done()
	return app.Release(ctx, req, version)
}

// Publish a development build as edge-<branch> and edge-sha-<sha7> (the policy's edge tags), with its SBOM and provenance.
func (m *Patchline) Edge(
	ctx context.Context,
	// Branch being built, e.g. main or $GITHUB_REF_NAME; sanitised into a valid tag.
	// +optional
	branch string,
	// Commit id being built, e.g. $GITHUB_SHA. Default: the repository's HEAD.
	// +optional
	sha string,
	// Built-in policy preset: default, weekly-refresh or stable-line.
	// +optional
	preset string,
	// Policy file, relative to the source directory. Default: patchline.yaml when present, else the default preset.
	// +optional
	policy string,
	// Image repository, e.g. ghcr.io/acme/app; repeat for mirrors. Overrides the policy's repositories. Default: patchline's local registry.
	// +optional
	image []string,
	// Registry user for the image repositories.
	// +optional
	username string,
	// Registry password or token, e.g. env:REGISTRY_TOKEN.
	// +optional
	password *dagger.Secret,
	// Docker config.json with credentials per registry, e.g. file:$HOME/.docker/config.json.
	// +optional
	dockerConfig *dagger.Secret,
	// Platforms to build, e.g. linux/amd64; repeat for several. Overrides the policy's platforms.
	// +optional
	platform []string,
	// Dockerfile path, relative to the source directory.
	// +optional
	// +default="Dockerfile"
	dockerfile string,
	// Stage of the Dockerfile to build. Default: the last stage.
	// +optional
	target string,
	// Build argument NAME=VALUE; repeat for several. Recorded in provenance: pass no secrets here.
	// +optional
	buildArg []string,
	// Plan, pin and show what would be published, without building or writing anything.
	// +optional
	dryRun bool,
	// Build date as YYYY-MM-DD. Default: today (UTC).
	// +optional
	date string,
	// Output format: table or json.
	// +optional
	// +default="table"
	format string,
	// Public URL of the source repository for annotations and provenance. Default: the repository's own URL.
	// +optional
	sourceUrl string,
	// Id of this run for provenance, e.g. the CI job URL. Default: a random id.
	// +optional
	invocationId string,
	// syft image that makes SBOMs. Default: a pinned anchore/syft release.
	// +optional
	syftImage string,
	// Source directory holding the Dockerfile and the policy file.
	// +defaultPath="/"
	source *dagger.Directory,
	// Git repository the build's commit is read from.
	// +defaultPath="/"
	repo *dagger.GitRepository,
) (string, error) {
	b := buildArgs{preset: preset, policy: policy, images: image, username: username, password: password, dockerConfig: dockerConfig,
		platforms: platform, dockerfile: dockerfile, target: target, buildArgs: buildArg, dryRun: dryRun, date: date, format: format,
		sourceURL: sourceUrl, invocationID: invocationId, syftImage: syftImage, source: source, repo: repo, sha: sha}
	req, done, err := b.request(ctx)
	if err != nil {
		return "", err
	}
	defer done()
	if sha == "" {
		sha = req.Source.Commit
	}
	return app.Edge(ctx, req, branch, sha)
}

// Return patchline's local registry as a service, to browse what was published without --image: dagger call registry up --ports 5000:5000, then e.g. crane ls localhost:5000/app.
func (m *Patchline) Registry(ctx context.Context) (*dagger.Service, error) {
	return localRegistry(ctx)
}

// Check a policy file and explain every problem in it, with file, line and fix.
func (m *Patchline) CheckPolicy(
	ctx context.Context,
	// Built-in preset to check instead of a file.
	// +optional
	preset string,
	// Policy file, relative to the source directory. Default: patchline.yaml.
	// +optional
	policy string,
	// Output format: table or json.
	// +optional
	// +default="table"
	format string,
	// Source directory holding the policy file.
	// +defaultPath="/"
	source *dagger.Directory,
) (string, error) {
	return app.CheckPolicy(policySource(ctx, source, preset, policy), format)
}
