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
	"github.com/patchline/patchline/pipeline/verification"
)

// Patchline releases container images and keeps them patched.
type Patchline struct{}

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
		platforms: platform, dockerfile: dockerfile, target: target, buildArgs: buildArg, date: date, format: format, source: source, repo: repo}
	req, sess, err := b.request(ctx)
	if err != nil {
		return "", err
	}
	defer sess.done()
	return app.Plan(ctx, req, version, branch, sha)
}

// Publish a release: build every platform on freshly pinned bases, attach an SBOM and SLSA provenance (signed when the policy's attestations.sign says so), then write the immutable tags (exact, dated), the attestations, and the tags that move (line, stable, latest) last, reading each back. A line outside the policy's support gets its exact tag alone.
//
// +cache="never"
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
	// Cosign private key that signs the attestations when the policy has attestations.sign: key, e.g. file:cosign.key.
	// +optional
	signingKey *dagger.Secret,
	// Password of the signing key, e.g. env:COSIGN_PASSWORD.
	// +optional
	signingPassword *dagger.Secret,
	// OIDC identity token (audience sigstore) for keyless signing (attestations.sign: keyless), e.g. env:SIGSTORE_ID_TOKEN. On GitHub Actions use --oidc-request-url and --oidc-request-token instead.
	// +optional
	oidcToken *dagger.Secret,
	// GitHub Actions' token request URL for keyless signing: env:ACTIONS_ID_TOKEN_REQUEST_URL (the workflow needs permissions: id-token: write).
	// +optional
	oidcRequestUrl *dagger.Secret,
	// GitHub Actions' token request token for keyless signing: env:ACTIONS_ID_TOKEN_REQUEST_TOKEN.
	// +optional
	oidcRequestToken *dagger.Secret,
	// Fulcio certificate authority for keyless signing. Default: Sigstore's public-good instance, https://fulcio.sigstore.dev.
	// +optional
	fulcioUrl string,
	// Rekor transparency log for keyless signing. Default: Sigstore's public-good instance, https://rekor.sigstore.dev.
	// +optional
	rekorUrl string,
	// trusted_root.json of a private Sigstore, for keyless signing. Default: the public-good root, fetched with TUF.
	// +optional
	trustedRoot *dagger.File,
	// Source directory holding the Dockerfile and the policy file.
	// +defaultPath="/"
	source *dagger.Directory,
	// Git repository: its tags are the versions already released, and the release's commit is read from it.
	// +defaultPath="/"
	repo *dagger.GitRepository,
) (string, error) {
	b := buildArgs{preset: preset, policy: policy, images: image, username: username, password: password, dockerConfig: dockerConfig,
		platforms: platform, dockerfile: dockerfile, target: target, buildArgs: buildArg, dryRun: dryRun, date: date, format: format,
		sourceDateEpoch: sourceDateEpoch, sourceURL: sourceUrl, invocationID: invocationId, syftImage: syftImage, source: source, repo: repo,
		signing: signingArgs{key: signingKey, password: signingPassword, oidcToken: oidcToken,
			oidcRequestURL: oidcRequestUrl, oidcRequestToken: oidcRequestToken, fulcioURL: fulcioUrl, rekorURL: rekorUrl, trustedRoot: trustedRoot},
	}
	req, sess, err := b.request(ctx)
	if err != nil {
		return "", err
	}
	defer sess.done()
	return app.Release(ctx, req, version)
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
	// Cosign private key that signs the attestations when the policy has attestations.sign: key, e.g. file:cosign.key.
	// +optional
	signingKey *dagger.Secret,
	// Password of the signing key, e.g. env:COSIGN_PASSWORD.
	// +optional
	signingPassword *dagger.Secret,
	// OIDC identity token (audience sigstore) for keyless signing (attestations.sign: keyless), e.g. env:SIGSTORE_ID_TOKEN. On GitHub Actions use --oidc-request-url and --oidc-request-token instead.
	// +optional
	oidcToken *dagger.Secret,
	// GitHub Actions' token request URL for keyless signing: env:ACTIONS_ID_TOKEN_REQUEST_URL (the workflow needs permissions: id-token: write).
	// +optional
	oidcRequestUrl *dagger.Secret,
	// GitHub Actions' token request token for keyless signing: env:ACTIONS_ID_TOKEN_REQUEST_TOKEN.
	// +optional
	oidcRequestToken *dagger.Secret,
	// Fulcio certificate authority for keyless signing. Default: Sigstore's public-good instance, https://fulcio.sigstore.dev.
	// +optional
	fulcioUrl string,
	// Rekor transparency log for keyless signing. Default: Sigstore's public-good instance, https://rekor.sigstore.dev.
	// +optional
	rekorUrl string,
	// trusted_root.json of a private Sigstore, for keyless signing. Default: the public-good root, fetched with TUF.
	// +optional
	trustedRoot *dagger.File,
	// Source directory holding the Dockerfile and the policy file.
	// +defaultPath="/"
	source *dagger.Directory,
	// Git repository the build's commit is read from.
	// +defaultPath="/"
	repo *dagger.GitRepository,
) (string, error) {
	b := buildArgs{preset: preset, policy: policy, images: image, username: username, password: password, dockerConfig: dockerConfig,
		platforms: platform, dockerfile: dockerfile, target: target, buildArgs: buildArg, dryRun: dryRun, date: date, format: format,
		sourceURL: sourceUrl, invocationID: invocationId, syftImage: syftImage, source: source, repo: repo,
		signing: signingArgs{key: signingKey, password: signingPassword, oidcToken: oidcToken,
			oidcRequestURL: oidcRequestUrl, oidcRequestToken: oidcRequestToken, fulcioURL: fulcioUrl, rekorURL: rekorUrl, trustedRoot: trustedRoot},
	}
	req, sess, err := b.request(ctx)
	if err != nil {
		return "", err
	}
	defer sess.done()
	return app.Edge(ctx, req, branch, sha)
}

