package app

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/patchline/patchline/pipeline/internal/safetext"
	"github.com/patchline/patchline/pipeline/policy"
	"github.com/patchline/patchline/pipeline/registry"
	"github.com/patchline/patchline/pipeline/reponame"
	"github.com/patchline/patchline/pipeline/report"
	"github.com/patchline/patchline/pipeline/verification"
)

// VerifyRequest is the deploy gate's input: the image, who must have
// signed, and what the provenance must say.
type VerifyRequest struct {
	// Image is a reference by tag or digest, e.g. ghcr.io/acme/app:1.6.
	Image string
	// Key is a PEM public key (cosign.pub), for key-signed attestations.
	Key []byte
	// Identity is the CI identity of keyless signatures.
	Identity verification.Identity
	// TrustedRoot is a trusted_root.json for keyless signatures; without
	// one, Sigstore's public-good root is fetched.
	TrustedRoot []byte
	// SourceURI and SourceRef, when set, are what every provenance must
	// name as the source.
	SourceURI, SourceRef string
	// Username, Password and DockerConfig authenticate to the registry, as
	// in BuildRequest.
	Username, Password, DockerConfig string
	// Timeouts bound every registry request and call, as in BuildRequest.
	Timeouts registry.Timeouts
	Format   string
	// StartLocalRegistry starts patchline's local registry, for images
	// named localhost:5000/...
	StartLocalRegistry func(ctx context.Context) (string, error)
}

// Verify checks that every platform image of req.Image carries an SBOM and
// a provenance signed as req says (see verification.Image), and renders
// the report. It fails, listing every problem, when the image does not
// pass: it is the gate a deploy waits on.
func Verify(ctx context.Context, req VerifyRequest) (out string, err error) {
	format, err := report.ParseFormat(req.Format)
	if err != nil {
		return "", err
	}
	if req.Image == "" {
		return "", fmt.Errorf("%w: give the image to verify, e.g. --image ghcr.io/acme/app:1.6", ErrUsage)
	}
	trust, err := verifyTrust(req)
	if err != nil {
		return "", err
	}
	image, opts, local, err := verifyTarget(ctx, req)
	if err != nil {
		return "", err
	}
	defer localNames(local, &out, &err)
	client, err := registry.New(append(timeoutOptions(req.Timeouts), opts...)...)
	if err != nil {
		return "", err
	}
	rep, err := verification.Image(ctx, client, verification.Request{Image: image, Trust: trust, SourceURI: req.SourceURI, SourceRef: req.SourceRef})
	if err != nil {
		return "", explain(err, BuildRequest{Password: req.Password, DockerConfig: req.DockerConfig})
	}
	return report.Render(format, report.VerifyView{Report: rep})
}

// verifyTrust turns the key or the identity into what signatures are
// checked against; exactly one of the two must be given.
func verifyTrust(req VerifyRequest) (verification.Trust, error) {
	id := req.Identity
	hasID := id != (verification.Identity{})
	switch {
	case len(req.Key) > 0 && hasID:
		return verification.Trust{}, fmt.Errorf("%w: give --key (key-signed attestations) or --certificate-identity and --certificate-oidc-issuer (keyless), not both", ErrUsage)
	case len(req.Key) > 0:
		if len(req.TrustedRoot) > 0 {
			return verification.Trust{}, fmt.Errorf("%w: --trusted-root is for keyless signatures; a key needs none", ErrUsage)
		}
		return verification.KeyTrust(req.Key)
	case !hasID:
		return verification.Trust{}, fmt.Errorf("%w: say whose signatures to trust: --key cosign.pub for attestations signed with a key, or --certificate-identity and --certificate-oidc-issuer for keyless ones (e.g. https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.6.0 and https://token.actions.githubusercontent.com)", ErrUsage)
	}
	material, err := verification.TrustedRoot(req.TrustedRoot)
	if err != nil {
		return verification.Trust{}, err
	}
	return verification.IdentityTrust(id, material)
}

// verifyTarget returns the image reference to read and the registry
// options for it. An image in patchline's local registry, named as people
// reach it (localhost:5000/app:1.6), is read where module code reaches it.
func verifyTarget(ctx context.Context, req VerifyRequest) (image string, opts []registry.Option, local string, err error) {
	image = req.Image
	if _, err := policy.ParseRepository(reponame.Of(image)); err != nil {
		return "", nil, "", fmt.Errorf("%w: --image: %v", ErrUsage, err)
	}
	ref, err := name.ParseReference(image, name.StrictValidation)
	if err != nil {
		return "", nil, "", fmt.Errorf("%w: --image %s is not an image reference (%v); write it like ghcr.io/acme/app:1.6 or ghcr.io/acme/app@sha256:<digest>", ErrUsage, safetext.Quote(image), err)
	}
	host := ref.Context().RegistryStr()
	if strings.HasPrefix(image, LocalAddress+"/") && req.StartLocalRegistry != nil {
		local, err = req.StartLocalRegistry(ctx)
		if err != nil {
			return "", nil, "", err
		}
		image = local + strings.TrimPrefix(image, LocalAddress)
		h, _, _ := strings.Cut(local, "/")
		opts = append(opts, registry.WithInsecure(h))
		host = h
	}
	var loggedIn []string
	if req.Username != "" || req.Password != "" {
		if req.Username == "" || req.Password == "" {
			return "", nil, "", fmt.Errorf("%w: give --username and --password together (the password as a secret, e.g. --password env:REGISTRY_TOKEN)", ErrUsage)
		}
		opts = append(opts, registry.WithCredentials(host, req.Username, req.Password))
		loggedIn = append(loggedIn, host)
	}
	cfg, err := dockerConfigOptions(req.DockerConfig, loggedIn...)
	if err != nil {
		return "", nil, "", err
	}
	return image, append(opts, cfg...), local, nil
}
