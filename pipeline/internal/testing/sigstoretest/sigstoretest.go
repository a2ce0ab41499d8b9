// Package sigstoretest runs a private Sigstore in process for tests: a
// Fulcio that speaks the real /api/v2/signingCert protocol and embeds a
// certificate transparency timestamp in what it issues, a Rekor that speaks
// the real v1 entries API, a GitHub Actions OIDC token endpoint, and the
// trusted_root.json that verifies all of it. Keyless signing then runs
// through sigstore-go's production clients, configured only by URLs, and
// the bundles it makes verify with sigstore-go and with cosign
// --trusted-root, offline.
//
// The Rekor log's key, signed entry timestamps, inclusion proofs and
// checkpoints come from sigstore-go's own test Sigstore
// (pkg/testing/ca.VirtualSigstore); the certificate authority and the CT
// log are this package's, because the virtual one keeps its private keys to
// itself.
//
// Only _test.go files import this package.
package sigstoretest

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-openapi/runtime"
	"github.com/go-openapi/strfmt"
	ct "github.com/google/certificate-transparency-go"
	cttls "github.com/google/certificate-transparency-go/tls"
	ctx509 "github.com/google/certificate-transparency-go/x509"
	"github.com/sigstore/rekor/pkg/generated/models"
	"github.com/sigstore/rekor/pkg/types"
	_ "github.com/sigstore/rekor/pkg/types/dsse/v0.0.1" // the dsse entry type the signer uploads
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/testing/ca"
	"github.com/sigstore/sigstore-go/pkg/tlog"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
)

// GitHubIssuer is the OIDC issuer of GitHub Actions tokens.
const GitHubIssuer = "https://token.actions.githubusercontent.com"

// Fulcio's certificate extensions (docs/oid-info.md in sigstore/fulcio).
var (
	oidIssuerV1     = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 1}
	oidIssuerV2     = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 8}
	oidSourceRepo   = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 12}
	oidSourceRef    = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 14}
	oidCTPrecertPsn = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 11129, 2, 4, 3}
	oidCTSCTList    = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 11129, 2, 4, 2}
)

// Sigstore is a running private Sigstore.
type Sigstore struct {
	// FulcioURL and RekorURL are the base URLs of the two services.
	FulcioURL, RekorURL string
	// ActionsURL and ActionsRequestToken stand for GitHub Actions'
	// ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN; the
	// endpoint answers with ActionsToken.
	ActionsURL, ActionsRequestToken, ActionsToken string
	// TrustedRoot is the trusted_root.json for this Sigstore.
	TrustedRoot []byte

	vs         *ca.VirtualSigstore
	caRoot     *x509.Certificate
	caInter    *x509.Certificate
	caInterKey *ecdsa.PrivateKey
	ctKey      *ecdsa.PrivateKey

	mu          sync.Mutex
	serial      int64
	fulcioCalls int
	rekorCalls  int
	fulcioFail  int // status to answer Fulcio requests with; 0: none
	rekorFail   int
	echo        bool
}

// New starts a Sigstore that lives as long as the test.
func New(t testing.TB) *Sigstore {
	t.Helper()
	vs, err := ca.NewVirtualSigstore()
	if err != nil {
		t.Fatal(err)
	}
	rootCert, rootKey, err := ca.GenerateRootCa()
	if err != nil {
		t.Fatal(err)
	}
	inter, interKey, err := ca.GenerateFulcioIntermediate(rootCert, rootKey)
	if err != nil {
		t.Fatal(err)
	}
	ctKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s := &Sigstore{vs: vs, caRoot: rootCert, caInter: inter, caInterKey: interKey, ctKey: ctKey, serial: 1000}
	fulcio := httptest.NewServer(http.HandlerFunc(s.fulcio))
	rekor := httptest.NewServer(http.HandlerFunc(s.rekor))
	actions := httptest.NewServer(http.HandlerFunc(s.actions))
	t.Cleanup(fulcio.Close)
	t.Cleanup(rekor.Close)
	t.Cleanup(actions.Close)
	s.FulcioURL, s.RekorURL = fulcio.URL, rekor.URL
	s.ActionsURL = actions.URL + "/idtoken?api-version=2.0&run=4242"
	s.ActionsRequestToken = "actions-request-" + randomHex(t, 12)
	s.ActionsToken = Token("acme/app", "acme/app/.github/workflows/release.yml@refs/tags/v1.6.0")
	s.TrustedRoot = s.trustedRoot(t)
	return s
}

