package release_test

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

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

// signedPolicy is the weekly-refresh contract with signed attestations.
func signedPolicy(mode string) string {
	return `version: 1
platforms: [linux/amd64, linux/arm64]
tags:
  exact: "{version}"
  line: "{major}.{minor}"
  aliases: [latest]
  dated: "{version}-{date}"
  newest_line_only: [alias]
  immutable: [dated]
release:
  dated: true
refresh:
  exact: true
attestations:
  sbom: spdx
  provenance: true
  layouts: [referrers, index]
  sign: ` + mode + "\n"
}

const keyPassword = "pl-Cosign-Pa55word"

// keyed is a release world whose policy signs with a cosign key.
type keyed struct {
	*fixture.Env
	in    release.Inputs
	priv  []byte
	pub   []byte
	trust verification.Trust
	dir   string // holds cosign.key and cosign.pub
}

// signingKey is a cosign key pair and its signer, made once: decrypting
// a cosign key is deliberately slow (scrypt).
type signingKey struct {
	priv, pub []byte
	signer    *signing.Signer
}

func newSigningKey(t *testing.T) signingKey {
	t.Helper()
	priv, pub := sigstoretest.KeyPair(t, keyPassword)
	s, err := signing.NewKeySigner(priv, []byte(keyPassword))
	if err != nil {
		t.Fatal(err)
	}
	return signingKey{priv: priv, pub: pub, signer: s}
}

func newKeyed(t *testing.T, impl regtest.Impl, key ...signingKey) *keyed {
	t.Helper()
	e := fixture.New(t, impl)
	if len(key) == 0 {
		key = append(key, newSigningKey(t))
	}
	priv, pub := key[0].priv, key[0].pub
	trust, err := verification.KeyTrust(pub)
	if err != nil {
		t.Fatal(err)
	}
	in := e.Inputs(signedPolicy("key"))
	in.Signer = key[0].signer
	dir := t.TempDir()
	for name, b := range map[string][]byte{"cosign.key": priv, "cosign.pub": pub} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return &keyed{Env: e, in: in, priv: priv, pub: pub, trust: trust, dir: dir}
}

// verify runs the deploy gate on ref.
func verify(t *testing.T, e *fixture.Env, ref string, trust verification.Trust) (*verification.Report, error) {
	t.Helper()
	c, err := registry.New()
	if err != nil {
		t.Fatal(err)
	}
	return verification.Image(ctx, c, verification.Request{Image: ref, Trust: trust, SourceURI: "https://github.com/acme/app", SourceRef: "refs/heads/main"})
}

// platforms returns the platform image digests of the index ref.
func platforms(t *testing.T, e *fixture.Env, ref string) map[string]v1.Hash {
	t.Helper()
	im, err := e.Index(ref).IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]v1.Hash{}
	for _, d := range im.Manifests {
		if d.Platform != nil && d.Platform.OS != "unknown" {
			out[d.Platform.String()] = d.Digest
		}
	}
	return out
}

// A release under sign: key attaches, to every platform image, the SBOM
// document and the SBOM and provenance statements as key-signed bundles;
// the deploy gate passes; the unsigned in-index statements stay; a second
// run adds nothing.
func TestSignedReleasePassesTheDeployGate(t *testing.T) {
	for _, impl := range regtest.All() {
		t.Run(impl.Name, func(t *testing.T) {
			k := newKeyed(t, impl)
			rep, err := release.Release(ctx, k.in, fixture.Version(t, "1.6.0"), version.Set{})
			if err != nil {
				t.Fatal(err)
			}
			vr, err := verify(t, k.Env, k.Repo+":1.6", k.trust)
			if err != nil {
				t.Fatalf("the deploy gate refuses a signed release: %v", err)
			}
			if !vr.OK || len(vr.Platforms) != 2 || vr.Digest != rep.Digest {
				t.Fatalf("report %+v", vr)
			}
			for _, p := range vr.Platforms {
				if p.SBOM == nil || p.Provenance == nil || p.Source == nil || p.Source.Commit != fixture.Commit {
					t.Errorf("%s: %+v", p.Platform, p)
				}
			}
			atts, err := attest.ReadIndexAttestations(k.Index(k.Repo + ":1.6"))
			if err != nil {
				t.Fatal(err)
			}
			for name, d := range platforms(t, k.Env, k.Repo+":1.6") {
				if n := len(k.Referrers(d, attest.MediaTypeSigstoreBundle)); n != 2 {
					t.Errorf("%s has %d bundles, want an SBOM and a provenance", name, n)
				}
				if n := len(k.Referrers(d, attest.MediaTypeSPDX)); n != 1 {
					t.Errorf("%s has %d SPDX documents, want 1", name, n)
				}
				if n := len(k.Referrers(d, attest.MediaTypeInToto)); n != 0 {
					t.Errorf("%s has %d unsigned statements as referrers; signed, they travel as bundles", name, n)
				}
				if len(atts[d]) != 2 {
					t.Errorf("%s has %d in-index statements, want the unsigned SBOM and provenance", name, len(atts[d]))
				}
			}

			if _, err := release.Release(ctx, k.in, fixture.Version(t, "1.6.0"), version.Set{}); err != nil {
				t.Fatal(err)
			}
			for name, d := range platforms(t, k.Env, k.Repo+":1.6") {
				if n := len(k.Referrers(d, attest.MediaTypeSigstoreBundle)); n != 2 {
					t.Errorf("after a re-run %s has %d bundles, want still 2", name, n)
				}
			}
		})
	}
}

