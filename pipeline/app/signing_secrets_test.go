package app

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/patchline/patchline/pipeline/attest"
	"github.com/patchline/patchline/pipeline/internal/testing/fixture"
	"github.com/patchline/patchline/pipeline/internal/testing/regtest"
	"github.com/patchline/patchline/pipeline/internal/testing/sigstoretest"
	"github.com/patchline/patchline/pipeline/signing"
)

// The signing key's password, the OIDC token and GitHub Actions' request
// URL and token reach Fulcio and GitHub and nothing else: not the report,
// not a statement (in the index or inside a signed bundle), not an error,
// even from a Fulcio that repeats the credentials it was sent.
func TestSigningSecretsStayOutOfReportsProvenanceAndErrors(t *testing.T) {
	t.Run("key", func(t *testing.T) {
		e := fixture.New(t, regtest.GGCR())
		priv, _ := sigstoretest.KeyPair(t, cosignPassword)
		req := signedRequest(e, "key")
		req.Signing = SigningRequest{Key: string(priv), Password: cosignPassword}
		req.Format = "json"
		out, err := Release(ctx, req, "1.6.0")
		if err != nil {
			t.Fatal(err)
		}
		checkPublished(t, e, out, cosignPassword, string(priv))
	})
	t.Run("keyless", func(t *testing.T) {
		e := fixture.New(t, regtest.GGCR())
		s := sigstoretest.New(t)
		req := signedRequest(e, "keyless")
		req.Signing = SigningRequest{OIDCRequestURL: s.ActionsURL, OIDCRequestToken: s.ActionsRequestToken, FulcioURL: s.FulcioURL, RekorURL: s.RekorURL, TrustedRoot: s.TrustedRoot}
		req.Format = "json"
		out, err := Release(ctx, req, "1.6.0")
		if err != nil {
			t.Fatal(err)
		}
		secrets := []string{s.ActionsURL, s.ActionsRequestToken, s.ActionsToken}
		checkPublished(t, e, out, secrets...)

		// A Fulcio that echoes the Authorization header it got.
		s.EchoCredentials(true)
		for _, r := range []SigningRequest{
			req.Signing,
			{OIDCToken: s.ActionsToken, FulcioURL: s.FulcioURL, RekorURL: s.RekorURL, TrustedRoot: s.TrustedRoot},
		} {
			req.Signing = r
			_, err = Release(ctx, req, "1.7.0")
			if !errors.Is(err, signing.ErrSigning) {
				t.Fatalf("signing with a Fulcio that refuses every request: err = %v", err)
			}
			for _, secret := range append(secrets, strings.Split(s.ActionsToken, ".")[1]) {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("the error carries a secret: %v", err)
				}
			}
		}
	})
}

// checkPublished looks for secrets in the report and in every statement of
// the released image, in the index and in the signed bundles.
func checkPublished(t *testing.T, e *fixture.Env, report string, secrets ...string) {
	t.Helper()
	var docs []string
	docs = append(docs, report)
	idx := e.Index(e.Repo + ":1.6.0")
	atts, err := attest.ReadIndexAttestations(idx)
	if err != nil {
		t.Fatal(err)
	}
	refs, err := attest.NewReferrers(e.Server.DirectClient(t))
	if err != nil {
		t.Fatal(err)
	}
	repo, _ := name.NewRepository(e.Repo)
	bundles := 0
	for d, stmts := range atts {
		for _, st := range stmts {
			docs = append(docs, string(st.Predicate))
		}
		found, err := refs.Bundles(ctx, repo, d, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range found {
			bundles++
			docs = append(docs, string(b.Content))
			var env struct {
				DSSEEnvelope struct{ Payload string } `json:"dsseEnvelope"`
			}
			if err := json.Unmarshal(b.Content, &env); err != nil {
				t.Fatal(err)
			}
			payload, _ := base64.StdEncoding.DecodeString(env.DSSEEnvelope.Payload)
			docs = append(docs, string(payload))
		}
	}
	if bundles != 4 {
		t.Fatalf("%d signed bundles attached, want 4", bundles)
	}
	for _, doc := range docs {
		for _, s := range secrets {
			if strings.Contains(doc, s) {
				t.Errorf("a published document or the report contains a secret (%d bytes)", len(s))
			}
		}
	}
}