// Rebuild every supported release line whose base image moved since its last build, and publish the policy's refresh tags (dated tag, line tag, stable/latest for the newest line). Lines whose base did not move are skipped, after moving any of their tags left on another image (no build); lines past EOL are reported, not rebuilt.
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
	// Dockerfile path, relative to each release's source tree.
	// +optional
	// +default="Dockerfile"
	dockerfile string,
	// Stage of the Dockerfile to build. Default: the last stage.
	// +optional
	target string,
	// Build argument NAME=VALUE; repeat for several. Recorded in provenance: pass no secrets here.
	// +optional
	buildArg []string,
	// Refresh date as YYYY-MM-DD; renders dated tags. Default: today (UTC).
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
	// Cosign private key that signs the attestations when the policy has attestations.sign: key, e.g. file:cosign.key.
	// +optional
	signingKey *dagger.Secret,
	// Password of the signing key, e.g. env:COSIGN_PASSWORD.
	// +optional
	signingPassword *dagger.Secret,
	// OIDC identity token (audience sigstore) for keyless signing (attestations.sign: keyless), e.g. env:SIGSTORE_ID_TOKEN. On GitHub Actions use --oidc-request-url and --oidc-request-token instead.
	// +optional
	oidcToken *dagger.Secret,
	// GitHub Actions' token request URL for keyless signing: env:ACTIONS_ID_TOKEN_REQUEST_URL (the workflow needs permissions: id-token: write).
	// +optional
	oidcRequestUrl *dagger.Secret,
	// GitHub Actions' token request token for keyless signing: env:ACTIONS_ID_TOKEN_REQUEST_TOKEN.
	// +optional
	oidcRequestToken *dagger.Secret,
	// Fulcio certificate authority for keyless signing. Default: Sigstore's public-good instance, https://fulcio.sigstore.dev.
	// +optional
	fulcioUrl string,
	// Rekor transparency log for keyless signing. Default: Sigstore's public-good instance, https://rekor.sigstore.dev.
	// +optional
	rekorUrl string,
	// trusted_root.json of a private Sigstore, for keyless signing. Default: the public-good root, fetched with TUF.
	// +optional
	trustedRoot *dagger.File,
	// Source directory holding the policy file.
	// +defaultPath="/"
	source *dagger.Directory,
	// Git repository: its tags are the released versions, and each line is rebuilt from the tree at its release tag.
	// +defaultPath="/"
	repo *dagger.GitRepository,
) (string, error) {
	b := buildArgs{preset: preset, policy: policy, images: image, username: username, password: password, dockerConfig: dockerConfig,
		platforms: platform, dockerfile: dockerfile, target: target, buildArgs: buildArg, date: date, format: format,
		sourceURL: sourceUrl, invocationID: invocationId, syftImage: syftImage, source: source, repo: repo,
		signing: signingArgs{key: signingKey, password: signingPassword, oidcToken: oidcToken,
			oidcRequestURL: oidcRequestUrl, oidcRequestToken: oidcRequestToken, fulcioURL: fulcioUrl, rekorURL: rekorUrl, trustedRoot: trustedRoot},
	}
	req, sess, err := b.request(ctx)
	if err != nil {
		return "", err
	}
	defer sess.done()
	return app.Refresh(ctx, req, app.RefreshOptions{Lines: line, Force: force, DryRun: dryRun})
}