// cosign verify-attestation, the command the README gives, accepts what a
// key-signed release attached, on registries with and without the
// referrers API, and refuses another key.
func TestCosignVerifiesKeySignedRelease(t *testing.T) {
	cosign := cosigntest.New(t)
	for _, impl := range []regtest.Impl{regtest.GGCR(), regtest.Distribution()} {
		t.Run(impl.Name, func(t *testing.T) {
			k := newKeyed(t, impl)
			if _, err := release.Release(ctx, k.in, fixture.Version(t, "1.6.0"), version.Set{}); err != nil {
				t.Fatal(err)
			}
			for name, d := range platforms(t, k.Env, k.Repo+":1.6.0") {
				ref := k.Repo + "@" + d.String()
				for _, typ := range []string{"slsaprovenance1", "spdxjson"} {
					out, err := cosign.Run(k.dir, nil, "verify-attestation", "--key", "cosign.pub", "--type", typ,
						"--insecure-ignore-tlog=true", "--allow-http-registry", ref)
					if err != nil {
						t.Fatalf("%s: cosign verify-attestation --type %s: %v\n%s", name, typ, err, out)
					}
				}
			}
			_, otherPub := sigstoretest.KeyPair(t, keyPassword)
			if err := os.WriteFile(filepath.Join(k.dir, "other.pub"), otherPub, 0o600); err != nil {
				t.Fatal(err)
			}
			d := platforms(t, k.Env, k.Repo+":1.6.0")["linux/amd64"]
			out, err := cosign.Run(k.dir, nil, "verify-attestation", "--key", "other.pub", "--type", "slsaprovenance1",
				"--insecure-ignore-tlog=true", "--allow-http-registry", k.Repo+"@"+d.String())
			if err == nil {
				t.Errorf("cosign accepted another key:\n%s", out)
			}
		})
	}
}

// keylessWorld is a release world signing keyless against a private
// Sigstore.
func keylessWorld(t *testing.T, impl regtest.Impl) (*fixture.Env, release.Inputs, *sigstoretest.Sigstore) {
	t.Helper()
	e := fixture.New(t, impl)
	s := sigstoretest.New(t)
	signer, err := signing.NewKeylessSigner(signing.KeylessOptions{
		Token:       signing.GitHubActions(nil, s.ActionsURL, s.ActionsRequestToken),
		FulcioURL:   s.FulcioURL,
		RekorURL:    s.RekorURL,
		TrustedRoot: s.TrustedRoot,
	})
	if err != nil {
		t.Fatal(err)
	}
	in := e.Inputs(signedPolicy("keyless"))
	in.Signer = signer
	return e, in, s
}

const releaseWorkflow = "acme/app/.github/workflows/release.yml@refs/tags/v1.6.0"

