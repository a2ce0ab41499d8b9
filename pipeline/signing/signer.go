package signing

import (
	"context"
	"crypto/x509"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/sign"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/patchline/patchline/pipeline/internal/safetext"
	"github.com/patchline/patchline/pipeline/verification"
)

// Public-good Sigstore, the defaults of keyless signing.
const (
	// DefaultFulcioURL is the certificate authority of Sigstore's
	// public-good instance.
	DefaultFulcioURL = "https://fulcio.sigstore.dev"
	// DefaultRekorURL is the transparency log of Sigstore's public-good
	// instance.
	DefaultRekorURL = "https://rekor.sigstore.dev"
)

// inTotoPayloadType is the DSSE payload type of an in-toto statement.
const inTotoPayloadType = "application/vnd.in-toto+json"

// Signer signs in-toto statements as Sigstore bundles. One Signer serves a
// whole run and is safe for concurrent use; a keyless Signer makes one key
// and asks Fulcio for one certificate per run, and again only when that
// certificate is about to expire.
type Signer struct {
	keypair sign.Keypair
	redact  *redactor

	// Key mode.
	keyTrust verification.Trust

	// Keyless mode.
	keyless *keyless
}

// NewKeySigner returns a Signer for a cosign private key (see LoadKey).
// Its bundles carry the key's hint and no transparency log entry, as
// `cosign attest --tlog-upload=false` makes them: verify them with the
// cosign.pub that belongs to the key.
func NewKeySigner(pemKey, password []byte) (*Signer, error) {
	r := &redactor{}
	r.add(string(password))
	priv, err := LoadKey(pemKey, password)
	if err != nil {
		return nil, r.redact(err)
	}
	kp, err := newKeypair(priv)
	if err != nil {
		return nil, err
	}
	t, err := verification.PublicKeyTrust(&priv.PublicKey)
	if err != nil {
		return nil, err
	}
	return &Signer{keypair: kp, redact: r, keyTrust: t}, nil
}

// KeylessOptions configure keyless signing.
type KeylessOptions struct {
	// Token gives the OIDC identity token Fulcio certifies. Required.
	Token TokenSource
	// FulcioURL is the certificate authority. Default: DefaultFulcioURL.
	FulcioURL string
	// RekorURL is the transparency log (Rekor API v1). Default:
	// DefaultRekorURL.
	RekorURL string
	// TrustedRoot is a trusted_root.json naming the CA and the log's key.
	// Every bundle is checked against it before it is attached, and an
	// attestation attached by an earlier run counts only if it verifies
	// against it. Default: the public-good root, fetched with TUF on first
	// use; a private Sigstore needs its own.
	TrustedRoot []byte
	// Now is the clock the certificate's remaining lifetime is judged by.
	// Default: time.Now.
	Now func() time.Time
}

// keyless is the state of a keyless Signer.
type keyless struct {
	opts  KeylessOptions
	certs *certificates
	rekor *sign.Rekor

	mu       sync.Mutex
	material root.TrustedMaterial
}

// NewKeylessSigner returns a Signer that signs with a fresh key certified
// by Fulcio for the OIDC identity of o.Token, logging each signature in
// Rekor. Nothing is contacted until the first signature.
func NewKeylessSigner(o KeylessOptions) (*Signer, error) {
	if o.Token == nil {
		return nil, fmt.Errorf("%w: keyless signing needs an OIDC token: on GitHub Actions pass the token request (--oidc-request-url env:ACTIONS_ID_TOKEN_REQUEST_URL --oidc-request-token env:ACTIONS_ID_TOKEN_REQUEST_TOKEN, with `permissions: id-token: write`), elsewhere --oidc-token", ErrToken)
	}
	if o.FulcioURL == "" {
		o.FulcioURL = DefaultFulcioURL
	}
	if o.RekorURL == "" {
		o.RekorURL = DefaultRekorURL
	}
	for name, u := range map[string]string{"Fulcio": o.FulcioURL, "Rekor": o.RekorURL} {
		if p, err := url.Parse(u); err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" || p.User != nil {
			return nil, fmt.Errorf("%w: the %s URL %s is not an http(s) URL without credentials, e.g. %s", ErrSigning, name, safetext.Quote(safetext.URL(u)), map[string]string{"Fulcio": DefaultFulcioURL, "Rekor": DefaultRekorURL}[name])
		}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	r := &redactor{}
	r.add(o.Token.secrets()...)
	kp, err := sign.NewEphemeralKeypair(nil)
	if err != nil {
		return nil, fmt.Errorf("%w: making a key: %v", ErrSigning, err)
	}
	k := &keyless{
		opts: o,
		certs: &certificates{
			fulcio: sign.NewFulcio(&sign.FulcioOptions{BaseURL: strings.TrimSuffix(o.FulcioURL, "/"), Timeout: 30 * time.Second, Retries: 1}),
			token:  o.Token,
			redact: r,
			now:    o.Now,
		},
		rekor: sign.NewRekor(&sign.RekorOptions{BaseURL: strings.TrimSuffix(o.RekorURL, "/"), Timeout: 90 * time.Second, Retries: 1, Version: 1}),
	}
	if len(o.TrustedRoot) > 0 {
		if k.material, err = verification.TrustedRootFromJSON(o.TrustedRoot); err != nil {
			return nil, err
		}
	}
	return &Signer{keypair: kp, redact: r, keyless: k}, nil
}

