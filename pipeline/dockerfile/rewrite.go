package dockerfile

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/shell"

	"github.com/patchline/patchline/pipeline/reponame"
)

// setter is the index of the global ARG whose value is in effect for name
// (the last one that set it), or -1.
func (d *Dockerfile) setter(name string) int {
	for i := len(d.report.Args) - 1; i >= 0; i-- {
		if a := d.report.Args[i]; a.Name == name && a.Value != nil {
			return i
		}
	}
	return -1
}

// argRewritable reports whether rewriting ARG name's default changes only
// the FROM lines that consist of ${name}: no other global ARG and no other
// FROM or --platform expression builds on it.
func (d *Dockerfile) argRewritable(name string) bool {
	for _, a := range d.report.Args {
		if slices.Contains(a.Uses, name) {
			return false
		}
	}
	for _, st := range d.report.Stages {
		if slices.Contains(st.Args, name) && singleVar(st.Image) != name {
			return false
		}
		if strings.Contains(st.Platform, "$") && strings.Contains(st.Platform, name) {
			return false
		}
	}
	return true
}

// rewrite plans an edit of a site so that it expands to want, trying the
// least invasive change first: replace the reference text, else only its
// digest, else append the digest to the expression. Every candidate is
// checked by expanding it again; a site that cannot be rewritten exactly
// is left alone.
func (p *pinner) rewrite(s site, val, want string, scope *env) bool {
	if !s.found {
		return false
	}
	at, ok := s.line.raw(s.start, s.end)
	if !ok {
		return false
	}
	raw := s.text()
	var candidates []string
	if strings.Count(raw, val) == 1 {
		candidates = append(candidates, strings.Replace(raw, val, want, 1))
	}
	_, oldDigest, pinned := strings.Cut(val, "@")
	_, newDigest, _ := strings.Cut(want, "@")
	if pinned && strings.Count(raw, "@"+oldDigest) == 1 {
		candidates = append(candidates, strings.Replace(raw, "@"+oldDigest, "@"+newDigest, 1))
	}
	if !pinned && strings.HasPrefix(want, val) {
		candidates = append(candidates, raw+want[len(val):])
	}
	lex := p.d.newLex()
	for _, cand := range candidates {
		r, tooLarge, err := expandWord(lex, cand, scope)
		if err != nil || tooLarge || r.Result != want {
			continue
		}
		if prev, ok := p.edits[at]; ok && prev != cand {
			return false
		}
		p.edits[at] = cand
		return true
	}
	return false
}

// newLex returns a lexer for this file's escape character. Lexers keep
// state, so each evaluation gets its own.
func (d *Dockerfile) newLex() *shell.Lex { return shell.NewLex(d.escape) }

// withDigest pins a reference text to dg, keeping its tag. A reference
// with neither tag nor digest gets ":latest" spelled out, so that the pin
// still says which tag a later refresh should follow.
func withDigest(ref, dg string) string {
	if base, _, ok := strings.Cut(ref, "@"); ok {
		return base + "@" + dg
	}
	if !reponame.HasTag(ref) {
		return ref + ":latest@" + dg
	}
	return ref + "@" + dg
}

// applyEdits replaces the planned byte ranges, which must not overlap.
func applyEdits(src []byte, edits map[span]string) ([]byte, error) {
	spans := slices.SortedFunc(maps.Keys(edits), func(a, b span) int { return a.start - b.start })
	var out bytes.Buffer
	last := 0
	for _, sp := range spans {
		if sp.start < last {
			return nil, fmt.Errorf("overlapping rewrites at byte %d", sp.start)
		}
		out.Write(src[last:sp.start])
		out.WriteString(edits[sp])
		last = sp.end
	}
	out.Write(src[last:])
	return out.Bytes(), nil
}
