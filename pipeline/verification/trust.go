package verification

import (
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"regexp"
	"time"

	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/patchline/patchline/pipeline/internal/safetext"
)

// Identity is the CI identity a keyless signature must come from: the
// certificate's subject (for GitHub Actions, the workflow file at a ref,
// e.g. https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.6.0)
// and the OIDC issuer that vouched for it (for GitHub Actions,
// https://token.actions.githubusercontent.com). Each is given exactly or as
// a regular expression, as cosign's --certificate-identity(-regexp) and
// --certificate-oidc-issuer(-regexp) are.
type Identity struct {
	Subject       string
	SubjectRegexp string
	Issuer        string
	IssuerRegexp  string
}

// String renders the identity as given, for messages.
func (id Identity) String() string {
	s, iss := id.Subject, id.Issuer
	if s == "" {
		s = "/" + id.SubjectRegexp + "/"
	}
	if iss == "" {
		iss = "/" + id.IssuerRegexp + "/"
	}
	return s + " (issuer " + iss + ")"
}

// Trust is what a signature must verify against: either a public key
// (signatures made with `--signing-key`, like cosign's --key), or a
// certificate identity together with the trusted material that vouches for
// certificates (Fulcio's CAs, Rekor's and the CT logs' keys).
//
// Key signatures carry no transparency log entry, as cosign's key-signed
// attestations made with --tlog-upload=false do; keyless ones must have a
// Rekor entry whose time falls inside the certificate's short validity,
// and, when the trusted material lists CT logs, a certificate transparency
// timestamp.
type Trust struct {
	key         crypto.PublicKey
	fingerprint string
	identity    verify.CertificateIdentity
	described   string
	material    root.TrustedMaterial
}

// KeyTrust trusts signatures made with the private half of a PEM public
// key, such as the cosign.pub that `cosign generate-key-pair` writes.
func KeyTrust(pemKey []byte) (Trust, error) {
	pub, err := cryptoutils.UnmarshalPEMToPublicKey(pemKey)
	if err != nil {
		return Trust{}, fmt.Errorf("%w: the verification key is not a PEM public key (%v); give the cosign.pub that belongs to the signing key", ErrUsage, err)
	}
	return PublicKeyTrust(pub)
}

// PublicKeyTrust trusts signatures made with the private half of pub.
func PublicKeyTrust(pub crypto.PublicKey) (Trust, error) {
	v, err := signature.LoadVerifier(pub, crypto.SHA256)
	if err != nil {
		return Trust{}, fmt.Errorf("%w: the verification key cannot check signatures: %v", ErrUsage, err)
	}
	key := root.NewExpiringKey(v, time.Time{}, time.Time{})
	fp, err := Fingerprint(pub)
	if err != nil {
		return Trust{}, err
	}
	// Every bundle is checked with this one key, whatever key hint it
	// carries: a hint is the signer's claim, not something to trust.
	material := root.NewTrustedPublicKeyMaterial(func(string) (root.TimeConstrainedVerifier, error) { return key, nil })
	return Trust{key: pub, fingerprint: fp, material: material, described: "key " + fp}, nil
}

// IdentityTrust trusts keyless signatures whose certificate was issued to
// id by a certificate authority in material, and whose signing was logged
// in a transparency log in material. material is a trusted root: the
// public-good one (PublicGoodRoot) or a private Sigstore's
// (TrustedRootFromJSON).
func IdentityTrust(id Identity, material root.TrustedMaterial) (Trust, error) {
	switch {
	case id.Subject == "" && id.SubjectRegexp == "":
		return Trust{}, fmt.Errorf("%w: keyless verification needs the certificate identity, e.g. --certificate-identity https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.6.0 or --certificate-identity-regexp '^https://github.com/acme/app/'", ErrUsage)
	case id.Issuer == "" && id.IssuerRegexp == "":
		return Trust{}, fmt.Errorf("%w: keyless verification needs the OIDC issuer, e.g. --certificate-oidc-issuer https://token.actions.githubusercontent.com", ErrUsage)
	case id.Subject != "" && id.SubjectRegexp != "":
		return Trust{}, fmt.Errorf("%w: give the certificate identity exactly or as a regular expression, not both", ErrUsage)
	case id.Issuer != "" && id.IssuerRegexp != "":
		return Trust{}, fmt.Errorf("%w: give the OIDC issuer exactly or as a regular expression, not both", ErrUsage)
	case material == nil:
		return Trust{}, fmt.Errorf("%w: keyless verification needs a trusted root", ErrUsage)
	}
	for _, re := range []string{id.SubjectRegexp, id.IssuerRegexp} {
		if _, err := regexp.Compile(re); err != nil {
			return Trust{}, fmt.Errorf("%w: %s is not a regular expression: %v", ErrUsage, safetext.Quote(re), err)
		}
	}
	ci, err := verify.NewShortCertificateIdentity(id.Issuer, id.IssuerRegexp, id.Subject, id.SubjectRegexp)
	if err != nil {
		return Trust{}, fmt.Errorf("%w: certificate identity: %v", ErrUsage, err)
	}
	return Trust{identity: ci, material: material, described: id.String()}, nil
}

