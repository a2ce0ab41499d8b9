package app

import (
	"fmt"
	"strings"

	"github.com/patchline/patchline/pipeline/policy"
	"github.com/patchline/patchline/pipeline/signing"
)

// SigningRequest is what signs the attestations, as the policy's
// attestations.sign asks. Key, Password and the tokens are plaintext read
// from Dagger secrets in the one step that uses them; they never reach a
// report, provenance or error.
type SigningRequest struct {
	// Key and Password are a cosign private key and its password, for
	// attestations.sign: key.
	Key, Password string
	// OIDCToken is an identity token for Fulcio (audience sigstore), for
	// attestations.sign: keyless.
	OIDCToken string
	// OIDCRequestURL and OIDCRequestToken are GitHub Actions'
	// ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN: the
	// token is asked for when signing, instead of OIDCToken.
	OIDCRequestURL, OIDCRequestToken string
	// FulcioURL and RekorURL override Sigstore's public-good instance.
	FulcioURL, RekorURL string
	// TrustedRoot is the trusted_root.json of a private Sigstore.
	TrustedRoot []byte
}

func (r SigningRequest) keyless() bool {
	return r.OIDCToken != "" || r.OIDCRequestURL != "" || r.OIDCRequestToken != "" || r.FulcioURL != "" || r.RekorURL != "" || len(r.TrustedRoot) > 0
}

// newSigner returns the signer the policy asks for, or nil when it signs
// nothing. Arguments for another mode than the policy's are refused rather
// than ignored: someone who passes a key expects a signature. The key is
// decrypted here, so a wrong password fails before anything is built.
func newSigner(r SigningRequest, p *policy.Policy) (*signing.Signer, error) {
	mode := p.Attestations.Sign
	switch {
	case mode != policy.SignKey && (r.Key != "" || r.Password != ""):
		return nil, fmt.Errorf("%w: --signing-key is given but %s has attestations.sign: %s; set attestations.sign: key in the policy to sign with it", ErrUsage, p.Source, orNone(mode))
	case mode != policy.SignKeyless && r.keyless():
		return nil, fmt.Errorf("%w: keyless signing arguments (--oidc-token, --oidc-request-url, --fulcio-url, ...) are given but %s has attestations.sign: %s; set attestations.sign: keyless in the policy to sign keyless", ErrUsage, p.Source, orNone(mode))
	}
	switch mode {
	case policy.SignKey:
		if strings.TrimSpace(r.Key) == "" {
			return nil, fmt.Errorf("%w: %s signs attestations with a key (attestations.sign: key); give --signing-key file:cosign.key --signing-password env:COSIGN_PASSWORD", ErrUsage, p.Source)
		}
		s, err := signing.NewKeySigner([]byte(r.Key), []byte(r.Password))
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrUsage, err)
		}
		return s, nil
	case policy.SignKeyless:
		var tok signing.TokenSource
		switch {
		case r.OIDCToken != "" && (r.OIDCRequestURL != "" || r.OIDCRequestToken != ""):
			return nil, fmt.Errorf("%w: give --oidc-token or GitHub Actions' --oidc-request-url and --oidc-request-token, not both", ErrUsage)
		case r.OIDCToken != "":
			tok = signing.StaticToken(r.OIDCToken)
		case r.OIDCRequestURL != "" && r.OIDCRequestToken != "":
			tok = signing.GitHubActions(nil, r.OIDCRequestURL, r.OIDCRequestToken)
		case r.OIDCRequestURL != "" || r.OIDCRequestToken != "":
			return nil, fmt.Errorf("%w: give both --oidc-request-url env:ACTIONS_ID_TOKEN_REQUEST_URL and --oidc-request-token env:ACTIONS_ID_TOKEN_REQUEST_TOKEN", ErrUsage)
		default:
			return nil, fmt.Errorf("%w: %s signs attestations keyless (attestations.sign: keyless) and needs an OIDC token: on GitHub Actions give --oidc-request-url env:ACTIONS_ID_TOKEN_REQUEST_URL --oidc-request-token env:ACTIONS_ID_TOKEN_REQUEST_TOKEN (the workflow needs permissions: id-token: write); elsewhere --oidc-token env:SIGSTORE_ID_TOKEN", ErrUsage, p.Source)
		}
		s, err := signing.NewKeylessSigner(signing.KeylessOptions{Token: tok, FulcioURL: r.FulcioURL, RekorURL: r.RekorURL, TrustedRoot: r.TrustedRoot})
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrUsage, err)
		}
		return s, nil
	}
	return nil, nil
}

func orNone(m policy.Signing) policy.Signing {
	if m == "" {
		return policy.SignNone
	}
	return m
}
