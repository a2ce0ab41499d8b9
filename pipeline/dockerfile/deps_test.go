package dockerfile

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportClosure keeps the package cheap to compile into the Dagger
// module (it is compiled on every cold call): no Dagger SDK, no network
// clients, and from BuildKit only the Dockerfile parser and lexer (with
// what the parser itself needs).
func TestImportClosure(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not on PATH")
	}
	out, err := exec.Command(goTool, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	allowedBuildKit := map[string]bool{
		"github.com/moby/buildkit/frontend/dockerfile/parser":  true,
		"github.com/moby/buildkit/frontend/dockerfile/shell":   true,
		"github.com/moby/buildkit/frontend/dockerfile/command": true, // imported by parser
		"github.com/moby/buildkit/util/stack":                  true, // imported by parser
	}
	for _, pkg := range strings.Fields(string(out)) {
		switch {
		case strings.HasPrefix(pkg, "dagger.io/"):
			t.Errorf("imports %s", pkg)
		case strings.HasPrefix(pkg, "github.com/moby/buildkit/") && !allowedBuildKit[pkg]:
			t.Errorf("imports %s; only BuildKit's Dockerfile parser and shell lexer are allowed", pkg)
		case pkg == "net/http" || strings.HasPrefix(pkg, "github.com/google/go-containerregistry/pkg/v1"):
			t.Errorf("imports %s; this package does no network I/O", pkg)
		}
	}
}