// TrustedRootFromJSON reads a trusted_root.json (media type
// application/vnd.dev.sigstore.trustedroot+json), the file cosign takes as
// --trusted-root: a private Sigstore's, or a pinned copy of the public one
// for checks without network.
func TrustedRootFromJSON(b []byte) (root.TrustedMaterial, error) {
	tr, err := root.NewTrustedRootFromJSON(b)
	if err != nil {
		return nil, fmt.Errorf("%w: the trusted root is not a Sigstore trusted_root.json: %v", ErrUsage, err)
	}
	return tr, nil
}

// TrustedRoot returns the trusted material for keyless signatures: the
// trusted_root.json given, or, with none, the public-good root (see
// PublicGoodRoot).
func TrustedRoot(trustedRootJSON []byte) (root.TrustedMaterial, error) {
	if len(trustedRootJSON) > 0 {
		return TrustedRootFromJSON(trustedRootJSON)
	}
	return PublicGoodRoot()
}

// PublicGoodRoot fetches the trusted root of Sigstore's public-good
// instance (fulcio.sigstore.dev, rekor.sigstore.dev) through its TUF
// repository, starting from the root of trust built into sigstore-go.
func PublicGoodRoot() (root.TrustedMaterial, error) {
	tr, err := root.FetchTrustedRoot()
	if err != nil {
		return nil, fmt.Errorf("fetching the trusted root of Sigstore's public-good instance from its TUF repository (tuf-repo-cdn.sigstore.dev): %w; without network access to it, give a trusted_root.json (e.g. --trusted-root)", err)
	}
	return tr, nil
}

// Keyless reports whether t trusts a certificate identity rather than a key.
func (t Trust) Keyless() bool { return t.key == nil }

// String says what t trusts, for messages: "key <fingerprint>" or the
// identity with its issuer.
func (t Trust) String() string { return t.described }

// IsZero reports whether t trusts nothing yet.
func (t Trust) IsZero() bool { return t.material == nil }

// verifier returns the sigstore-go verifier and identity policy for t.
func (t Trust) verifier() (*verify.Verifier, verify.PolicyOption, error) {
	if t.material == nil {
		return nil, nil, fmt.Errorf("%w: nothing to trust: give a key or a certificate identity", ErrUsage)
	}
	if !t.Keyless() {
		// No transparency log and no timestamp authority: a key signature
		// is trusted for as long as the key is, as with cosign's
		// --insecure-ignore-tlog for bundles made with --tlog-upload=false.
		v, err := verify.NewVerifier(t.material, verify.WithNoObserverTimestamps())
		return v, verify.WithKey(), err
	}
	opts := []verify.VerifierOption{verify.WithTransparencyLog(1), verify.WithIntegratedTimestamps(1)}
	if len(t.material.CTLogs()) > 0 {
		opts = append(opts, verify.WithSignedCertificateTimestamps(1))
	}
	v, err := verify.NewVerifier(t.material, opts...)
	return v, verify.WithCertificateIdentity(t.identity), err
}

// Fingerprint names a public key by the SHA-256 of its PKIX encoding, as
// hex: the value Sigstore bundles carry as a key hint (base64 there).
func Fingerprint(pub crypto.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("encoding a public key: %w", err)
	}
	sum := sha256.Sum256(der)
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}
