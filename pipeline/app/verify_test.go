package app

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/patchline/patchline/pipeline/internal/testing/fixture"
	"github.com/patchline/patchline/pipeline/internal/testing/regtest"
	"github.com/patchline/patchline/pipeline/internal/testing/sigstoretest"
	"github.com/patchline/patchline/pipeline/registry"
	"github.com/patchline/patchline/pipeline/verification"
)

const cosignPassword = "pl-Cosign-Pa55word"

// signedRequest is a release request whose policy file signs as mode.
func signedRequest(e *fixture.Env, mode string) BuildRequest {
	req := request(e, "")
	req.Policy = PolicySource{Read: func(path string) ([]byte, bool, error) {
		if path != "patchline.yaml" {
			return nil, false, nil
		}
		return []byte("version: 1\nplatforms: [linux/amd64, linux/arm64]\nattestations:\n  sign: " + mode + "\n"), true, nil
	}}
	return req
}

// The deploy gate, as the verify function runs it, after a release signed
// with a key: table and JSON, by tag, through patchline's local registry.
func TestVerifyAKeySignedRelease(t *testing.T) {
	e := fixture.New(t, regtest.GGCR())
	priv, pub := sigstoretest.KeyPair(t, cosignPassword)
	req := signedRequest(e, "key")
	req.Images = nil
	req.StartLocalRegistry = func(context.Context) (string, error) { return e.Server.Host, nil }
	req.Signing = SigningRequest{Key: string(priv), Password: cosignPassword}
	out, err := Release(ctx, req, "1.6.0")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "attestations signed by key sha256:") {
		t.Errorf("the release report does not say who signed:\n%s", out)
	}
	vreq := VerifyRequest{
		Image:              LocalAddress + "/" + LocalRepository + ":1.6",
		Key:                pub,
		SourceURI:          "https://github.com/acme/app",
		StartLocalRegistry: req.StartLocalRegistry,
	}
	out, err = Verify(ctx, vreq)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	for _, want := range []string{"verified localhost:5000/app:1.6 (sha256:", "trusting key sha256:", "linux/amd64", "linux/arm64",
		"signed https://spdx.dev/Document", "signed https://slsa.dev/provenance/v1", "https://github.com/acme/app@refs/tags/1.6.0 (" + fixture.Commit[:12] + ")"} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, e.Server.Host) {
		t.Errorf("the report names the engine-internal registry %s:\n%s", e.Server.Host, out)
	}
	vreq.Format = "json"
	if out, err = Verify(ctx, vreq); err != nil || !strings.Contains(out, `"ok": true`) {
		t.Errorf("json: %v\n%s", err, out)
	}

	_, otherPub := sigstoretest.KeyPair(t, cosignPassword)
	vreq.Key, vreq.Format = otherPub, ""
	_, err = Verify(ctx, vreq)
	if !errors.Is(err, verification.ErrNotVerified) || !strings.Contains(err.Error(), "localhost:5000/app:1.6") || strings.Contains(err.Error(), e.Server.Host) {
		t.Errorf("another key: err = %v", err)
	}
}

func TestVerifyArguments(t *testing.T) {
	_, pub := sigstoretest.KeyPair(t, cosignPassword)
	id := verification.Identity{Subject: "https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.6.0", Issuer: sigstoretest.GitHubIssuer}
	for name, tc := range map[string]struct {
		req  VerifyRequest
		want string
	}{
		"no image":          {VerifyRequest{Key: pub}, "--image"},
		"no trust":          {VerifyRequest{Image: "ghcr.io/acme/app:1.6"}, "--key cosign.pub"},
		"key and identity":  {VerifyRequest{Image: "ghcr.io/acme/app:1.6", Key: pub, Identity: id}, "not both"},
		"no issuer":         {VerifyRequest{Image: "ghcr.io/acme/app:1.6", Identity: verification.Identity{Subject: id.Subject}, TrustedRoot: sigstoretest.New(t).TrustedRoot}, "--certificate-oidc-issuer"},
		"bad regexp":        {VerifyRequest{Image: "ghcr.io/acme/app:1.6", Identity: verification.Identity{SubjectRegexp: "(", Issuer: id.Issuer}, TrustedRoot: sigstoretest.New(t).TrustedRoot}, "not a regular expression"},
		"not a key":         {VerifyRequest{Image: "ghcr.io/acme/app:1.6", Key: []byte("ssh-ed25519 AAAA")}, "not a PEM public key"},
		"key, trusted root": {VerifyRequest{Image: "ghcr.io/acme/app:1.6", Key: pub, TrustedRoot: []byte("{}")}, "a key needs none"},
		"bad reference":     {VerifyRequest{Image: "ghcr.io/acme/app:1.6:x", Key: pub}, "--image"},
		"capitals":          {VerifyRequest{Image: "ghcr.io/Acme/App:1.6", Key: pub}, "--image"},
		"no registry":       {VerifyRequest{Image: "acme/app:1.6", Key: pub}, "--image"},
		"half credentials":  {VerifyRequest{Image: "ghcr.io/acme/app:1.6", Key: pub, Username: "robot"}, "--username and --password together"},
		"bad format":        {VerifyRequest{Image: "ghcr.io/acme/app:1.6", Key: pub, Format: "yaml"}, "table or json"},
	} {
		_, err := Verify(ctx, tc.req)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want one saying %q", name, err, tc.want)
		}
	}
}

