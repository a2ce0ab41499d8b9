package refresh_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patchline/patchline/pipeline/internal/testing/regtest"
	"github.com/patchline/patchline/pipeline/internal/testing/sigstoretest"
	"github.com/patchline/patchline/pipeline/signing"
	"github.com/patchline/patchline/pipeline/verification"
)

// A refresh under sign: key signs what it rebuilds: the deploy gate passes
// on the refreshed line's tag, which names the release tag it was rebuilt
// from, and the report says who signed.
func TestSignedRefreshPassesTheDeployGate(t *testing.T) {
	preset, err := os.ReadFile(filepath.Join("..", "..", "policy", "presets", "weekly-refresh.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	priv, pub := sigstoretest.KeyPair(t, "pw")
	signer, err := signing.NewKeySigner(priv, []byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	trust, err := verification.KeyTrust(pub)
	if err != nil {
		t.Fatal(err)
	}
	w := newWorldFrom(&world{t: t, policy: strings.Replace(string(preset), "sign: none", "sign: key", 1), signer: signer},
		regtest.GGCRNoReferrers(), nil, "v1.5.3", "v1.6.2")
	w.week()
	w.e.PushBase(t, "2")
	rep, err := w.refresh()
	if err != nil {
		t.Fatal(err)
	}
	if statuses(rep) != "1.6=rebuilt 1.5=rebuilt" {
		t.Fatalf("statuses %s", statuses(rep))
	}
	if rep.SignedBy == "" || rep.SignedBy != trust.String() {
		t.Errorf("report signed by %q; want %q", rep.SignedBy, trust.String())
	}
	refreshed := line(rep, "1.6").Digest
	if w.e.Digest(w.e.Repo+":1.6") != refreshed {
		t.Fatalf("setup: 1.6 is not on the refreshed build")
	}
	vr, err := verification.Image(ctx, w.e.NewClient(), verification.Request{Image: w.e.Repo + ":1.6", Trust: trust, SourceRef: "refs/tags/v1.6.2"})
	if err != nil {
		t.Fatalf("the deploy gate refuses a signed refresh: %v", err)
	}
	if !vr.OK || vr.Digest != refreshed {
		t.Errorf("verified %s ok=%v; want the refreshed build %s", vr.Digest, vr.OK, refreshed)
	}
}
