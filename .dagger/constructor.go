package main

import "dagger/patchline/internal/dagger"

// Patchline releases container images and keeps them patched.
type Patchline struct {
	// The arguments every function shares (see New), hidden from the API.
	Source              *dagger.Directory     // +private
	Repo                *dagger.GitRepository // +private
	Preset              string                // +private
	Policy              string                // +private
	Image               []string              // +private
	Username            string                // +private
	Password            *dagger.Secret        // +private
	DockerConfig        *dagger.Secret        // +private
	Platform            []string              // +private
	Dockerfile          string                // +private
	Target              string                // +private
	BuildArg            []string              // +private
	Date                string                // +private
	Format              string                // +private
	SourceUrl           string                // +private
	InvocationId        string                // +private
	SyftImage           string                // +private
	SigningKey          *dagger.Secret        // +private
	SigningPassword     *dagger.Secret        // +private
	OidcToken           *dagger.Secret        // +private
	OidcRequestUrl      *dagger.Secret        // +private
	OidcRequestToken    *dagger.Secret        // +private
	FulcioUrl           string                // +private
	RekorUrl            string                // +private
	TrustedRoot         *dagger.File          // +private
	RegistryTimeout     string                // +private
	RegistryCallTimeout string                // +private
}

// Set what every function shares, given before the function's name.
//
// +cache="168h"
func New(
	// Directory holding the policy file and the Dockerfiles pin rewrites (builds read the Dockerfile from the commit they build). A remote module (dagger -m) needs --source . to read yours.
	// +defaultPath="/"
	source *dagger.Directory,
	// Git repository: its tags are the versions already released, and builds check out its commits. A remote module needs --repo . to read yours.
	// +defaultPath="/"
	repo *dagger.GitRepository,
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
	// Dockerfile to build, relative to the repository's root in the commit being built (the release tag's tree); pin reads it from the source directory.
	// +default="Dockerfile"
	dockerfile string,
	// Stage of the Dockerfile to build. Default: the last stage.
	// +optional
	target string,
	// Build argument NAME=VALUE; repeat for several. Recorded in provenance: pass no secrets here.
	// +optional
	buildArg []string,
	// Date as YYYY-MM-DD: renders dated tags and judges end-of-life dates. Default: today (UTC).
	// +optional
	date string,
	// Output format: table or json.
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
	// trusted_root.json of a private Sigstore, for keyless signing and verify. Default: the public-good root, fetched with TUF.
	// +optional
	trustedRoot *dagger.File,
	// Longest wait for one registry request, e.g. 1m (a blob transfer may take longer, but not this long without moving a byte). Default: 30s.
	// +optional
	registryTimeout string,
	// Longest one registry call may take, retries included, e.g. 1h to push very large images over a slow link. Default: 15m.
	// +optional
	registryCallTimeout string,
) *Patchline {
	// Only the arguments are recorded, so a cached result (keyed by them) is right.
	return &Patchline{Source: source, Repo: repo, Preset: preset, Policy: policy, Image: image, Username: username, Password: password,
		DockerConfig: dockerConfig, Platform: platform, Dockerfile: dockerfile, Target: target, BuildArg: buildArg, Date: date, Format: format,
		SourceUrl: sourceUrl, InvocationId: invocationId, SyftImage: syftImage, SigningKey: signingKey, SigningPassword: signingPassword,
		OidcToken: oidcToken, OidcRequestUrl: oidcRequestUrl, OidcRequestToken: oidcRequestToken, FulcioUrl: fulcioUrl, RekorUrl: rekorUrl,
		TrustedRoot: trustedRoot, RegistryTimeout: registryTimeout, RegistryCallTimeout: registryCallTimeout}
}
