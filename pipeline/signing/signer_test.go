package signing_test

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/sigstore/sigstore/pkg/cryptoutils"

	"github.com/patchline/patchline/pipeline/internal/testing/sigstoretest"
	"github.com/patchline/patchline/pipeline/signing"
	"github.com/patchline/patchline/pipeline/verification"
)

var ctx = context.Background()

const password = "pl-Cosign-Pa55word"

// workflow is the GitHub Actions workflow sigstoretest's tokens name.
const workflow = "acme/app/.github/workflows/release.yml@refs/tags/v1.6.0"

// digest returns a made-up image digest.
func digest(seed string) v1.Hash {
	sum := sha256.Sum256([]byte(seed))
	return v1.Hash{Algorithm: "sha256", Hex: fmt.Sprintf("%x", sum)}
}

// statement is an in-toto statement of predicateType about d.
func statement(t *testing.T, d v1.Hash, predicateType string) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"_type":         "https://in-toto.io/Statement/v1",
		"subject":       []map[string]any{{"name": "pkg:docker/acme/app@1.6.0", "digest": map[string]string{d.Algorithm: d.Hex}}},
		"predicateType": predicateType,
		"predicate":     map[string]any{"buildDefinition": map[string]any{"externalParameters": map[string]any{"source": map[string]string{"uri": "https://github.com/acme/app", "ref": "refs/tags/v1.6.0"}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const provenance = "https://slsa.dev/provenance/v1"

func TestKeySignedBundleVerifiesWithItsPublicKeyOnly(t *testing.T) {
	priv, pub := sigstoretest.KeyPair(t, password)
	s, err := signing.NewKeySigner(priv, []byte(password))
	if err != nil {
		t.Fatal(err)
	}
	img := digest("amd64")
	b, err := s.Sign(ctx, statement(t, img, provenance))
	if err != nil {
		t.Fatal(err)
	}
	trust, err := verification.KeyTrust(pub)
	if err != nil {
		t.Fatal(err)
	}
	v, err := verification.VerifyBundle(trust, b, img)
	if err != nil {
		t.Fatalf("the bundle does not verify with its own public key: %v", err)
	}
	if v.PredicateType != provenance || len(v.Subjects) != 1 || v.Subjects[0] != img.String() || !strings.HasPrefix(v.Signer, "key sha256:") {
		t.Errorf("verified %+v", v)
	}

	// The bundle names the key as cosign does: the hint is
	// base64(sha256(PKIX public key)), and no transparency log entry.
	var doc struct {
		MediaType            string `json:"mediaType"`
		VerificationMaterial struct {
			PublicKey struct {
				Hint string `json:"hint"`
			} `json:"publicKey"`
			TlogEntries []any `json:"tlogEntries"`
		} `json:"verificationMaterial"`
		DSSEEnvelope struct {
			PayloadType string `json:"payloadType"`
		} `json:"dsseEnvelope"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	pk, _ := cryptoutils.UnmarshalPEMToPublicKey(pub)
	der, _ := x509.MarshalPKIXPublicKey(pk)
	sum := sha256.Sum256(der)
	if doc.MediaType != "application/vnd.dev.sigstore.bundle.v0.3+json" || doc.DSSEEnvelope.PayloadType != "application/vnd.in-toto+json" ||
		doc.VerificationMaterial.PublicKey.Hint != base64.StdEncoding.EncodeToString(sum[:]) || len(doc.VerificationMaterial.TlogEntries) != 0 {
		t.Errorf("bundle shape: %s", b)
	}

	_, otherPub := sigstoretest.KeyPair(t, password)
	other, _ := verification.KeyTrust(otherPub)
	if _, err := verification.VerifyBundle(other, b, img); !errors.Is(err, verification.ErrSignature) || !strings.Contains(err.Error(), "another key") {
		t.Errorf("another key: err = %v, want ErrSignature saying so", err)
	}
	if _, err := verification.VerifyBundle(trust, b, digest("arm64")); !errors.Is(err, verification.ErrSubject) || !strings.Contains(err.Error(), img.String()) {
		t.Errorf("another image: err = %v, want ErrSubject naming %s", err, img)
	}
	tampered := strings.Replace(string(b), `"payload":"`, `"payload":"ey`, 1)
	if _, err := verification.VerifyBundle(trust, []byte(tampered), img); err == nil {
		t.Errorf("a changed payload verified")
	}
}

func TestLoadKey(t *testing.T) {
	priv, _ := sigstoretest.KeyPair(t, password)
	if _, err := signing.LoadKey(priv, []byte(password)); err != nil {
		t.Fatal(err)
	}
	empty, _ := sigstoretest.KeyPair(t, "")
	if _, err := signing.LoadKey(empty, nil); err != nil {
		t.Errorf("a key made with an empty password (COSIGN_PASSWORD=): %v", err)
	}
	older := []byte(strings.ReplaceAll(string(priv), "ENCRYPTED SIGSTORE PRIVATE KEY", "ENCRYPTED COSIGN PRIVATE KEY"))
	if _, err := signing.LoadKey(older, []byte(password)); err != nil {
		t.Errorf("the older PEM type: %v", err)
	}
	_, pub := sigstoretest.KeyPair(t, password)
	for name, tc := range map[string]struct {
		key, password []byte
		want          string
	}{
		"wrong password": {priv, []byte(password + "x"), "--signing-password"},
		"public key":     {pub, []byte(password), "not cosign.pub"},
		"empty":          {nil, []byte(password), "empty"},
		"not PEM":        {[]byte("hello"), []byte(password), "generate-key-pair"},
	} {
		_, err := signing.LoadKey(tc.key, tc.password)
		if !errors.Is(err, signing.ErrKey) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want ErrKey mentioning %q", name, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), password) {
			t.Errorf("%s: the error contains the password", name)
		}
	}
}

// keyless returns a keyless signer against s, with the static token tok.
func keyless(t *testing.T, s *sigstoretest.Sigstore, tok signing.TokenSource, now func() time.Time) *signing.Signer {
	t.Helper()
	signer, err := signing.NewKeylessSigner(signing.KeylessOptions{Token: tok, FulcioURL: s.FulcioURL, RekorURL: s.RekorURL, TrustedRoot: s.TrustedRoot, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return signer
}

func identityTrust(t *testing.T, s *sigstoretest.Sigstore, id verification.Identity) verification.Trust {
	t.Helper()
	material, err := verification.TrustedRootFromJSON(s.TrustedRoot)
	if err != nil {
		t.Fatal(err)
	}
	trust, err := verification.IdentityTrust(id, material)
	if err != nil {
		t.Fatal(err)
	}
	return trust
}

// Keyless signing goes through sigstore-go's real Fulcio and Rekor clients;
// the bundles carry the certificate (with its CT timestamp) and the Rekor
// entry, and verify for the workflow's identity only.
func TestKeylessSignsWithFulcioAndRekor(t *testing.T) {
	s := sigstoretest.New(t)
	signer := keyless(t, s, signing.StaticToken(s.ActionsToken), nil)
	imgs := []v1.Hash{digest("amd64"), digest("arm64"), digest("riscv64")}
	var bundles [][]byte
	for _, img := range imgs {
		b, err := signer.Sign(ctx, statement(t, img, provenance))
		if err != nil {
			t.Fatal(err)
		}
		bundles = append(bundles, b)
	}
	if f, r := s.Calls(); f != 1 || r != 3 {
		t.Errorf("%d certificate requests and %d log entries for 3 signatures; want 1 and 3", f, r)
	}
	trust := identityTrust(t, s, verification.Identity{Subject: sigstoretest.Identity(workflow), Issuer: sigstoretest.GitHubIssuer})
	for i, img := range imgs {
		v, err := verification.VerifyBundle(trust, bundles[i], img)
		if err != nil {
			t.Fatalf("bundle %d: %v", i, err)
		}
		if !strings.Contains(v.Signer, sigstoretest.Identity(workflow)) || v.LoggedAt.IsZero() {
			t.Errorf("verified %+v", v)
		}
	}
	for name, id := range map[string]verification.Identity{
		"another workflow": {Subject: sigstoretest.Identity("evil/app/.github/workflows/release.yml@refs/tags/v1.6.0"), Issuer: sigstoretest.GitHubIssuer},
		"another issuer":   {Subject: sigstoretest.Identity(workflow), Issuer: "https://accounts.example.com"},
		"another ref":      {SubjectRegexp: `^https://github\.com/acme/app/\.github/workflows/release\.yml@refs/heads/main$`, Issuer: sigstoretest.GitHubIssuer},
	} {
		if _, err := verification.VerifyBundle(identityTrust(t, s, id), bundles[0], imgs[0]); !errors.Is(err, verification.ErrSignature) {
			t.Errorf("%s: err = %v, want ErrSignature", name, err)
		}
	}
	_, pub := sigstoretest.KeyPair(t, password)
	keyTrust, _ := verification.KeyTrust(pub)
	if _, err := verification.VerifyBundle(keyTrust, bundles[0], imgs[0]); !errors.Is(err, verification.ErrSignature) || !strings.Contains(err.Error(), "keyless") {
		t.Errorf("a keyless bundle checked with a key: err = %v, want ErrSignature saying it is keyless", err)
	}
	// Another Sigstore's root vouches for none of it.
	if _, err := verification.VerifyBundle(identityTrust(t, sigstoretest.New(t), verification.Identity{Subject: sigstoretest.Identity(workflow), Issuer: sigstoretest.GitHubIssuer}), bundles[0], imgs[0]); !errors.Is(err, verification.ErrSignature) {
		t.Errorf("another trusted root: err = %v, want ErrSignature", err)
	}
}

// A certificate is asked for again only when the one in hand is about to
// expire, so a long run keeps signing within a certificate's validity.
func TestKeylessRenewsAnExpiringCertificate(t *testing.T) {
	s := sigstoretest.New(t)
	now := time.Now()
	clock := func() time.Time { return now }
	signer := keyless(t, s, signing.StaticToken(s.ActionsToken), clock)
	for range 2 {
		if _, err := signer.Sign(ctx, statement(t, digest("a"), provenance)); err != nil {
			t.Fatal(err)
		}
	}
	now = now.Add(9 * time.Minute) // sigstoretest certificates live 10 minutes
	if _, err := signer.Sign(ctx, statement(t, digest("a"), provenance)); err != nil {
		t.Fatal(err)
	}
	if f, _ := s.Calls(); f != 2 {
		t.Errorf("%d certificate requests; want one, and one more near its expiry", f)
	}
}

// On GitHub Actions the token is asked for with the runner's request URL
// and token, audience sigstore.
func TestKeylessGitHubActionsToken(t *testing.T) {
	s := sigstoretest.New(t)
	signer := keyless(t, s, signing.GitHubActions(nil, s.ActionsURL, s.ActionsRequestToken), nil)
	b, err := signer.Sign(ctx, statement(t, digest("a"), provenance))
	if err != nil {
		t.Fatal(err)
	}
	trust := identityTrust(t, s, verification.Identity{Subject: sigstoretest.Identity(workflow), Issuer: sigstoretest.GitHubIssuer})
	if _, err := verification.VerifyBundle(trust, b, digest("a")); err != nil {
		t.Fatal(err)
	}

	bad := keyless(t, s, signing.GitHubActions(nil, s.ActionsURL, "wrong-request-token"), nil)
	_, err = bad.Sign(ctx, statement(t, digest("a"), provenance))
	if !errors.Is(err, signing.ErrToken) || !strings.Contains(err.Error(), "id-token: write") {
		t.Errorf("err = %v, want ErrToken with the fix", err)
	}
	unreachable := keyless(t, s, signing.GitHubActions(nil, "http://127.0.0.1:1/idtoken?secret=s3cr3t-run-url", s.ActionsRequestToken), nil)
	_, err = unreachable.Sign(ctx, statement(t, digest("a"), provenance))
	if err == nil || strings.Contains(err.Error(), "s3cr3t-run-url") {
		t.Errorf("err = %v; want an error that does not quote the request URL", err)
	}
}

// Neither the OIDC token nor the runner's request token reaches an error,
// even from a Fulcio that repeats the credentials it was sent.
func TestKeylessErrorsNeverCarryTokens(t *testing.T) {
	s := sigstoretest.New(t)
	s.EchoCredentials(true)
	for name, tok := range map[string]signing.TokenSource{
		"static":         signing.StaticToken(s.ActionsToken),
		"github actions": signing.GitHubActions(nil, s.ActionsURL, s.ActionsRequestToken),
	} {
		_, err := keyless(t, s, tok, nil).Sign(ctx, statement(t, digest("a"), provenance))
		if !errors.Is(err, signing.ErrSigning) {
			t.Fatalf("%s: err = %v, want ErrSigning", name, err)
		}
		for _, secret := range append(strings.Split(s.ActionsToken, "."), s.ActionsToken, s.ActionsRequestToken) {
			if len(secret) > 16 && strings.Contains(err.Error(), secret) {
				t.Errorf("%s: the error carries a secret: %v", name, err)
			}
		}
		if !strings.Contains(err.Error(), "***") {
			t.Errorf("%s: the echoed token was not visibly redacted: %v", name, err)
		}
	}
}

// A Fulcio or Rekor that fails makes Sign fail; nothing is half-signed.
func TestKeylessServiceFailures(t *testing.T) {
	s := sigstoretest.New(t)
	s.FailFulcio(http.StatusBadRequest)
	if _, err := keyless(t, s, signing.StaticToken(s.ActionsToken), nil).Sign(ctx, statement(t, digest("a"), provenance)); !errors.Is(err, signing.ErrSigning) {
		t.Errorf("Fulcio down: err = %v", err)
	}
	s.FailFulcio(0)
	s.FailRekor(http.StatusBadRequest)
	if _, err := keyless(t, s, signing.StaticToken(s.ActionsToken), nil).Sign(ctx, statement(t, digest("a"), provenance)); !errors.Is(err, signing.ErrSigning) {
		t.Errorf("Rekor down: err = %v", err)
	}
}

func TestKeylessOptions(t *testing.T) {
	if _, err := signing.NewKeylessSigner(signing.KeylessOptions{}); !errors.Is(err, signing.ErrToken) || !strings.Contains(err.Error(), "ACTIONS_ID_TOKEN_REQUEST_URL") {
		t.Errorf("no token: err = %v", err)
	}
	tok := signing.StaticToken("a.b.c")
	for _, u := range []string{"fulcio.example.com", "ftp://fulcio.example.com", "https://user:pw@fulcio.example.com"} {
		_, err := signing.NewKeylessSigner(signing.KeylessOptions{Token: tok, FulcioURL: u})
		if !errors.Is(err, signing.ErrSigning) || strings.Contains(fmt.Sprint(err), "user:pw") {
			t.Errorf("Fulcio URL %q: err = %v; want ErrSigning, without the URL's credentials", u, err)
		}
	}
	if _, err := signing.NewKeylessSigner(signing.KeylessOptions{Token: tok, TrustedRoot: []byte("{}")}); err == nil {
		t.Errorf("an empty trusted root was accepted")
	}
}