// Sign signs an in-toto statement and returns the Sigstore bundle (v0.3,
// JSON) that holds it.
func (s *Signer) Sign(ctx context.Context, statement []byte) ([]byte, error) {
	opts := sign.BundleOptions{Context: ctx}
	if k := s.keyless; k != nil {
		material, err := k.trustedMaterial()
		if err != nil {
			return nil, s.redact.redact(err)
		}
		opts.CertificateProvider = k.certs
		opts.CertificateProviderOptions = &sign.CertificateProviderOptions{}
		opts.TransparencyLogs = []sign.Transparency{k.rekor}
		// sign.Bundle checks its own result against the trusted root, so a
		// Fulcio or Rekor that the verifiers do not trust fails here, at
		// release time, not at the deploy gate.
		opts.TrustedRoot = material
	}
	b, err := sign.Bundle(&sign.DSSEData{Data: statement, PayloadType: inTotoPayloadType}, s.keypair, opts)
	if err != nil {
		return nil, s.redact.redact(fmt.Errorf("%w: %w", ErrSigning, err))
	}
	out, err := protojson.Marshal(b)
	if err != nil {
		return nil, fmt.Errorf("%w: encoding the bundle: %v", ErrSigning, err)
	}
	return out, nil
}

// Trust returns what s's signatures verify against: its public key, or
// the identity in its Fulcio certificate under its trusted root (which
// costs the certificate, if none was obtained yet).
func (s *Signer) Trust(ctx context.Context) (verification.Trust, error) {
	k := s.keyless
	if k == nil {
		return s.keyTrust, nil
	}
	material, err := k.trustedMaterial()
	if err != nil {
		return verification.Trust{}, s.redact.redact(err)
	}
	der, err := k.certs.GetCertificate(ctx, s.keypair, nil)
	if err != nil {
		return verification.Trust{}, s.redact.redact(fmt.Errorf("%w: %w", ErrSigning, err))
	}
	id, err := identityOf(der)
	if err != nil {
		return verification.Trust{}, err
	}
	return verification.IdentityTrust(id, material)
}

// Accepts reports whether an attached bundle is one s stands behind: it
// verifies against s's trust and is about subject. A re-run uses it to
// keep what an earlier run attached instead of signing again.
func (s *Signer) Accepts(ctx context.Context, bundle []byte, subject v1.Hash) (*verification.Verified, bool, error) {
	t, err := s.Trust(ctx)
	if err != nil {
		return nil, false, err
	}
	v, err := verification.VerifyBundle(t, bundle, subject)
	if err != nil {
		return nil, false, nil
	}
	return v, true, nil
}

// trustedMaterial returns the trusted root, fetching the public-good one
// on first use when none was given.
func (k *keyless) trustedMaterial() (root.TrustedMaterial, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.material != nil {
		return k.material, nil
	}
	m, err := verification.TrustedRoot(nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSigning, err)
	}
	k.material = m
	return m, nil
}

// identityOf reads the identity Fulcio certified: the certificate's subject
// alternative name and the OIDC issuer extension.
func identityOf(der []byte) (verification.Identity, error) {
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return verification.Identity{}, fmt.Errorf("%w: the certificate from Fulcio does not parse: %v", ErrSigning, err)
	}
	sum, err := certificate.SummarizeCertificate(c)
	if err != nil {
		return verification.Identity{}, fmt.Errorf("%w: the certificate from Fulcio names no identity: %v", ErrSigning, err)
	}
	if sum.SubjectAlternativeName == "" || sum.Issuer == "" {
		return verification.Identity{}, fmt.Errorf("%w: the certificate from Fulcio lacks its subject or OIDC issuer", ErrSigning)
	}
	return verification.Identity{Subject: sum.SubjectAlternativeName, Issuer: sum.Issuer}, nil
}

// certificates is sigstore-go's Fulcio client with memory: one certificate
// for the run's key, asked for again only when less than certMargin of its
// lifetime is left, so a run that signs many statements makes one Fulcio
// request and one token request rather than one per statement. The token is
// fetched just before each Fulcio request, never earlier.
type certificates struct {
	fulcio *sign.Fulcio
	token  TokenSource
	redact *redactor
	now    func() time.Time

	mu       sync.Mutex
	der      []byte
	notAfter time.Time
}

// certMargin is the lifetime a cached certificate must have left: enough to
// sign and have Rekor record the signature while the certificate is valid.
const certMargin = 2 * time.Minute

// GetCertificate implements sign.CertificateProvider.
func (c *certificates) GetCertificate(ctx context.Context, kp sign.Keypair, _ *sign.CertificateProviderOptions) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.der != nil && c.now().Add(certMargin).Before(c.notAfter) {
		return c.der, nil
	}
	tok, err := c.token.Token(ctx)
	if err != nil {
		return nil, err
	}
	c.redact.add(tok)
	der, err := c.fulcio.GetCertificate(ctx, kp, &sign.CertificateProviderOptions{IDToken: tok})
	if err != nil {
		return nil, fmt.Errorf("asking Fulcio for a certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("the certificate from Fulcio does not parse: %w", err)
	}
	c.der, c.notAfter = der, cert.NotAfter
	return der, nil
}
