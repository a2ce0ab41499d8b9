// Package cosigntest runs the real cosign CLI against what patchline
// publishes, so the claim "cosign verifies it" is tested rather than
// assumed. The tests that use it need cosign v3 on PATH; .ci/run installs
// the version it pins and sets PATCHLINE_REQUIRE_COSIGN=1, which turns a
// missing cosign from a skip into a failure.
//
// Only _test.go files import this package.
package cosigntest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// RequireEnv names the variable that makes a missing cosign fail the tests.
const RequireEnv = "PATCHLINE_REQUIRE_COSIGN"

var version = regexp.MustCompile(`GitVersion:\s+v(\d+)\.`)

// Cosign is a cosign binary with a private home directory, so that nothing
// the user's cosign has cached (TUF metadata, credentials) is used.
type Cosign struct {
	t    testing.TB
	path string
	home string
}

// New finds cosign v3 on PATH. Without it the test is skipped with the
// install command, or fails when PATCHLINE_REQUIRE_COSIGN is set.
func New(t testing.TB) *Cosign {
	t.Helper()
	missing := func(why string) {
		t.Helper()
		msg := why + "; install it with `go install github.com/sigstore/cosign/v3/cmd/cosign@v3.1.3` and put $(go env GOPATH)/bin on PATH"
		if os.Getenv(RequireEnv) != "" {
			t.Fatalf("%s (%s is set: this run must check with cosign)", msg, RequireEnv)
		}
		t.Skip(msg)
	}
	path, err := exec.LookPath("cosign")
	if err != nil {
		missing("cosign is not on PATH")
	}
	out, err := exec.Command(path, "version").CombinedOutput()
	m := version.FindSubmatch(out)
	if err != nil || m == nil {
		missing("`cosign version` did not run: " + strings.TrimSpace(string(out)))
	}
	if string(m[1]) != "3" {
		missing("cosign at " + path + " is v" + string(m[1]) + ", these tests use v3's flags")
	}
	return &Cosign{t: t, path: path, home: t.TempDir()}
}

// Run runs cosign in dir with env added to a minimal environment, and
// returns its combined output.
func (c *Cosign) Run(dir string, env []string, args ...string) (string, error) {
	c.t.Helper()
	cmd := exec.Command(c.path, args...)
	cmd.Dir = dir
	cmd.Env = append([]string{"HOME=" + c.home, "PATH=" + os.Getenv("PATH"), "TUF_ROOT=" + filepath.Join(c.home, "tuf")}, env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}
