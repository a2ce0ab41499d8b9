package pipeline

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strings"
	"testing"
)

// A Dagger secret is resolved when module code reads its plaintext, and
// resolving fails where its source is not set (env:ACTIONS_ID_TOKEN_...
// in a pull request's job, file:cosign.key on a laptop). So the module
// reads the signing secrets only in the functions that attach attestations
// (release, edge, refresh, and not in a dry run), and pin, which logs in
// to no image repository, does not read --password. README.md promises
// that plan, check, rollback and every --dry-run neither need nor read the
// signing arguments. No engine runs here; the module's source says it.
func TestSecretsAreReadOnlyWhereTheyAreUsed(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "../.dagger/main.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	signers := map[string]bool{"Release": true, "Edge": true, "Refresh": true}
	seen := map[string]bool{}
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Recv == nil || !fn.Name.IsExported() {
			continue
		}
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			lit, ok := n.(*ast.CompositeLit)
			if !ok {
				return true
			}
			if id, ok := lit.Type.(*ast.Ident); !ok || id.Name != "call" {
				return true
			}
			seen[fn.Name.Name] = true
			signs := false
			for _, e := range lit.Elts {
				if kv, ok := e.(*ast.KeyValueExpr); ok && kv.Key.(*ast.Ident).Name == "signs" {
					signs = true
				}
			}
			if signs != signers[fn.Name.Name] {
				t.Errorf("%s: call{} sets signs %v; only %v read the signing secrets", fn.Name.Name, signs, signers)
			}
			return true
		})
	}
	for name := range signers {
		if !seen[name] {
			t.Errorf("%s no longer runs through call{}; say here how it reads the signing secrets", name)
		}
	}

	src, err := os.ReadFile("../.dagger/convert.go")
	if err != nil {
		t.Fatal(err)
	}
	s := string(src)
	guard := strings.Index(s, "if c.signs && !c.dryRun {")
	read := strings.Index(s, "m.signing(ctx)")
	if strings.Count(s, "m.signing(ctx)") != 1 || guard < 0 || read < guard || read-guard > 80 {
		t.Error("convert.go must read the signing secrets (m.signing) only under if c.signs && !c.dryRun")
	}
	pin := s[strings.Index(s, "func (m *Patchline) pin("):]
	pin = pin[:strings.Index(pin, "\n}\n")]
	if !strings.Contains(pin, "m.access(ctx, false)") {
		t.Error("pin must not read --password: it logs in to no image repository")
	}
}
