package pipeline

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Dagger caches a function's result for up to a week unless the function's
// doc comment says otherwise, keyed by its arguments; a host directory such
// as --source . is keyed by its content. A function that reads a registry or
// the clock, or writes, would then answer a re-run from the cache without a
// single request. Every exported function of the module must therefore
// choose its cache policy with a +cache pragma.

// cacheNever lists the functions that read a registry or the clock, or
// write: they must never be answered from the cache.
var cacheNever = map[string]bool{
	"Plan": true, "Release": true, "Edge": true, "Refresh": true, "Check": true,
	"Rollback": true, "Pin": true, "Verify": true,
}

// cachePragma returns the value of the +cache pragma of a doc comment, read
// the way the Dagger Go SDK's code generator (v0.21.8) reads pragmas: a line
// "+cache=" followed by a JSON value or, failing that, the rest of the line.
func cachePragma(doc *ast.CommentGroup) (value string, count int) {
	if doc == nil {
		return "", 0
	}
	for _, line := range strings.Split(doc.Text(), "\n") {
		line = strings.TrimSpace(line)
		rest, ok := strings.CutPrefix(line, "+cache")
		if !ok {
			continue
		}
		rest = strings.TrimSpace(rest)
		rest, ok = strings.CutPrefix(rest, "=")
		if !ok {
			continue
		}
		rest = strings.TrimSpace(rest)
		count++
		var s string
		if err := json.Unmarshal([]byte(rest), &s); err == nil {
			value = s
		} else {
			value = rest
		}
	}
	return value, count
}

// validCachePolicy reports whether the engine accepts v: "never",
// "session", or a time-to-live between one second and one week.
func validCachePolicy(v string) bool {
	switch v {
	case "never", "session":
		return true
	}
	d, err := time.ParseDuration(v)
	return err == nil && d >= time.Second && d <= 7*24*time.Hour
}

func TestEveryModuleFunctionDeclaresItsCachePolicy(t *testing.T) {
	files, err := filepath.Glob("../.dagger/*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no module sources in ../.dagger: %v", err)
	}
	fset := token.NewFileSet()
	seen := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || strings.HasSuffix(f, "dagger.gen.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range file.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || !fn.Name.IsExported() {
				continue
			}
			if fn.Recv != nil && !receiverExported(fn.Recv) {
				continue
			}
			name := fn.Name.Name
			seen[name] = true
			pos := fset.Position(fn.Pos())
			v, n := cachePragma(fn.Doc)
			switch {
			case n == 0:
				t.Errorf("%s: %s has no +cache pragma in its doc comment; add // +cache=\"never\" if it reads a registry or the clock or writes, or a TTL such as \"24h\" if its result depends only on its arguments", pos, name)
			case n > 1:
				t.Errorf("%s: %s has %d +cache pragmas; keep one", pos, name, n)
			case !validCachePolicy(v):
				t.Errorf("%s: %s has +cache=%q; the engine takes \"never\", \"session\" or a duration from 1s to 168h", pos, name, v)
			case cacheNever[name] && v != "never":
				t.Errorf("%s: %s reads a registry or the clock, or writes, but has +cache=%q; it must be \"never\"", pos, name, v)
			}
		}
	}
	for name := range cacheNever {
		if !seen[name] {
			t.Errorf("the module has no function %s; update cacheNever", name)
		}
	}
}

func receiverExported(recv *ast.FieldList) bool {
	if len(recv.List) == 0 {
		return false
	}
	typ := recv.List[0].Type
	if star, ok := typ.(*ast.StarExpr); ok {
		typ = star.X
	}
	id, ok := typ.(*ast.Ident)
	return ok && id.IsExported()
}

func TestCachePragmaParsing(t *testing.T) {
	tests := []struct {
		doc   string
		value string
		count int
	}{
		{"// Do it.\n// +cache=\"never\"\n", "never", 1},
		{"// Do it.\n//\n// +cache=\"24h\"\n", "24h", 1},
		{"// Do it.\n// +cache=session\n", "session", 1},
		{"// Do it with a + in the text.\n", "", 0},
		{"// Do it.\n// +optional\n", "", 0},
	}
	for _, tt := range tests {
		f, err := parser.ParseFile(token.NewFileSet(), "x.go", "package x\n"+tt.doc+"func F() {}\n", parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		v, n := cachePragma(f.Decls[0].(*ast.FuncDecl).Doc)
		if v != tt.value || n != tt.count {
			t.Errorf("%q: got %q ×%d; want %q ×%d", tt.doc, v, n, tt.value, tt.count)
		}
	}
	for v, ok := range map[string]bool{"never": true, "session": true, "10s": true, "168h": true, "169h": false, "0s": false, "weekly": false, "": false} {
		if validCachePolicy(v) != ok {
			t.Errorf("validCachePolicy(%q) = %v", v, !ok)
		}
	}
}
