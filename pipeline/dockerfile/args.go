package dockerfile

import (
	"slices"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/shell"

	"github.com/patchline/patchline/pipeline/platform"
)

// MaxExpansion is the most text one variable expansion may produce: far
// more than any image reference or platform, and small enough that a few
// lines of ARG A2=${A1}${A1} cannot make a Dockerfile take minutes and
// gigabytes to read.
const MaxExpansion = 64 << 10

// expandWord expands word in scope as BuildKit would, but stops handing
// out variable values once they add up to more than MaxExpansion bytes,
// so the work is bounded by the cap however many references the word
// holds. tooLarge reports that the result would have passed the cap.
func expandWord(lex *shell.Lex, word string, scope shell.EnvGetter) (r shell.ProcessWordResult, tooLarge bool, err error) {
	lim := &limitedEnv{inner: scope, left: MaxExpansion}
	r, err = lex.ProcessWordWithMatches(word, lim)
	return r, lim.over || len(r.Result) > MaxExpansion, err
}

// limitedEnv is a scope that answers as its inner one until the values
// it handed out pass a budget, and with empty values after.
type limitedEnv struct {
	inner shell.EnvGetter
	left  int
	over  bool
}

func (l *limitedEnv) Get(key string) (string, bool) {
	v, ok := l.inner.Get(key)
	if !ok {
		return "", false
	}
	if l.left -= len(v); l.left < 0 {
		l.over = true
		return "", true
	}
	return v, true
}

func (l *limitedEnv) Keys() []string { return l.inner.Keys() }

// env is an ordered variable scope that BuildKit's shell lexer can read
// (it implements shell.EnvGetter). Global ARGs form such a scope, and FROM
// lines are expanded in it and only in it.
type env struct {
	keys []string
	vals map[string]string
}

func newEnv() *env { return &env{vals: map[string]string{}} }

// Get implements shell.EnvGetter.
func (e *env) Get(key string) (string, bool) {
	v, ok := e.vals[key]
	return v, ok
}

// Keys implements shell.EnvGetter.
func (e *env) Keys() []string { return slices.Clone(e.keys) }

func (e *env) set(key, val string) {
	if _, ok := e.vals[key]; !ok {
		e.keys = append(e.keys, key)
	}
	e.vals[key] = val
}

// platformArgs returns the automatic platform ARGs BuildKit puts in scope
// for FROM lines, each overridable by a build arg of the same name.
func platformArgs(build, target platform.Platform, targetStage string, overrides map[string]string) *env {
	if targetStage == "" {
		targetStage = "default"
	}
	buildPlatform := platform.Platform{OS: build.OS, Architecture: build.Architecture, Variant: build.Variant}
	e := newEnv()
	for _, kv := range [...][2]string{
		{"BUILDPLATFORM", buildPlatform.String()},
		{"BUILDOS", build.OS},
		{"BUILDOSVERSION", build.OSVersion},
		{"BUILDARCH", build.Architecture},
		{"BUILDVARIANT", build.Variant},
		{"TARGETPLATFORM", target.String()},
		{"TARGETOS", target.OS},
		{"TARGETOSVERSION", target.OSVersion},
		{"TARGETARCH", target.Architecture},
		{"TARGETVARIANT", target.Variant},
		{"TARGETSTAGE", targetStage},
	} {
		v := kv[1]
		if o, ok := overrides[kv[0]]; ok {
			v = o
		}
		e.set(kv[0], v)
	}
	return e
}

// Arg is one global ARG definition, one that comes before the first FROM and
// can therefore be used in FROM lines.
type Arg struct {
	// Name of the argument.
	Name string `json:"name"`
	// Line is the 1-based line of the ARG instruction.
	Line int `json:"line"`
	// Default is the default as written, quotes and variables included;
	// nil when the ARG declares no default.
	Default *string `json:"default,omitempty"`
	// Value is the value in effect after this ARG: the build arg when one
	// was given, else the expanded default; nil when the ARG is unset.
	Value *string `json:"value,omitempty"`
	// Overridden reports that a build arg supplied Value.
	Overridden bool `json:"overridden,omitempty"`
	// Uses are the other global ARGs the default refers to, sorted.
	Uses []string `json:"uses,omitempty"`
}

// argKeyValue splits an ARG word the way BuildKit does: at the first '='.
func argKeyValue(word string) (key string, val *string) {
	k, v, ok := strings.Cut(word, "=")
	if !ok {
		return word, nil
	}
	return k, &v
}
