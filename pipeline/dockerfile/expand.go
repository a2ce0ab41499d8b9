package dockerfile

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/patchline/patchline/pipeline/platform"
)

// evalArgs evaluates the global ARGs in order, as BuildKit does: a build
// arg replaces the default; otherwise the default is expanded with the
// ARGs before it (and the automatic platform ARGs); an ARG with neither
// leaves the variable as it was.
func (b *builder) evalArgs() error {
	build, err := platform.ParseSpecifier(b.o.buildPlatform)
	if err != nil {
		return err
	}
	target, err := platform.ParseSpecifier(b.o.targetPlatform)
	if err != nil {
		return err
	}
	targetStage := b.o.target
	if targetStage == "" {
		targetStage = b.stages[len(b.stages)-1].Name
	}
	b.scope = platformArgs(build, target, targetStage, b.o.buildArgs)
	b.argLits = make([]bool, len(b.args))
	for i := range b.args {
		a := &b.args[i]
		if v, ok := b.o.buildArgs[a.Name]; ok {
			a.Value, a.Overridden = &v, true
		}
		if a.Default != nil {
			r, tooLarge, err := expandWord(b.lex, *a.Default, b.scope)
			if tooLarge {
				return b.errorf(a.Line, "ARG %s: its default expands to more than %d KiB (%w); a value that large cannot be part of an image reference, so check the ARGs it uses (%s)",
					a.Name, MaxExpansion>>10, ErrTooLarge, strings.Join(sortedKeys(r.Matched), ", "))
			}
			if err != nil {
				return b.errorf(a.Line, "ARG %s=%q: %w: %v", a.Name, *a.Default, ErrSyntax, err)
			}
			a.Uses = sortedKeys(r.Matched, r.Unmatched)
			b.argLits[i] = len(a.Uses) == 0
			if !a.Overridden {
				v := r.Result
				a.Value = &v
			}
		}
		if a.Value != nil {
			b.scope.set(a.Name, *a.Value)
		}
	}
	return nil
}

// sortedKeys merges the keys of sets into one sorted list.
func sortedKeys(sets ...map[string]struct{}) []string {
	var keys []string
	for _, s := range sets {
		keys = append(keys, slices.Collect(maps.Keys(s))...)
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

// evalStages expands each FROM and decides what it builds on.
func (b *builder) evalStages() error {
	for i := range b.stages {
		st := &b.stages[i]
		expanded, used, err := b.expand("FROM", st.Line, st.Image)
		if err != nil {
			return err
		}
		st.Expanded, st.Args = expanded, used
		if st.Platform != "" {
			p, _, err := b.expand("FROM --platform=", st.Line, st.Platform)
			if err != nil {
				return err
			}
			if _, err := platform.ParseSpecifier(p); err != nil {
				return b.errorf(st.Line, "FROM --platform=%q: %w", st.Platform, err)
			}
			st.ExpandedPlatform = p
		}
		// A FROM names an earlier stage only by its exact (lowercase)
		// name, and only stages above it: BuildKit registers stages in
		// order and compares the expanded text as is.
		if j, ok := b.byName[st.Expanded]; ok && j < i {
			st.Kind, st.BaseStage = BaseStage, j
			b.deps[i][j] = true
			continue
		}
		if st.Expanded == "scratch" {
			st.Kind = BaseScratch
			continue
		}
		ref, err := ParseReference(st.Expanded)
		if err != nil {
			return b.errorf(st.Line, "FROM %q: %w%s", st.Image, err, b.refHint(st.Image, st.Expanded, i))
		}
		st.Kind, st.Ref = BaseImage, ref
	}
	return nil
}

// refHint explains an invalid FROM reference where a likely cause is known.
func (b *builder) refHint(expr, expanded string, stage int) string {
	var hints []string
	if expr != expanded {
		hints = append(hints, fmt.Sprintf("it expands to %q", expanded))
	}
	for _, s := range b.stages[:stage] {
		if s.Name != "" && s.Name != expanded && s.Name == strings.ToLower(expanded) {
			hints = append(hints, fmt.Sprintf("FROM matches stage names exactly; write FROM %s to build on stage %q", s.Name, s.Name))
			break
		}
	}
	for _, s := range b.stages[stage+1:] {
		if s.Name != "" && s.Name == strings.ToLower(expanded) {
			hints = append(hints, fmt.Sprintf("stage %q is defined below, on line %d, and FROM can only name stages above it", s.Name, s.Line))
			break
		}
	}
	if len(hints) == 0 {
		return ""
	}
	return "; " + strings.Join(hints, "; ")
}

// expand expands a FROM image or platform in the global ARG scope and turns
// unset variables into an error that says how to set them. It also returns
// every variable the expression refers to, set or not (${TAG:-bookworm}
// depends on TAG even while TAG is unset).
func (b *builder) expand(what string, line int, expr string) (string, []string, error) {
	r, tooLarge, err := expandWord(b.lex, expr, b.scope)
	if tooLarge {
		return "", nil, b.errorf(line, "%s%q: it expands to more than %d KiB (%w); check the ARGs it uses (%s)",
			spaced(what), expr, MaxExpansion>>10, ErrTooLarge, strings.Join(sortedKeys(r.Matched), ", "))
	}
	if len(r.Unmatched) > 0 && (err != nil || r.Result == "" || !b.usable(what, r.Result)) {
		names := sortedKeys(r.Unmatched)
		return "", nil, b.errorf(line, "%s%q: ARG %s has no value (%w); %s", spaced(what), expr, strings.Join(names, ", "), ErrUndefinedArg, b.argAdvice(names))
	}
	if err != nil {
		return "", nil, b.errorf(line, "%s%q: %w: %v", spaced(what), expr, ErrSyntax, err)
	}
	if r.Result == "" {
		if strings.HasSuffix(what, "=") {
			return "", nil, b.errorf(line, "%s%q: %w %q: it expands to nothing; use os/arch such as linux/amd64", what, expr, ErrInvalidPlatform, r.Result)
		}
		return "", nil, b.errorf(line, "%s%q: %w: it expands to nothing; give the ARG it uses a non-empty value", spaced(what), expr, ErrInvalidReference)
	}
	return r.Result, sortedKeys(r.Matched, r.Unmatched), nil
}

// spaced puts a space after an instruction name, not after "--platform=".
func spaced(what string) string {
	if strings.HasSuffix(what, "=") {
		return what
	}
	return what + " "
}

// usable reports whether an expansion with unset variables still produced
// something valid, as `debian:${TAG:-bookworm}` does with TAG unset.
func (b *builder) usable(what, val string) bool {
	if strings.HasSuffix(what, "=") {
		_, err := platform.ParseSpecifier(val)
		return err == nil
	}
	if val == "scratch" {
		return true
	}
	_, err := ParseReference(val)
	return err == nil
}

// argAdvice says how to give each unset variable a value.
func (b *builder) argAdvice(names []string) string {
	var parts []string
	for _, n := range names {
		declared := slices.ContainsFunc(b.args, func(a Arg) bool { return a.Name == n })
		if declared {
			parts = append(parts, fmt.Sprintf("pass --build-arg %s=... or give ARG %s a default", n, n))
		} else {
			parts = append(parts, fmt.Sprintf("declare ARG %s (with a default, or pass --build-arg %s=...) before the first FROM; only ARGs declared there reach FROM", n, n))
		}
	}
	return strings.Join(parts, "; ")
}