// Token returns an unsigned JWT with the claims of a GitHub Actions OIDC
// token for repo (owner/name) running workflow (owner/name/path@ref). This
// Fulcio certifies it without checking a signature, as a real Fulcio would
// after checking one.
func Token(repo, workflow string) string {
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	_, ref, _ := strings.Cut(workflow, "@")
	return enc(map[string]string{"alg": "RS256", "typ": "JWT"}) + "." + enc(map[string]any{
		"iss":              GitHubIssuer,
		"aud":              "sigstore",
		"sub":              "repo:" + repo + ":ref:" + ref,
		"repository":       repo,
		"ref":              ref,
		"job_workflow_ref": workflow,
		"exp":              time.Now().Add(10 * time.Minute).Unix(),
	}) + ".c2lnbmF0dXJlLW5vdC1jaGVja2Vk"
}

// Identity is the certificate subject Fulcio issues for a workflow.
func Identity(workflow string) string { return "https://github.com/" + workflow }

// FailFulcio makes Fulcio answer every request with status; 0 heals it.
func (s *Sigstore) FailFulcio(status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fulcioFail = status
}

// FailRekor makes Rekor answer every request with status; 0 heals it.
func (s *Sigstore) FailRekor(status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rekorFail = status
}

// EchoCredentials makes Fulcio refuse every request with an error body that
// repeats the Authorization header it got, as a careless proxy would.
func (s *Sigstore) EchoCredentials(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.echo = on
}

// Calls returns how many certificate requests and log entries were made.
func (s *Sigstore) Calls() (fulcio, rekor int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fulcioCalls, s.rekorCalls
}