func keylessTrust(t *testing.T, s *sigstoretest.Sigstore, subject string) verification.Trust {
	t.Helper()
	m, err := verification.TrustedRootFromJSON(s.TrustedRoot)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := verification.IdentityTrust(verification.Identity{Subject: subject, Issuer: sigstoretest.GitHubIssuer}, m)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// A keyless release gets one certificate for the run and one Rekor entry
// per statement; the deploy gate passes it for the workflow's identity and
// refuses it for another; cosign agrees, with the private trusted root.
func TestKeylessSignedRelease(t *testing.T) {
	e, in, s := keylessWorld(t, regtest.GGCR())
	if _, err := release.Release(ctx, in, fixture.Version(t, "1.6.0"), version.Set{}); err != nil {
		t.Fatal(err)
	}
	if f, r := s.Calls(); f != 1 || r != 4 {
		t.Errorf("%d certificates and %d log entries for 2 platforms; want 1 and 4", f, r)
	}
	if _, err := verify(t, e, e.Repo+":latest", keylessTrust(t, s, sigstoretest.Identity(releaseWorkflow))); err != nil {
		t.Fatalf("the deploy gate refuses a keyless release: %v", err)
	}
	_, err := verify(t, e, e.Repo+":latest", keylessTrust(t, s, sigstoretest.Identity("evil/app/.github/workflows/release.yml@refs/tags/v1.6.0")))
	if !errors.Is(err, verification.ErrNotVerified) || !strings.Contains(err.Error(), "another identity") {
		t.Errorf("another identity: err = %v", err)
	}
	// A re-run keeps what the same identity attached.
	if _, err := release.Release(ctx, in, fixture.Version(t, "1.6.0"), version.Set{}); err != nil {
		t.Fatal(err)
	}
	if _, r := s.Calls(); r != 4 {
		t.Errorf("a re-run logged %d more signatures; the attached ones verify for the same identity", r-4)
	}

	t.Run("cosign", func(t *testing.T) {
		cosign := cosigntest.New(t)
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "trusted_root.json"), s.TrustedRoot, 0o600); err != nil {
			t.Fatal(err)
		}
		d := platforms(t, e, e.Repo+":latest")["linux/arm64"]
		for _, id := range []string{sigstoretest.Identity(releaseWorkflow), sigstoretest.Identity("evil/app/.github/workflows/release.yml@refs/tags/v1.6.0")} {
			out, err := cosign.Run(dir, nil, "verify-attestation", "--type", "slsaprovenance1",
				"--certificate-identity", id, "--certificate-oidc-issuer", sigstoretest.GitHubIssuer,
				"--trusted-root", "trusted_root.json", "--allow-http-registry", e.Repo+"@"+d.String())
			if ok := id == sigstoretest.Identity(releaseWorkflow); (err == nil) != ok {
				t.Errorf("cosign verify-attestation for %s: err = %v, want success %v\n%s", id, err, ok, out)
			}
		}
	})
}

// A signing failure publishes no floating tag; once the signer works, a
// re-run finishes the release.
func TestSigningFailurePublishesNoFloatingTag(t *testing.T) {
	e, in, s := keylessWorld(t, regtest.GGCR())
	s.FailFulcio(http.StatusBadRequest)
	_, err := release.Release(ctx, in, fixture.Version(t, "1.6.0"), version.Set{})
	if !errors.Is(err, signing.ErrSigning) || !strings.Contains(err.Error(), "floating tags were not moved") {
		t.Fatalf("err = %v, want the signing failure, saying floating tags were not moved", err)
	}
	for _, tg := range floatingTags {
		if d := e.Digest(e.Repo + ":" + tg); d != "" {
			t.Errorf("%s was published (%s) although signing failed", tg, d)
		}
	}
	s.FailFulcio(0)
	if _, err := release.Release(ctx, in, fixture.Version(t, "1.6.0"), version.Set{}); err != nil {
		t.Fatalf("re-run: %v", err)
	}
	if _, err := verify(t, e, e.Repo+":latest", keylessTrust(t, s, sigstoretest.Identity(releaseWorkflow))); err != nil {
		t.Fatal(err)
	}
}

// A policy that signs, with no signer given, is refused before anything
// is built or written; a dry run needs no signer.
func TestSigningPolicyNeedsASigner(t *testing.T) {
	e := fixture.New(t, regtest.GGCR())
	in := e.Inputs(signedPolicy("key"))
	e.Server.ResetCounts()
	_, err := release.Release(ctx, in, fixture.Version(t, "1.6.0"), version.Set{})
	if !errors.Is(err, release.ErrNoSigner) || !strings.Contains(err.Error(), "--signing-key file:cosign.key") {
		t.Errorf("err = %v, want ErrNoSigner with the arguments to give", err)
	}
	if n := e.Server.Counts().Total(); n != 0 {
		t.Errorf("%d registry requests before refusing", n)
	}
	in.DryRun = true
	if _, err := release.Release(ctx, in, fixture.Version(t, "1.6.0"), version.Set{}); err != nil {
		t.Errorf("dry run: %v", err)
	}
}

