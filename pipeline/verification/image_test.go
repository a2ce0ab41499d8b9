package verification_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/patchline/patchline/pipeline/attest"
	"github.com/patchline/patchline/pipeline/internal/testing/cosigntest"
	"github.com/patchline/patchline/pipeline/internal/testing/fixture"
	"github.com/patchline/patchline/pipeline/internal/testing/regtest"
	"github.com/patchline/patchline/pipeline/internal/testing/sigstoretest"
	"github.com/patchline/patchline/pipeline/registry"
	"github.com/patchline/patchline/pipeline/release"
	"github.com/patchline/patchline/pipeline/signing"
	"github.com/patchline/patchline/pipeline/verification"
	"github.com/patchline/patchline/pipeline/version"
)

var ctx = context.Background()

const password = "pl-Cosign-Pa55word"

// indexOnly publishes without referrers: the statements are only in the
// index, so each test attaches what it wants by hand.
const indexOnly = `version: 1
platforms: [linux/amd64, linux/arm64]
attestations:
  layouts: [index]
`

// world is a published two-platform image with its statements at hand,
// nothing attached as referrers yet.
type world struct {
	t          *testing.T
	e          *fixture.Env
	repo       name.Repository
	refs       *attest.Referrers
	platforms  map[string]v1.Descriptor               // platform -> image
	statements map[string]map[string]attest.Statement // platform -> predicate type -> statement
}

