package pipeline

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// The README and the functions' --help texts show dagger call commands
// that a user copies. Without an engine nothing runs them here, so this
// test reads them and checks each against the module's declarations in
// .dagger/*.go: every argument before the function's name is one of the
// constructor's, the function exists, and every argument after it is one
// of the function's. A renamed or moved argument then fails here instead
// of in a user's CI.

// daggerName is how Dagger spells a Go name on the command line: words in
// lower case joined by "-", a run of capitals being one word (sourceUrl
// and sourceURL are both source-url).
func daggerName(goName string) string {
	rs := []rune(goName)
	var b strings.Builder
	for i, r := range rs {
		if i > 0 && unicode.IsUpper(r) {
			prev := rs[i-1]
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if !unicode.IsUpper(prev) || nextLower {
				b.WriteByte('-')
			}
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

func TestDaggerName(t *testing.T) {
	for in, want := range map[string]string{
		"version": "version", "dryRun": "dry-run", "sourceUrl": "source-url", "sourceURL": "source-url",
		"CheckPolicy": "check-policy", "oidcRequestURL": "oidc-request-url", "URLPath": "url-path",
	} {
		if got := daggerName(in); got != want {
			t.Errorf("daggerName(%s) = %s; want %s", in, got, want)
		}
	}
}

// moduleShape is what .dagger/*.go declares: the constructor's arguments,
// each function's arguments, and the functions of the objects they return
// (an object's exported fields are functions too).
type moduleShape struct {
	constructor map[string]bool // argument name -> is a flag without value
	functions   map[string]map[string]bool
	returns     map[string]string // function -> object type it returns
	objects     map[string][]string
}

func readModuleShape(t *testing.T) moduleShape {
	t.Helper()
	files, err := filepath.Glob("../.dagger/*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no module sources in ../.dagger: %v", err)
	}
	m := moduleShape{constructor: map[string]bool{}, functions: map[string]map[string]bool{}, returns: map[string]string{}, objects: map[string][]string{}}
	params := func(fl *ast.FieldList) map[string]bool {
		out := map[string]bool{}
		for _, f := range fl.List {
			id, ok := f.Type.(*ast.Ident)
			boolean := ok && id.Name == "bool"
			for _, n := range f.Names {
				if n.Name != "ctx" {
					out[daggerName(n.Name)] = boolean
				}
			}
		}
		return out
	}
	fset := token.NewFileSet()
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") || strings.HasSuffix(file, "dagger.gen.go") {
			continue
		}
		f, err := parser.ParseFile(fset, file, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				switch {
				case d.Recv == nil && d.Name.Name == "New":
					m.constructor = params(d.Type.Params)
				case d.Recv != nil && d.Name.IsExported():
					name := daggerName(d.Name.Name)
					m.functions[name] = params(d.Type.Params)
					if res := d.Type.Results; res != nil {
						if star, ok := res.List[0].Type.(*ast.StarExpr); ok {
							if id, ok := star.X.(*ast.Ident); ok {
								m.returns[name] = id.Name
							}
						}
					}
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					ts, ok := s.(*ast.TypeSpec)
					if !ok {
						continue
					}
					st, ok := ts.Type.(*ast.StructType)
					if !ok || ts.Name.Name == "Patchline" {
						continue
					}
					for _, fl := range st.Fields.List {
						for _, n := range fl.Names {
							if n.IsExported() {
								m.objects[ts.Name.Name] = append(m.objects[ts.Name.Name], daggerName(n.Name))
							}
						}
					}
				}
			}
		}
	}
	if len(m.constructor) == 0 || len(m.functions) == 0 {
		t.Fatal("found no constructor or no functions in .dagger")
	}
	return m
}

// shellWords splits a command line as a shell would, enough for the
// README: quotes group words, and a GitHub expression ${{ ... }} is one
// word.
func shellWords(s string) []string {
	s = regexp.MustCompile(`\$\{\{[^}]*\}\}`).ReplaceAllString(s, "EXPR")
	var words []string
	var cur strings.Builder
	in, quote := false, rune(0)
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '"' || r == '\'':
			quote, in = r, true
		case unicode.IsSpace(r):
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if in {
		words = append(words, cur.String())
	}
	return words
}

