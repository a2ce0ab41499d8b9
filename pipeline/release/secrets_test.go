package release_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/patchline/patchline/pipeline/attest"
	"github.com/patchline/patchline/pipeline/internal/testing/fixture"
	"github.com/patchline/patchline/pipeline/internal/testing/regtest"
	"github.com/patchline/patchline/pipeline/registry"
	"github.com/patchline/patchline/pipeline/release"
	"github.com/patchline/patchline/pipeline/version"
)

const password = "pl-S3cret-Pa55word"

// The password reaches the registry and nothing else: not the report, not
// the provenance, not an error, even from a registry that echoes the
// credentials it was sent.
func TestSecretsStayOutOfReportsProvenanceAndErrors(t *testing.T) {
	for _, auth := range []regtest.Option{regtest.WithBasicAuth("robot", password), regtest.WithTokenAuth("robot", password)} {
		e := fixture.New(t, regtest.GGCR(), auth, regtest.WithCredentialEcho())
		c, err := registry.New(registry.WithCredentials(e.Server.Host, "robot", password))
		if err != nil {
			t.Fatal(err)
		}
		e.Client = c
		in := e.Inputs("weekly-refresh")
		rep, err := release.Release(ctx, in, fixture.Version(t, "1.6.0"), version.Set{})
		if err != nil {
			t.Fatal(err)
		}
		out, _ := json.Marshal(rep)
		if strings.Contains(string(out), password) {
			t.Errorf("the report contains the password")
		}
		atts, err := attest.ReadIndexAttestations(e.Index(e.Repo + ":latest"))
		if err != nil {
			t.Fatal(err)
		}
		for _, stmts := range atts {
			for _, st := range stmts {
				if strings.Contains(string(st.Predicate), password) {
					t.Errorf("a %s statement contains the password", st.PredicateType)
				}
			}
		}
		// A wrong password fails with an error that names neither.
		bad, _ := registry.New(registry.WithCredentials(e.Server.Host, "robot", password+"-wrong"))
		in.Registry = bad
		_, err = release.Release(ctx, in, fixture.Version(t, "1.6.1"), version.Set{})
		if err == nil {
			t.Fatal("a wrong password was accepted")
		}
		if strings.Contains(err.Error(), password) {
			t.Errorf("the error contains the password: %v", err)
		}
	}
}
