package pipeline

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

// daggerPackages may import dagger.io/dagger: they drive the engine.
var daggerPackages = map[string]bool{
	"github.com/patchline/patchline/pipeline/daggerbuild": true,
}

// heavy are libraries that must never be compiled into the Dagger module:
// every cold `dagger call` compiles the module, and each of these adds
// minutes or pulls a registry implementation meant for tests.
var heavy = []string{
	"github.com/anchore/syft",
	"github.com/distribution/distribution",
	"github.com/olareg/olareg",
	"github.com/docker/docker/",
	"github.com/moby/buildkit/client",
	"github.com/moby/buildkit/solver",
	"github.com/sigstore",
	"github.com/spdx/tools-golang",
}

type pkgInfo struct {
	ImportPath string
	Imports    []string
	Deps       []string
}

func listPackages(t *testing.T) []pkgInfo {
	t.Helper()
	out, err := exec.Command("go", "list", "-json", "github.com/patchline/patchline/...").Output()
	if err != nil {
		t.Skipf("go list unavailable: %v", err)
	}
	var pkgs []pkgInfo
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p pkgInfo
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

func TestEngineFreePackagesDoNotImportDagger(t *testing.T) {
	for _, p := range listPackages(t) {
		if daggerPackages[p.ImportPath] {
			continue
		}
		for _, d := range p.Deps {
			if d == "dagger.io/dagger" || strings.HasPrefix(d, "dagger.io/dagger/") {
				t.Errorf("%s depends on %s; only %v may", p.ImportPath, d, daggerPackages)
			}
		}
	}
}

func TestNoHeavyLibrariesInModuleCode(t *testing.T) {
	for _, p := range listPackages(t) {
		if strings.Contains(p.ImportPath, "/internal/regtest") {
			continue // test registries, imported only by tests
		}
		for _, d := range p.Deps {
			for _, h := range heavy {
				if strings.HasPrefix(d, h) {
					t.Errorf("%s depends on %s, which must stay out of the module's packages", p.ImportPath, d)
				}
			}
		}
	}
}
