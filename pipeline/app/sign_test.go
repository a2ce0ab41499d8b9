package app

import (
	"strings"
	"testing"

	"github.com/patchline/patchline/pipeline/internal/testing/fixture"
	"github.com/patchline/patchline/pipeline/internal/testing/regtest"
)

// Only the commands that write attestations sign them. Under a signing
// policy, plan, check, rollback and the dry runs need no signing
// arguments: they write no attestation, and the module passes the same
// shared arguments to every function.
func TestCommandsThatWriteNoAttestationsNeedNoSigner(t *testing.T) {
	for _, mode := range []string{"key", "keyless"} {
		e := fixture.New(t, regtest.GGCR())
		req := signedRequest(e, mode)
		req.GitTags = []string{"v1.6.0"}
		runs := map[string]func() error{
			"plan":  func() error { _, err := Plan(ctx, req, "1.6.0", "", ""); return err },
			"check": func() error { _, err := Check(ctx, req, RefreshOptions{SourceFor: e.Source}); return err },
			"refresh --dry-run": func() error {
				_, err := Refresh(ctx, req, RefreshOptions{SourceFor: e.Source, DryRun: true})
				return err
			},
			"release --dry-run": func() error {
				dry := req
				dry.DryRun = true
				_, err := Release(ctx, dry, "1.6.0")
				return err
			},
		}
		for name, run := range runs {
			if err := run(); err != nil {
				t.Errorf("%s under sign: %s: %v", name, mode, err)
			}
		}
		// Rollback has nothing to roll back to here; it must say so, not
		// ask for a signing key.
		if _, err := Rollback(ctx, req, "1.6", "1.6.0-20260204"); err == nil || strings.Contains(err.Error(), "attestations.sign") {
			t.Errorf("rollback under sign: %s: %v", mode, err)
		}
	}
}