// fulcio issues a code-signing certificate for the token's workflow, as
// Fulcio's /api/v2/signingCert does, with an embedded SCT.
func (s *Sigstore) fulcio(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/api/v2/signingCert" {
		http.NotFound(w, r)
		return
	}
	s.mu.Lock()
	s.fulcioCalls++
	fail, echo := s.fulcioFail, s.echo
	s.serial++
	serial := s.serial
	s.mu.Unlock()
	auth := r.Header.Get("Authorization")
	if echo {
		http.Error(w, fmt.Sprintf(`{"code":401,"message":"invalid token in header %q"}`, auth), http.StatusUnauthorized)
		return
	}
	if fail != 0 {
		http.Error(w, `{"code":503,"message":"unavailable"}`, fail)
		return
	}
	claims, err := tokenClaims(strings.TrimPrefix(auth, "Bearer "))
	if err != nil {
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	var req struct {
		PublicKeyRequest struct {
			PublicKey struct {
				Content string `json:"content"`
			} `json:"publicKey"`
			ProofOfPossession string `json:"proofOfPossession"`
		} `json:"publicKeyRequest"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	pub, err := cryptoutils.UnmarshalPEMToPublicKey([]byte(req.PublicKeyRequest.PublicKey.Content))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	pop, _ := base64.StdEncoding.DecodeString(req.PublicKeyRequest.ProofOfPossession)
	sum := sha256.Sum256([]byte(claims.Sub))
	if ec, ok := pub.(*ecdsa.PublicKey); !ok || !ecdsa.VerifyASN1(ec, sum[:], pop) {
		http.Error(w, "the proof of possession does not verify", http.StatusBadRequest)
		return
	}
	der, err := s.issue(serial, pub, claims)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	chain := []string{pemCert(der), pemCert(s.caInter.Raw), pemCert(s.caRoot.Raw)}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"signedCertificateEmbeddedSct": map[string]any{"chain": map[string]any{"certificates": chain}},
	})
}

type claims struct {
	Iss, Sub, Repository, Ref string
	Workflow                  string `json:"job_workflow_ref"`
}

func tokenClaims(tok string) (claims, error) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return claims{}, fmt.Errorf("not a JWT")
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return claims{}, err
	}
	var c claims
	if err := json.Unmarshal(b, &c); err != nil || c.Iss == "" || c.Sub == "" || c.Workflow == "" {
		return claims{}, fmt.Errorf("the token lacks iss, sub or job_workflow_ref")
	}
	return c, nil
}

// issue makes the certificate: a precertificate first, whose TBS the CT
// log signs (RFC 6962), then the certificate with that SCT embedded.
func (s *Sigstore) issue(serial int64, pub crypto.PublicKey, c claims) ([]byte, error) {
	san, err := url.Parse(Identity(c.Workflow))
	if err != nil {
		return nil, err
	}
	issuerV2, err := asn1.MarshalWithParams(c.Iss, "utf8")
	if err != nil {
		return nil, err
	}
	repo, _ := asn1.MarshalWithParams("https://github.com/"+c.Repository, "utf8")
	ref, _ := asn1.MarshalWithParams(c.Ref, "utf8")
	exts := []pkix.Extension{
		{Id: oidIssuerV1, Value: []byte(c.Iss)},
		{Id: oidIssuerV2, Value: issuerV2},
		{Id: oidSourceRepo, Value: repo},
		{Id: oidSourceRef, Value: ref},
	}
	now := time.Now()
	tmpl := func(extra pkix.Extension) *x509.Certificate {
		return &x509.Certificate{
			SerialNumber:    big.NewInt(serial),
			NotBefore:       now.Add(-time.Minute),
			NotAfter:        now.Add(10 * time.Minute),
			KeyUsage:        x509.KeyUsageDigitalSignature,
			ExtKeyUsage:     []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
			URIs:            []*url.URL{san},
			ExtraExtensions: append(append([]pkix.Extension(nil), exts...), extra),
		}
	}
	poison := pkix.Extension{Id: oidCTPrecertPsn, Critical: true, Value: asn1.NullBytes}
	preDER, err := x509.CreateCertificate(rand.Reader, tmpl(poison), s.caInter, pub, s.caInterKey)
	if err != nil {
		return nil, err
	}
	pre, err := ctx509.ParseCertificate(preDER)
	if err != nil {
		return nil, err
	}
	tbs, err := ctx509.BuildPrecertTBS(pre.RawTBSCertificate, nil)
	if err != nil {
		return nil, err
	}
	sct, err := s.signSCT(tbs, uint64(now.UnixMilli()))
	if err != nil {
		return nil, err
	}
	list, err := cttls.Marshal(ctx509.SignedCertificateTimestampList{SCTList: []ctx509.SerializedSCT{{Val: sct}}})
	if err != nil {
		return nil, err
	}
	value, err := asn1.Marshal(list)
	if err != nil {
		return nil, err
	}
	return x509.CreateCertificate(rand.Reader, tmpl(pkix.Extension{Id: oidCTSCTList, Value: value}), s.caInter, pub, s.caInterKey)
}

// signSCT returns the TLS encoding of the CT log's timestamp on a
// precertificate TBS issued by the intermediate.
func (s *Sigstore) signSCT(tbs []byte, timestamp uint64) ([]byte, error) {
	logID, err := keyID(s.ctKey.Public())
	if err != nil {
		return nil, err
	}
	sct := ct.SignedCertificateTimestamp{SCTVersion: ct.V1, LogID: ct.LogID{KeyID: logID}, Timestamp: timestamp}
	entry := ct.LogEntry{Leaf: ct.MerkleTreeLeaf{
		Version:  ct.V1,
		LeafType: ct.TimestampedEntryLeafType,
		TimestampedEntry: &ct.TimestampedEntry{
			EntryType: ct.PrecertLogEntryType,
			Timestamp: timestamp,
			PrecertEntry: &ct.PreCert{
				IssuerKeyHash:  sha256.Sum256(s.caInter.RawSubjectPublicKeyInfo),
				TBSCertificate: tbs,
			},
		},
	}}
	input, err := ct.SerializeSCTSignatureInput(sct, entry)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(input)
	sig, err := ecdsa.SignASN1(rand.Reader, s.ctKey, sum[:])
	if err != nil {
		return nil, err
	}
	sct.Signature = ct.DigitallySigned{
		Algorithm: cttls.SignatureAndHashAlgorithm{Hash: cttls.SHA256, Signature: cttls.ECDSA},
		Signature: sig,
	}
	return cttls.Marshal(sct)
}

// rekor answers POST /api/v1/log/entries as Rekor v1 does: it checks and
// canonicalises the proposed entry, and returns it with a signed entry
// timestamp and an inclusion proof with a signed checkpoint.
func (s *Sigstore) rekor(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/api/v1/log/entries" {
		http.NotFound(w, r)
		return
	}
	s.mu.Lock()
	s.rekorCalls++
	fail := s.rekorFail
	s.mu.Unlock()
	if fail != 0 {
		writeJSON(w, fail, map[string]any{"code": fail, "message": "unavailable"})
		return
	}
	pe, err := models.UnmarshalProposedEntry(r.Body, runtime.JSONConsumer())
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"code": 400, "message": err.Error()})
		return
	}
	entry, err := s.logEntry(r.Context(), pe)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"code": 400, "message": err.Error()})
		return
	}
	for uuid := range entry {
		w.Header().Set("ETag", uuid)
		w.Header().Set("Location", "/api/v1/log/entries/"+uuid)
	}
	writeJSON(w, http.StatusCreated, entry)
}

func (s *Sigstore) logEntry(ctx context.Context, pe models.ProposedEntry) (models.LogEntry, error) {
	impl, err := types.UnmarshalEntry(pe)
	if err != nil {
		return nil, err
	}
	body, err := types.CanonicalizeEntry(ctx, impl)
	if err != nil {
		return nil, err
	}
	logID, err := s.vs.RekorLogID()
	if err != nil {
		return nil, err
	}
	// The virtual log's inclusion proofs are for a tree of one entry.
	logIndex, integrated := int64(0), time.Now().Unix()
	b64 := base64.StdEncoding.EncodeToString(body)
	set, err := s.vs.RekorSignPayload(tlog.RekorPayload{Body: b64, IntegratedTime: integrated, LogIndex: logIndex, LogID: logID})
	if err != nil {
		return nil, err
	}
	proof, err := s.vs.GetInclusionProof(body)
	if err != nil {
		return nil, err
	}
	leaf := sha256.Sum256(append([]byte{0}, body...))
	uuid := hex.EncodeToString(leaf[:])
	return models.LogEntry{uuid: models.LogEntryAnon{
		Body: b64, IntegratedTime: &integrated, LogID: &logID, LogIndex: &logIndex,
		Verification: &models.LogEntryAnonVerification{InclusionProof: proof, SignedEntryTimestamp: strfmt.Base64(set)},
	}}, nil
}

// actions answers GitHub Actions' OIDC token request.
func (s *Sigstore) actions(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "bearer "+s.ActionsRequestToken {
		http.Error(w, "bad request token", http.StatusUnauthorized)
		return
	}
	if r.URL.Query().Get("audience") != "sigstore" || r.URL.Query().Get("run") != "4242" {
		http.Error(w, "wrong audience or URL", http.StatusBadRequest)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"value": s.ActionsToken})
}

// trustedRoot is the trusted_root.json for this Sigstore: its CA, the
// virtual Rekor log and its CT log.
func (s *Sigstore) trustedRoot(t testing.TB) []byte {
	t.Helper()
	fulcio := &root.FulcioCertificateAuthority{
		Root: s.caRoot, Intermediates: []*x509.Certificate{s.caInter},
		ValidityPeriodStart: time.Now().Add(-time.Hour), URI: s.FulcioURL,
	}
	ctID, err := keyID(s.ctKey.Public())
	if err != nil {
		t.Fatal(err)
	}
	ctLogs := map[string]*root.TransparencyLog{hex.EncodeToString(ctID[:]): {
		BaseURL: "https://ctfe.localhost", ID: ctID[:], HashFunc: crypto.SHA256,
		PublicKey: s.ctKey.Public(), SignatureHashFunc: crypto.SHA256, ValidityPeriodStart: time.Now().Add(-time.Hour),
	}}
	tr, err := root.NewTrustedRoot(root.TrustedRootMediaType01, []root.CertificateAuthority{fulcio}, ctLogs, nil, rawLogIDs(s.vs.RekorLogs()))
	if err != nil {
		t.Fatal(err)
	}
	b, err := tr.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// rawLogIDs fixes the log IDs the virtual Sigstore hands out: they are the
// bytes of the hex string rather than the bytes it spells, which works in
// memory but not once written to JSON and read back.
func rawLogIDs(in map[string]*root.TransparencyLog) map[string]*root.TransparencyLog {
	out := make(map[string]*root.TransparencyLog, len(in))
	for k, v := range in {
		c := *v
		if id, err := hex.DecodeString(string(v.ID)); err == nil {
			c.ID = id
		}
		out[k] = &c
	}
	return out
}

func keyID(pub crypto.PublicKey) ([32]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return [32]byte{}, err
	}
	return sha256.Sum256(der), nil
}

func pemCert(der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func randomHex(t testing.TB, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