// check returns what is wrong with one command, the words after "call".
func (m moduleShape) check(words []string) []string {
	var problems []string
	fn := ""
	args := m.constructor
	for i := 0; i < len(words); i++ {
		w := words[i]
		if strings.ContainsAny(w, "<>|;&") || w == "..." {
			break // shell from here on, or a placeholder
		}
		if flag, ok := strings.CutPrefix(w, "--"); ok {
			name, _, hasValue := strings.Cut(flag, "=")
			if name == "help" {
				continue
			}
			boolean, known := args[name]
			if !known {
				where := "the shared arguments (New, in constructor.go)"
				if fn != "" {
					where = "the arguments of " + fn
				}
				problems = append(problems, "--"+name+" is not among "+where)
			}
			if !boolean && !hasValue {
				i++
			}
			continue
		}
		if fn != "" {
			// A function of what fn returns; after it, core API calls
			// (export, up) that the module does not declare.
			if obj, ok := m.returns[fn]; ok && m.objects[obj] != nil && !slices.Contains(m.objects[obj], w) {
				problems = append(problems, fn+" returns "+obj+", which has no function "+w)
			}
			break
		}
		fn = w
		if args = m.functions[fn]; args == nil {
			problems = append(problems, "the module has no function "+fn)
			break
		}
	}
	return problems
}

// command is one documented dagger call: what follows "call", and whether
// it calls the module remotely (dagger -m, or a CI workflow's module:).
type command struct {
	args   string
	remote bool
}

// commands finds the dagger call commands of a text: in code (joined
// across backslash line ends and YAML's folded >- blocks, such as the
// call: of the CI workflows) and in inline code spans.
func commands(text string) []command {
	text = strings.ReplaceAll(text, "\\\n", " ")
	lines := strings.Split(text, "\n")
	var joined []string
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if !strings.HasSuffix(strings.TrimSpace(l), ">-") {
			joined = append(joined, l)
			continue
		}
		indent := len(l) - len(strings.TrimLeft(l, " "))
		var block []string
		for i+1 < len(lines) && len(lines[i+1])-len(strings.TrimLeft(lines[i+1], " ")) > indent {
			i++
			block = append(block, strings.TrimSpace(lines[i]))
		}
		if strings.TrimSpace(l) == "call: >-" {
			block = append([]string{"dagger -m workflow-module call"}, block...)
		}
		joined = append(joined, strings.Join(block, " "))
	}
	text = strings.Join(joined, "\n")
	var out []command
	call := regexp.MustCompile(`dagger (-m \S+ )?call\b([^` + "`" + `\n]*)`)
	for _, m := range call.FindAllStringSubmatch(text, -1) {
		if strings.TrimSpace(m[2]) != "" {
			out = append(out, command{args: m[2], remote: m[1] != ""})
		}
	}
	// Inline spans may break across lines in prose.
	span := regexp.MustCompile("`dagger (-m \\S+\\s+)?call\\s([^`]*)`")
	for _, m := range span.FindAllStringSubmatch(text, -1) {
		out = append(out, command{args: strings.Join(strings.Fields(m[2]), " "), remote: m[1] != ""})
	}
	return out
}

// readsCaller lists the functions that read the caller's files: the
// source directory (policy, Dockerfile) and, for those marked true, the
// git repository too. Called remotely without --source . (--repo .), they
// would read patchline's own repository instead (+defaultPath="/").
var readsCaller = map[string]bool{
	"plan": true, "release": true, "edge": true, "refresh": true, "check": true, "rollback": true,
	"pin": false, "check-policy": false,
}

// readsNothingOfTheCaller lists the functions that read neither: verify
// reads a registry, registry only describes a service.
var readsNothingOfTheCaller = map[string]bool{"verify": true, "registry": true}