// Check every supported line's base image and tags without building or writing. The table fails while a line needs a refresh (its base moved, or one of its tags was left on another image), for CI gating; --format json prints the report on stdout with its verdict in "ok" and does not fail (Dagger prints a result only when the function succeeds): gate with jq -e .ok. The report lists each line's recorded and current base digest per platform, and base images near or past their end of life.
//
// +cache="never"
func (m *Patchline) Check(
	ctx context.Context,
	// Check only this line, e.g. 1.6; repeat for several. Default: every supported line.
	// +optional
	line []string,
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
	// Check date as YYYY-MM-DD; judges EOL dates. Default: today (UTC).
	// +optional
	date string,
	// Output format: table or json.
	// +optional
	// +default="table"
	format string,
	// Source directory holding the policy file.
	// +defaultPath="/"
	source *dagger.Directory,
	// Git repository whose tags are the released versions.
	// +defaultPath="/"
	repo *dagger.GitRepository,
) (string, error) {
	b := buildArgs{preset: preset, policy: policy, images: image, username: username, password: password, dockerConfig: dockerConfig,
		date: date, format: format, source: source, repo: repo}
	req, sess, err := b.request(ctx)
	if err != nil {
		return "", err
	}
	defer sess.done()
	return app.Check(ctx, req, app.RefreshOptions{Lines: line})
}

