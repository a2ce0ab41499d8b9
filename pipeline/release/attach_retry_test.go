package release_test

import (
	"net/http"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/patchline/patchline/pipeline/attest"
	"github.com/patchline/patchline/pipeline/internal/testing/fixture"
	"github.com/patchline/patchline/pipeline/internal/testing/regtest"
	"github.com/patchline/patchline/pipeline/release"
	"github.com/patchline/patchline/pipeline/version"
)

// One transient failure on any request of the referrers upload (the SBOM
// blob's POST, PATCH or PUT, or the artifact manifest's PUT) is retried
// under the client's policy, with the registry's Retry-After honoured, and
// the release finishes as if nothing happened.
func TestAttestationUploadFaultsAreRetried(t *testing.T) {
	for _, impl := range regtest.All() {
		t.Run(impl.Name, func(t *testing.T) {
			for _, step := range []struct{ method, path string }{
				{"POST", `/blobs/uploads/$`},
				{"PATCH", `/blobs/uploads/.+`},
				{"PUT", `/blobs/uploads/.+`},
				{"PUT", `/manifests/sha256:`},
			} {
				for _, fault := range []regtest.Fault{
					{Status: http.StatusInternalServerError},
					{Status: http.StatusTooManyRequests, RetryAfter: "3"},
					{Reset: true},
				} {
					e := fixture.New(t, impl)
					fault.Match = regtest.AfterTag("1.6.0", regtest.Route(step.method, step.path)) // the attestation step: the exact tag is written first
					in := e.Server.Inject(fault)
					rep, err := release.Release(ctx, e.Inputs("default"), fixture.Version(t, "1.6.0"), version.Set{})
					if err != nil {
						t.Fatalf("%s %s with %+v: %v", step.method, step.path, fault, err)
					}
					if in.Fired() != 1 {
						t.Fatalf("%s %s: the fault fired %d times", step.method, step.path, in.Fired())
					}
					if fault.RetryAfter != "" && !e.Slept(3*time.Second) {
						t.Errorf("%s %s: Retry-After 3 was not honoured", step.method, step.path)
					}
					if e.Digest(e.Repo+":latest") != rep.Digest {
						t.Errorf("%s %s: latest not published", step.method, step.path)
					}
					for _, p := range rep.Platforms {
						d := mustHash(t, p.Digest)
						if len(e.Referrers(d, "application/spdx+json")) != 1 || len(e.Referrers(d, attest.MediaTypeInToto)) != 1 {
							t.Errorf("%s %s: %s lacks a referrer", step.method, step.path, p.Platform)
						}
					}
				}
			}
		})
	}
}

func mustHash(t *testing.T, s string) v1.Hash {
	t.Helper()
	h, err := v1.NewHash(s)
	if err != nil {
		t.Fatal(err)
	}
	return h
}