// remoteProblems says what a remote call of the module leaves out. Every
// shared argument takes a value.
func remoteProblems(words []string) []string {
	given := map[string]bool{}
	for i := 0; i < len(words); i++ {
		w := words[i]
		if flag, ok := strings.CutPrefix(w, "--"); ok {
			name, _, hasValue := strings.Cut(flag, "=")
			given[name] = true
			if !hasValue {
				i++
			}
			continue
		}
		repo, reads := readsCaller[w]
		var problems []string
		if reads && !given["source"] {
			problems = append(problems, "a remote module reads its own source unless given --source .")
		}
		if repo && !given["repo"] {
			problems = append(problems, "a remote module reads its own git tags unless given --repo .")
		}
		return problems
	}
	return nil
}

func TestDocumentedCommandsMatchTheModule(t *testing.T) {
	m := readModuleShape(t)
	for fn := range m.functions {
		if _, ok := readsCaller[fn]; !ok && !readsNothingOfTheCaller[fn] {
			t.Errorf("say in readsCaller whether %s reads the caller's source and repository", fn)
		}
	}
	texts := map[string]string{}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	texts["README.md"] = string(readme)
	files, _ := filepath.Glob("../.dagger/*.go")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		// Comments only: help texts are where commands are shown.
		var comments []string
		for _, l := range strings.Split(string(b), "\n") {
			if c, ok := strings.CutPrefix(strings.TrimSpace(l), "//"); ok {
				comments = append(comments, c)
			}
		}
		texts[filepath.Base(f)] = strings.Join(comments, "\n")
	}
	checked := 0
	for name, text := range texts {
		for _, c := range commands(text) {
			words := shellWords(c.args)
			if len(words) == 0 {
				continue
			}
			checked++
			problems := m.check(words)
			if c.remote {
				problems = append(problems, remoteProblems(words)...)
			}
			for _, p := range problems {
				t.Errorf("%s: dagger call %s: %s", name, c.args, p)
			}
		}
	}
	if checked < 20 {
		t.Errorf("found only %d documented commands; the extraction no longer sees them", checked)
	}
}

// The checker itself: what a renamed argument or function looks like.
func TestDocumentedCommandChecker(t *testing.T) {
	m := readModuleShape(t)
	for cmd, wantProblems := range map[string]int{
		"--image ghcr.io/acme/app release --version 1.6.0":           0,
		"--image ghcr.io/acme/app release --version=1.6.0 --dry-run": 0,
		"release --image ghcr.io/acme/app --version 1.6.0":           1, // shared argument after the function
		"--imag ghcr.io/acme/app release --version 1.6.0":            1,
		"relase --version 1.6.0":                                     1,
		"pin --file Dockerfile summary":                              0,
		"pin --file Dockerfile sumary":                               1,
		"registry up --ports 5000:5000":                              0,
		"--format json check > check.json && jq -e .ok check.json":   0,
	} {
		if got := m.check(shellWords(cmd)); len(got) != wantProblems {
			t.Errorf("%s: %d problems %v; want %d", cmd, len(got), got, wantProblems)
		}
	}
}

// A remote call without the caller's directories reads patchline's own.
func TestRemoteCallsGiveTheCallersDirectories(t *testing.T) {
	for cmd, want := range map[string]int{
		"--source . --repo . release --version 1.6.0": 0,
		"--repo . release --version 1.6.0":            1,
		"--image ghcr.io/acme/app refresh":            2,
		"--source . check-policy":                     0,
		"check-policy":                                1,
		"verify --image ghcr.io/acme/app:1.6":         0,
	} {
		if got := remoteProblems(shellWords(cmd)); len(got) != want {
			t.Errorf("%s: %v; want %d problems", cmd, got, want)
		}
	}
	got := commands("    - >-\n      dagger -m github.com/patchline/patchline call --source .\n      --repo . release --version 1.0.0\nrun `dagger call\nplan --version 1.0.0`\n")
	want := []command{{args: " --source . --repo . release --version 1.0.0", remote: true}, {args: "plan --version 1.0.0"}}
	if !slices.Equal(got, want) {
		t.Errorf("commands: %+v; want %+v", got, want)
	}
}