// A fault at any write of a signed release, or while its bundles are read
// back, leaves no floating tag on an image the deploy gate refuses; a
// re-run finishes the job.
func TestFaultsDuringSignedReleaseLeaveNoUnsignedFloatingTag(t *testing.T) {
	for _, impl := range []regtest.Impl{regtest.GGCRNoReferrers(), regtest.Olareg()} {
		t.Run(impl.Name, func(t *testing.T) {
			key := newSigningKey(t)
			clean := newKeyed(t, impl, key)
			clean.Server.ResetCounts()
			if _, err := release.Release(ctx, clean.in, fixture.Version(t, "1.6.0"), version.Set{}); err != nil {
				t.Fatal(err)
			}
			// The writes before the attestations (content, the dated tag)
			// are TestFaultAtEveryWriteThenRerun's; here every write from
			// the first one after the dated tag on is faulted in turn.
			var writesN, readsN int
			first := 1
			for _, r := range clean.Server.Log() {
				switch {
				case r.Kind == registry.KindPutManifest || r.Kind == registry.KindBlobUpload:
					writesN++
					if r.Method == http.MethodPut && strings.HasSuffix(r.Path, "/manifests/1.6.0-20260204") {
						first = writesN + 1
					}
				case isReferrerRead(r.Method, r.Path):
					readsN++
				}
			}
			if writesN < 10 || readsN < 4 {
				t.Fatalf("a clean signed release made %d writes and %d referrer reads", writesN, readsN)
			}
			run := func(name string, f regtest.Fault) {
				t.Helper()
				k := newKeyed(t, impl, key)
				k.Server.Inject(f)
				if _, err := release.Release(ctx, k.in, fixture.Version(t, "1.6.0"), version.Set{}); err == nil {
					t.Fatalf("%s: the release succeeded although every matching request from it on failed", name)
				}
				for _, tg := range floatingTags {
					if k.Digest(k.Repo+":"+tg) == "" {
						continue
					}
					if _, err := verify(t, k.Env, k.Repo+":"+tg, k.trust); err != nil {
						t.Fatalf("%s: floating tag %s points at an image the deploy gate refuses: %v", name, tg, err)
					}
				}
				k.Server.ClearFaults()
				if _, err := release.Release(ctx, k.in, fixture.Version(t, "1.6.0"), version.Set{}); err != nil {
					t.Fatalf("%s: re-run: %v", name, err)
				}
				for _, tg := range append(floatingTags, "1.6.0") {
					if _, err := verify(t, k.Env, k.Repo+":"+tg, k.trust); err != nil {
						t.Fatalf("%s: after the re-run %s: %v", name, tg, err)
					}
				}
			}
			if writesN-first < 8 {
				t.Fatalf("only %d writes after the dated tag", writesN-first+1)
			}
			for n := first; n <= writesN; n++ {
				run(fmt.Sprint("write ", n), regtest.Fault{Match: writes, Nth: n, Times: -1, Status: http.StatusInternalServerError})
			}
			// Late in the run the reads are the read-back of the bundles.
			for _, n := range []int{readsN - 1, readsN} {
				run(fmt.Sprint("referrers read ", n), regtest.Fault{Match: referrerReads, Nth: n, Times: -1, Status: http.StatusInternalServerError})
			}
		})
	}
}

// referrerReads matches the requests that list an image's referrers: the
// referrers API, or the fallback tag's index.
var referrerReads regtest.Matcher = func(r *http.Request) bool { return isReferrerRead(r.Method, r.URL.Path) }

func isReferrerRead(method, path string) bool {
	return method == http.MethodGet && (strings.Contains(path, "/referrers/") || strings.Contains(path, "/manifests/sha256-"))
}

// Every bundle is read back from the registry after it was written and its
// referrers list settled, before any tag that moves is written: each
// platform's two bundles are downloaded after that platform's last write,
// so the last platform's after the last write of all, and all four
// between the dated tag and the first tag that moves (on a first release
// nothing else downloads a bundle).
func TestSignedAttestationsAreReadBackBeforeFloatingTags(t *testing.T) {
	for _, impl := range []regtest.Impl{regtest.GGCR(), regtest.GGCRNoReferrers()} {
		t.Run(impl.Name, func(t *testing.T) {
			k := newKeyed(t, impl)
			k.Server.ResetCounts()
			if _, err := release.Release(ctx, k.in, fixture.Version(t, "1.6.0"), version.Set{}); err != nil {
				t.Fatal(err)
			}
			log := k.Server.Log()
			dated, moving := -1, -1
			for i, r := range log {
				if r.Method != http.MethodPut {
					continue
				}
				switch {
				case strings.HasSuffix(r.Path, "/manifests/1.6.0-20260204"):
					dated = i
				// The tags that move: line, latest, and the exact tag, which
				// this policy's refreshes move.
				case moving < 0 && (strings.HasSuffix(r.Path, "/manifests/1.6") || strings.HasSuffix(r.Path, "/manifests/latest") || strings.HasSuffix(r.Path, "/manifests/1.6.0")):
					moving = i
				}
			}
			if dated < 0 || moving < dated {
				t.Fatalf("dated tag at %d, first tag that moves at %d", dated, moving)
			}
			lastWrite := -1
			for i := range moving {
				if log[i].Kind == registry.KindPutManifest || log[i].Kind == registry.KindBlobUpload {
					lastWrite = i
				}
			}
			count := func(from, to int) int {
				n := 0
				for _, r := range log[from:to] {
					if r.Kind == registry.KindGetBlob {
						n++
					}
				}
				return n
			}
			if n := count(lastWrite+1, moving); n < 2 {
				t.Errorf("%d bundle downloads after the last attestation write; want the last platform's 2 bundles read back", n)
			}
			if n := count(dated+1, moving); n < 4 {
				t.Errorf("%d bundle downloads before the first tag that moves; want all 4 read back", n)
			}
		})
	}
}