// Signing arguments must match the policy's attestations.sign, and a bad
// key is refused before anything is built or written.
func TestSigningArgumentsMatchThePolicy(t *testing.T) {
	e := fixture.New(t, regtest.GGCR())
	priv, _ := sigstoretest.KeyPair(t, cosignPassword)
	for name, tc := range map[string]struct {
		mode    string
		signing SigningRequest
		want    string
	}{
		"key, policy none":       {"none", SigningRequest{Key: string(priv), Password: cosignPassword}, "set attestations.sign: key"},
		"token, policy key":      {"key", SigningRequest{Key: string(priv), Password: cosignPassword, OIDCToken: "a.b.c"}, "set attestations.sign: keyless"},
		"policy key, no key":     {"key", SigningRequest{}, "--signing-key file:cosign.key"},
		"wrong password":         {"key", SigningRequest{Key: string(priv), Password: "not-" + cosignPassword}, "--signing-password"},
		"policy keyless, none":   {"keyless", SigningRequest{}, "ACTIONS_ID_TOKEN_REQUEST_URL"},
		"half a token request":   {"keyless", SigningRequest{OIDCRequestURL: "https://example.com/idtoken"}, "give both"},
		"token and request":      {"keyless", SigningRequest{OIDCToken: "a.b.c", OIDCRequestURL: "u", OIDCRequestToken: "t"}, "not both"},
		"bad Fulcio URL":         {"keyless", SigningRequest{OIDCToken: "a.b.c", FulcioURL: "fulcio.example.com"}, "Fulcio URL"},
		"keyless bad trust root": {"keyless", SigningRequest{OIDCToken: "a.b.c", TrustedRoot: []byte("{")}, "trusted_root.json"},
	} {
		req := signedRequest(e, tc.mode)
		req.Signing = tc.signing
		e.Server.ResetCounts()
		_, err := Release(ctx, req, "1.6.0")
		if !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want a usage error saying %q", name, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), cosignPassword) {
			t.Errorf("%s: the error contains the password", name)
		}
		if n := e.Server.Counts().Total(); n != 0 {
			t.Errorf("%s: %d registry requests before the arguments were refused", name, n)
		}
	}
}

// A refresh under a signing policy signs the rebuilt image's attestations
// too: the deploy gate passes the line tag after the refresh moved it.
func TestSignedRefreshPassesTheGate(t *testing.T) {
	e := fixture.New(t, regtest.GGCR())
	priv, pub := sigstoretest.KeyPair(t, cosignPassword)
	tags := []string{"v1.6.2"}
	in := e.Inputs("version: 1\nplatforms: [linux/amd64, linux/arm64]\nattestations:\n  sign: key\n")
	req := signedRequest(e, "key")
	req.Signing = SigningRequest{Key: string(priv), Password: cosignPassword}
	req.GitTags = tags
	req.Date = "2026-02-11"
	signer, err := newSigner(req.Signing, in.Policy)
	if err != nil {
		t.Fatal(err)
	}
	in.Signer = signer
	e.Release(in, "v1.6.2", tags)
	before := e.Digest(e.Repo + ":1.6")
	e.PushBase(t, "2")
	out, err := Refresh(ctx, req, RefreshOptions{SourceFor: e.Source})
	if err != nil || !strings.Contains(out, "1 rebuilt") {
		t.Fatalf("refresh: %v\n%s", err, out)
	}
	if after := e.Digest(e.Repo + ":1.6"); after == before {
		t.Fatal("the refresh did not move the line tag")
	}
	if _, err := Verify(ctx, VerifyRequest{Image: e.Repo + ":1.6", Key: pub, SourceRef: "refs/tags/v1.6.2"}); err != nil {
		t.Errorf("the refreshed image does not pass the gate: %v", err)
	}
}

// The registry deadlines apply to verify too: a registry that never
// answers ends the gate within them, naming the registry and the request.
func TestVerifyEndsWithinTheRegistryDeadlines(t *testing.T) {
	e := fixture.New(t, regtest.GGCR())
	_, pub := sigstoretest.KeyPair(t, cosignPassword)
	e.Server.Inject(regtest.Timeout(regtest.Route("GET", `^/v2/$`)))
	_, err := Verify(ctx, VerifyRequest{Image: e.Repo + ":1.6", Key: pub,
		Timeouts: registry.Timeouts{Attempt: 50 * time.Millisecond, Call: 300 * time.Millisecond}})
	if !errors.Is(err, registry.ErrTimeout) || !strings.Contains(err.Error(), "within 50ms") || !strings.Contains(err.Error(), e.Server.Host) {
		t.Errorf("err = %v; want a timeout naming the registry and the 50ms deadline", err)
	}
}