// Move a line's floating tags (line tag, stable/latest where the line has them) back to an earlier build of that line, given by tag (e.g. a dated tag) or digest. Builds of other lines and builds without attestations are refused.
//
// +cache="never"
func (m *Patchline) Rollback(
	ctx context.Context,
	// Line to roll back, e.g. 1.6.
	line string,
	// Build to move the tags to: a tag such as 1.6.2-20260204, or a digest sha256:...
	to string,
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
	// Output format: table or json.
	// +optional
	// +default="table"
	format string,
	// Source directory holding the policy file.
	// +defaultPath="/"
	source *dagger.Directory,
	// Git repository whose tags are the released versions.
	// +defaultPath="/"
	repo *dagger.GitRepository,
) (string, error) {
	b := buildArgs{preset: preset, policy: policy, images: image, username: username, password: password, dockerConfig: dockerConfig,
		format: format, source: source, repo: repo}
	req, sess, err := b.request(ctx)
	if err != nil {
		return "", err
	}
	defer sess.done()
	return app.Rollback(ctx, req, line, to)
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
	// trusted_root.json of a private Sigstore, for keyless signatures. Default: Sigstore's public-good root, fetched with TUF.
	// +optional
	trustedRoot *dagger.File,
	// Registry user for the image repository.
	// +optional
	username string,
	// Registry password or token, e.g. env:REGISTRY_TOKEN.
	// +optional
	password *dagger.Secret,
	// Docker config.json with credentials per registry, e.g. file:$HOME/.docker/config.json.
	// +optional
	dockerConfig *dagger.Secret,
	// Output format: table or json.
	// +optional
	// +default="table"
	format string,
) (string, error) {
	req := app.VerifyRequest{
		Image: image,
		Identity: verification.Identity{Subject: certificateIdentity, SubjectRegexp: certificateIdentityRegexp,
			Issuer: certificateOidcIssuer, IssuerRegexp: certificateOidcIssuerRegexp},
		SourceURI: sourceUri, SourceRef: sourceRef, Username: username, Format: format,
	}
	var err error
	if req.Key, err = contents(ctx, key, "--key"); err != nil {
		return "", err
	}
	if req.TrustedRoot, err = contents(ctx, trustedRoot, "--trusted-root"); err != nil {
		return "", err
	}
	if req.Password, err = plaintext(ctx, password); err != nil {
		return "", err
	}
	if req.DockerConfig, err = plaintext(ctx, dockerConfig); err != nil {
		return "", err
	}
	start, done := localRegistryStarter()
	defer done()
	req.StartLocalRegistry = start
	return app.Verify(ctx, req)
}

// PinResult holds the Dockerfiles pin rewrote and what changed.
type PinResult struct {
	// The rewritten Dockerfiles at their paths (only those that changed): export them over the source, e.g. dagger call pin files export --path .
	Files *dagger.Directory
	// Every FROM and COPY --from image with its old and new digest.
	Summary string
}

// Pin the base images of Dockerfiles to their current digests, as name:tag@sha256:... (Renovate's format, keeping the tag), for a pull request. Files with nothing to change are left out.
//
// +cache="never"
func (m *Patchline) Pin(
	ctx context.Context,
	// Dockerfile paths, relative to the source directory; repeat for several.
	// +optional
	// +default=["Dockerfile"]
	dockerfile []string,
	// Build argument NAME=VALUE that selects a base; repeat for several.
	// +optional
	buildArg []string,
	// Stage to pin for. Default: every stage the last stage needs.
	// +optional
	target string,
	// Docker config.json with credentials for private base images, e.g. file:$HOME/.docker/config.json.
	// +optional
	dockerConfig *dagger.Secret,
	// Output format of the summary: table or json.
	// +optional
	// +default="table"
	format string,
	// Source directory holding the Dockerfiles.
	// +defaultPath="/"
	source *dagger.Directory,
) (*PinResult, error) {
	cfg, err := plaintext(ctx, dockerConfig)
	if err != nil {
		return nil, err
	}
	read := policySource(ctx, source, "", "").Read
	res, err := app.Pin(ctx, app.PinRequest{Files: dockerfile, Read: read, BuildArgs: buildArg, Target: target, Auth: app.BuildRequest{DockerConfig: cfg}, Format: format})
	if err != nil {
		return nil, err
	}
	files := dag.Directory()
	for path, content := range res.Changed {
		files = files.WithNewFile(path, string(content))
	}
	return &PinResult{Files: files, Summary: res.Report}, nil
}

// Return patchline's local registry as a service, to browse what was published without --image: dagger call registry up --ports 5000:5000, then e.g. crane ls localhost:5000/app.
//
// +cache="session"
func (m *Patchline) Registry(ctx context.Context) (*dagger.Service, error) {
	return localRegistry(ctx)
}

// Check a policy file and explain every problem in it, with file, line and fix.
//
// +cache="168h"
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