func newWorld(t *testing.T, impl regtest.Impl) *world {
	t.Helper()
	e := fixture.New(t, impl)
	if _, err := release.Release(ctx, e.Inputs(indexOnly), fixture.Version(t, "1.6.0"), version.Set{}); err != nil {
		t.Fatal(err)
	}
	idx := e.Index(e.Repo + ":1.6.0")
	atts, err := attest.ReadIndexAttestations(idx)
	if err != nil {
		t.Fatal(err)
	}
	im, _ := idx.IndexManifest()
	w := &world{t: t, e: e, platforms: map[string]v1.Descriptor{}, statements: map[string]map[string]attest.Statement{}}
	for _, d := range im.Manifests {
		if d.Platform == nil || d.Platform.OS == "unknown" {
			continue
		}
		p := d.Platform.String()
		w.platforms[p] = v1.Descriptor{MediaType: d.MediaType, Digest: d.Digest, Size: d.Size}
		w.statements[p] = map[string]attest.Statement{}
		for _, st := range atts[d.Digest] {
			w.statements[p][st.PredicateType] = st
		}
	}
	w.repo, _ = name.NewRepository(e.Repo)
	w.refs, err = attest.NewReferrers(e.Server.DirectClient(t))
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// attach signs st with s and attaches it to the image of platform.
func (w *world) attach(platform string, s *signing.Signer, st attest.Statement) {
	w.t.Helper()
	b, err := st.Encode()
	if err != nil {
		w.t.Fatal(err)
	}
	bundle, err := s.Sign(ctx, b)
	if err != nil {
		w.t.Fatal(err)
	}
	w.attachBundle(platform, bundle, st.PredicateType)
}

func (w *world) attachBundle(platform string, bundle []byte, predicateType string) {
	w.t.Helper()
	art, err := attest.BundleArtifact(bundle, predicateType)
	if err != nil {
		w.t.Fatal(err)
	}
	if _, err := w.refs.Attach(ctx, w.repo, w.platforms[platform], art, fixture.Day); err != nil {
		w.t.Fatal(err)
	}
}

// attachAll signs and attaches every statement to its own image.
func (w *world) attachAll(s *signing.Signer) {
	w.t.Helper()
	for p, sts := range w.statements {
		for _, st := range sts {
			w.attach(p, s, st)
		}
	}
}

func (w *world) verify(trust verification.Trust, sourceURI, sourceRef string) (*verification.Report, error) {
	w.t.Helper()
	c, err := registry.New()
	if err != nil {
		w.t.Fatal(err)
	}
	return verification.Image(ctx, c, verification.Request{Image: w.e.Repo + ":1.6.0", Trust: trust, SourceURI: sourceURI, SourceRef: sourceRef})
}

type key struct {
	signer *signing.Signer
	trust  verification.Trust
	pub    []byte
}

func newKey(t *testing.T) key {
	t.Helper()
	priv, pub := sigstoretest.KeyPair(t, password)
	s, err := signing.NewKeySigner(priv, []byte(password))
	if err != nil {
		t.Fatal(err)
	}
	trust, err := verification.KeyTrust(pub)
	if err != nil {
		t.Fatal(err)
	}
	return key{s, trust, pub}
}

const (
	amd64 = "linux/amd64"
	arm64 = "linux/arm64"
	prov  = attest.PredicateSLSAProvenanceV1
	spdx  = attest.PredicateSPDX
)

// wantRefused checks that verification fails, that the failure names the
// platform and says each of want, and that the other platform passed.
func wantRefused(t *testing.T, rep *verification.Report, err error, platform string, want ...string) {
	t.Helper()
	if !errors.Is(err, verification.ErrNotVerified) {
		t.Fatalf("err = %v, want ErrNotVerified", err)
	}
	msg := err.Error()
	for _, w := range append([]string{platform}, want...) {
		if !strings.Contains(msg, w) {
			t.Errorf("the error does not say %q:\n%s", w, msg)
		}
	}
	for _, p := range rep.Platforms {
		if p.Platform != platform && len(p.Problems) > 0 {
			t.Errorf("%s was refused too: %v", p.Platform, p.Problems)
		}
	}
}

func TestTamperedImagesAreRefused(t *testing.T) {
	ours := newKey(t)
	theirs := newKey(t)
	for _, impl := range []regtest.Impl{regtest.GGCR(), regtest.Distribution()} {
		t.Run(impl.Name, func(t *testing.T) {
			t.Run("intact", func(t *testing.T) {
				w := newWorld(t, impl)
				w.attachAll(ours.signer)
				rep, err := w.verify(ours.trust, "https://github.com/acme/app", "refs/heads/main")
				if err != nil || !rep.OK {
					t.Fatalf("an intact image is refused: %v", err)
				}
			})
			t.Run("swapped attestation", func(t *testing.T) {
				// arm64 carries amd64's provenance, validly signed.
				w := newWorld(t, impl)
				w.attach(amd64, ours.signer, w.statements[amd64][prov])
				w.attach(amd64, ours.signer, w.statements[amd64][spdx])
				w.attach(arm64, ours.signer, w.statements[arm64][spdx])
				w.attach(arm64, ours.signer, w.statements[amd64][prov])
				rep, err := w.verify(ours.trust, "", "")
				wantRefused(t, rep, err, arm64, "no SLSA provenance", "subject is "+w.platforms[amd64].Digest.String()+" (the linux/amd64 image of this index), not this image")
				t.Run("cosign agrees", func(t *testing.T) {
					cosign := cosigntest.New(t)
					dir := t.TempDir()
					if err := os.WriteFile(filepath.Join(dir, "cosign.pub"), ours.pub, 0o600); err != nil {
						t.Fatal(err)
					}
					for p, ok := range map[string]bool{amd64: true, arm64: false} {
						out, err := cosign.Run(dir, nil, "verify-attestation", "--key", "cosign.pub", "--insecure-ignore-tlog=true",
							"--type", "slsaprovenance1", "--allow-http-registry", w.e.Repo+"@"+w.platforms[p].Digest.String())
						if (err == nil) != ok {
							t.Errorf("cosign on %s: err = %v, want success %v\n%s", p, err, ok, out)
						}
					}
				})
			})
			t.Run("wrong subject", func(t *testing.T) {
				// arm64's provenance is signed, but names an image that is
				// neither platform.
				w2 := newWorld(t, impl)
				w2.attach(amd64, ours.signer, w2.statements[amd64][prov])
				w2.attach(amd64, ours.signer, w2.statements[amd64][spdx])
				st := w2.statements[arm64][prov]
				sum := sha256.Sum256([]byte("some other image"))
				st.Subject = []attest.Subject{attest.NewSubject(st.Subject[0].Name, v1.Hash{Algorithm: "sha256", Hex: fmt.Sprintf("%x", sum)})}
				w2.attach(arm64, ours.signer, st)
				w2.attach(arm64, ours.signer, w2.statements[arm64][spdx])
				rep, err := w2.verify(ours.trust, "", "")
				wantRefused(t, rep, err, arm64, "no SLSA provenance", fmt.Sprintf("sha256:%x", sum))
			})
			t.Run("wrong key", func(t *testing.T) {
				w := newWorld(t, impl)
				w.attachAll(theirs.signer)
				_, err := w.verify(ours.trust, "", "")
				if !errors.Is(err, verification.ErrNotVerified) || strings.Count(err.Error(), "another key") < 4 {
					t.Errorf("err = %v; want every statement of both platforms refused for another key", err)
				}
			})
			t.Run("unsigned", func(t *testing.T) {
				// The policy signs; this image has only unsigned statements.
				w := newWorld(t, impl)
				_, err := w.verify(ours.trust, "", "")
				if !errors.Is(err, verification.ErrNotVerified) || !strings.Contains(err.Error(), "no Sigstore bundle is attached") {
					t.Errorf("err = %v", err)
				}
			})
			t.Run("changed after signing", func(t *testing.T) {
				w := newWorld(t, impl)
				w.attach(amd64, ours.signer, w.statements[amd64][prov])
				w.attach(amd64, ours.signer, w.statements[amd64][spdx])
				w.attach(arm64, ours.signer, w.statements[arm64][spdx])
				b, _ := w.statements[arm64][prov].Encode()
				bundle, err := ours.signer.Sign(ctx, b)
				if err != nil {
					t.Fatal(err)
				}
				w.attachBundle(arm64, tamperPayload(t, bundle), prov)
				rep, err := w.verify(ours.trust, "", "")
				wantRefused(t, rep, err, arm64, "no SLSA provenance signed by key", "does not verify")
			})
			t.Run("missing SBOM", func(t *testing.T) {
				w2 := newWorld(t, impl)
				for p := range w2.platforms {
					w2.attach(p, ours.signer, w2.statements[p][prov])
				}
				w2.attach(amd64, ours.signer, w2.statements[amd64][spdx])
				rep, err := w2.verify(ours.trust, "", "")
				wantRefused(t, rep, err, arm64, "no signed SBOM")
			})
			t.Run("another source", func(t *testing.T) {
				w := newWorld(t, impl)
				w.attachAll(ours.signer)
				_, err := w.verify(ours.trust, "https://github.com/evil/app", "")
				if !errors.Is(err, verification.ErrNotVerified) || !strings.Contains(err.Error(), "built from https://github.com/acme/app, not https://github.com/evil/app") {
					t.Errorf("another repository: err = %v", err)
				}
				_, err = w.verify(ours.trust, "https://github.com/acme/app.git", "refs/tags/v9.9.9")
				if !errors.Is(err, verification.ErrNotVerified) || !strings.Contains(err.Error(), "ref refs/heads/main, not refs/tags/v9.9.9") {
					t.Errorf("another ref: err = %v", err)
				}
				_, err = w.verify(ours.trust, "https://GitHub.com/acme/app/", "main")
				if !strings.Contains(fmt.Sprint(err), "give the full ref, refs/heads/main") {
					t.Errorf("a short ref: err = %v, want the full ref suggested", err)
				}
			})
		})
	}
}

// tamperPayload changes one statement field inside a signed bundle and
// keeps the signature, as an attacker who can push but not sign would.
func tamperPayload(t *testing.T, bundle []byte) []byte {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(bundle, &doc); err != nil {
		t.Fatal(err)
	}
	env := doc["dsseEnvelope"].(map[string]any)
	payload, err := base64.StdEncoding.DecodeString(env["payload"].(string))
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(payload), "https://github.com/acme/app", "https://github.com/evil/app", 1)
	if changed == string(payload) {
		t.Fatal("nothing to change in the payload")
	}
	env["payload"] = base64.StdEncoding.EncodeToString([]byte(changed))
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// An index without platform images is refused, not passed for having no
// problems.
// Someone who can push but not sign adds an image of their own to the
// index under a real platform, dressed as a BuildKit attestation manifest:
// a runtime picks an entry by its platform and ignores the annotation, so
// the gate must check that entry like any other.
func TestAnImageDressedAsAnAttestationManifestIsVerified(t *testing.T) {
	ours := newKey(t)
	w := newWorld(t, regtest.GGCR())
	w.attachAll(ours.signer)
	idx := w.e.Index(w.e.Repo + ":1.6.0")
	intruder := regtest.Image(t)
	hidden := mutate.AppendManifests(idx, mutate.IndexAddendum{Add: intruder, Descriptor: v1.Descriptor{
		Platform:    &v1.Platform{OS: "linux", Architecture: "amd64"},
		Annotations: map[string]string{attest.AnnotationReferenceType: attest.ReferenceTypeAttestation},
	}})
	w.e.Server.Seed(t, w.e.Repo+":1.6.0", hidden)
	rep, err := w.verify(ours.trust, "", "")
	if !errors.Is(err, verification.ErrNotVerified) {
		t.Fatalf("an index hiding an unsigned linux/amd64 image passed the gate: %v", err)
	}
	d, _ := intruder.Digest()
	if !strings.Contains(err.Error(), d.String()) || rep == nil || rep.OK {
		t.Errorf("the refusal does not name the hidden image %s: %v", d, err)
	}
}

func TestEmptyIndexIsRefused(t *testing.T) {
	srv := regtest.GGCR().Start(t)
	srv.Seed(t, srv.Ref("acme/app:empty"), mutate.IndexMediaType(empty.Index, types.OCIImageIndex))
	c, err := registry.New()
	if err != nil {
		t.Fatal(err)
	}
	rep, err := verification.Image(ctx, c, verification.Request{Image: srv.Ref("acme/app:empty"), Trust: newKey(t).trust})
	if !errors.Is(err, verification.ErrNotVerified) || !strings.Contains(err.Error(), "nothing to verify") {
		t.Errorf("err = %v", err)
	}
	if rep == nil || rep.OK {
		t.Errorf("the report of an index with nothing to verify says OK")
	}
}

// A single-platform image (a manifest, not an index) is verified as itself.
func TestSingleImage(t *testing.T) {
	srv := regtest.GGCR().Start(t)
	ref := srv.Ref("acme/tool:1.0.0")
	img := srv.SeedImage(t, ref)
	d, _ := img.Digest()
	m, _ := img.Manifest()
	raw, _ := img.RawManifest()
	desc := v1.Descriptor{MediaType: m.MediaType, Digest: d, Size: int64(len(raw))}
	k := newKey(t)
	repo, _ := name.NewRepository(srv.Ref("acme/tool"))
	refs, err := attest.NewReferrers(srv.DirectClient(t))
	if err != nil {
		t.Fatal(err)
	}
	c, err := registry.New()
	if err != nil {
		t.Fatal(err)
	}
	for i, pt := range []string{prov, spdx} {
		st := attest.Statement{Type: attest.StatementTypeV1, Subject: []attest.Subject{attest.NewSubject("tool", d)}, PredicateType: pt, Predicate: []byte(`{"buildDefinition":{}}`)}
		b, err := st.Encode()
		if err != nil {
			t.Fatal(err)
		}
		bundle, err := k.signer.Sign(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		art, _ := attest.BundleArtifact(bundle, pt)
		if _, err := refs.Attach(ctx, repo, desc, art, fixture.Day); err != nil {
			t.Fatal(err)
		}
		rep, err := verification.Image(ctx, c, verification.Request{Image: ref, Trust: k.trust})
		if last := i == 1; (err == nil) != last {
			t.Fatalf("after %d of 2 statements: err = %v", i+1, err)
		}
		if i == 1 && (len(rep.Platforms) != 1 || rep.Platforms[0].Digest != d.String()) {
			t.Errorf("report %+v", rep)
		}
	}
}
