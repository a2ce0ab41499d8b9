package pipeline

import (
	"encoding/json"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// daggerPackages may import dagger.io/dagger: they drive the engine.
var daggerPackages = map[string]bool{
	"github.com/patchline/patchline/pipeline/daggerbuild": true,
}

// heavy are libraries that must never be compiled into the Dagger module:
// every cold `dagger call` compiles the module, and each of these adds
// minutes or pulls a registry implementation, a server or a test fixture.
//
// sigstore-go (signing and verifying attestations) is compiled in on
// purpose: about 240 more packages and some 15 s on a cold 2-core compile,
// for what no lighter library does (Fulcio, Rekor, certificate
// transparency, TUF). What stays out is cosign (a CLI with its own huge
// graph; its library is never needed), sigstore-go's test Sigstore, and the
// Fulcio and Rekor servers.
var heavy = []string{
	"github.com/anchore/syft",
	"github.com/distribution/distribution",
	"github.com/olareg/olareg",
	"github.com/docker/docker/",
	"github.com/moby/buildkit/client",
	"github.com/moby/buildkit/solver",
	"github.com/sigstore/cosign",
	"github.com/sigstore/fulcio",
	"github.com/sigstore/rekor/pkg/generated/restapi",
	"github.com/sigstore/sigstore-go/pkg/testing",
	"github.com/spdx/tools-golang",
}

// sigstorePackages may import the Sigstore libraries directly; everything
// else reaches signing and verification through them, so the Sigstore API
// stays in two places.
var sigstorePackages = map[string]bool{
	"github.com/patchline/patchline/pipeline/signing":      true,
	"github.com/patchline/patchline/pipeline/verification": true,
}

type pkgInfo struct {
	ImportPath string
	Imports    []string
	Deps       []string
}

func TestOnlySigningAndVerificationImportSigstore(t *testing.T) {
	for _, p := range listPackages(t) {
		if sigstorePackages[p.ImportPath] || strings.Contains(p.ImportPath, "/internal/") {
			continue
		}
		for _, imp := range p.Imports {
			if strings.HasPrefix(imp, "github.com/sigstore/") {
				t.Errorf("%s imports %s; only %v may, the rest go through them", p.ImportPath, imp, sigstorePackages)
			}
		}
	}
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

// moduleImports returns the patchline packages the Dagger module in
// ../.dagger imports: what every cold `dagger call` compiles starts there.
func moduleImports(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("../.dagger/*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no module sources in ../.dagger: %v", err)
	}
	seen := map[string]bool{}
	var out []string
	fset := token.NewFileSet()
	for _, f := range files {
		af, err := parser.ParseFile(fset, f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range af.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if strings.HasPrefix(p, "github.com/patchline/patchline/") && !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	return out
}

func TestNoHeavyLibrariesInModuleCode(t *testing.T) {
	roots := moduleImports(t)
	out, err := exec.Command("go", append([]string{"list", "-deps"}, roots...)...).Output()
	if err != nil {
		t.Skipf("go list unavailable: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("implausible dependency list for %v: %v", roots, deps)
	}
	for _, d := range deps {
		if strings.Contains(d, "/internal/testing/") {
			t.Errorf("the module compiles the test-only package %s", d)
		}
		for _, h := range heavy {
			if strings.HasPrefix(d, h) {
				t.Errorf("the module compiles %s, which must stay out of it", d)
			}
		}
	}
}
