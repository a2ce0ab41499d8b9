package pipeline

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
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

// The constructor (New) is called like any function, and v0.21.8 caches its
// result the same way: for up to a week, keyed by its arguments (a
// directory by its content), unless its +cache pragma says otherwise. A
// cached constructor is right only while it does nothing but record its
// arguments: one that read a registry, the clock or the git tags would
// hand every later call the answer of the first. So unless New is
// "never", its body must be a single return of the module's struct with
// every parameter stored, as is, in the field of the same name.
func TestCachedConstructorOnlyRecordsItsArguments(t *testing.T) {
	fn := moduleFunc(t, "New")
	if v, _ := cachePragma(fn.Doc); v == "never" {
		return
	}
	params := map[string]bool{}
	for _, f := range fn.Type.Params.List {
		for _, n := range f.Names {
			params[n.Name] = true
		}
	}
	var lit *ast.CompositeLit
	if len(fn.Body.List) == 1 {
		if ret, ok := fn.Body.List[0].(*ast.ReturnStmt); ok && len(ret.Results) == 1 {
			if u, ok := ret.Results[0].(*ast.UnaryExpr); ok && u.Op == token.AND {
				lit, _ = u.X.(*ast.CompositeLit)
			}
		}
	}
	if lit == nil {
		t.Fatalf("New is cached but its body is not a single `return &Patchline{...}`: do the work in the functions, which are never cached, or mark New +cache=\"never\"")
	}
	for _, el := range lit.Elts {
		kv, ok := el.(*ast.KeyValueExpr)
		if !ok {
			t.Errorf("New: %s is not a field: value pair", types.ExprString(el))
			continue
		}
		key, value := types.ExprString(kv.Key), types.ExprString(kv.Value)
		if !params[value] || key != strings.ToUpper(value[:1])+value[1:] {
			t.Errorf("New stores %s in %s; a cached constructor stores each argument as is, in the field of its name", value, key)
			continue
		}
		delete(params, value)
	}
	for p := range params {
		t.Errorf("New does not store its argument %s; a function could not read it", p)
	}
}

// moduleFunc returns the declaration of the module's top-level function
// name.
func moduleFunc(t *testing.T, name string) *ast.FuncDecl {
	t.Helper()
	files, err := filepath.Glob("../.dagger/*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no module sources in ../.dagger: %v", err)
	}
	for _, f := range files {
		file, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range file.Decls {
			if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv == nil && fn.Name.Name == name {
				return fn
			}
		}
	}
	t.Fatalf("the module has no function %s", name)
	return nil
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
