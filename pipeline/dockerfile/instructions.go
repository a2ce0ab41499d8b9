package dockerfile

import (
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// words are the arguments BuildKit split an instruction into.
func words(n *parser.Node) []string {
	var ws []string
	for x := n.Next; x != nil; x = x.Next {
		ws = append(ws, x.Value)
	}
	return ws
}

// logical returns the node's logical line if it matches what BuildKit saw.
// Lines are rebuilt once per node, however many references they hold.
func (b *builder) logical(n *parser.Node) (logicalLine, bool) {
	if b.lastLine != n.StartLine || b.lastLogical == nil {
		ll := b.src.logical(n.StartLine)
		b.lastLine, b.lastLogical = n.StartLine, &ll
	}
	return *b.lastLogical, b.lastLogical.text == n.Original
}

// from records a FROM line as a stage: its image expression, --platform,
// AS name and location. Expansion waits until all global ARGs are known.
func (b *builder) from(n *parser.Node) error {
	line := n.StartLine
	ws := words(n)
	if len(ws) != 1 && (len(ws) != 3 || !strings.EqualFold(ws[1], "as")) {
		return b.errorf(line, "FROM %q: %w: FROM takes an image and an optional stage name: FROM [--platform=<platform>] <image> [AS <name>]",
			strings.Join(ws, " "), ErrSyntax)
	}
	st := Stage{Index: len(b.stages), Line: line, Image: ws[0], BaseStage: -1}
	seenPlatform := false
	for _, f := range n.Flags {
		name, val, hasVal := strings.Cut(strings.TrimPrefix(f, "--"), "=")
		switch {
		case name != "platform":
			return b.errorf(line, "FROM flag %q: %w: FROM accepts only --platform=<platform>", f, ErrSyntax)
		case !hasVal:
			return b.errorf(line, "FROM flag %q: %w: write --platform=<platform>, with '='", f, ErrSyntax)
		case seenPlatform:
			return b.errorf(line, "FROM flag %q: %w: --platform is given twice", f, ErrSyntax)
		}
		seenPlatform = true
		st.Platform = val
		if val == "" {
			return b.errorf(line, "FROM --platform=%q: %w %q: it is empty; use os/arch such as linux/amd64", val, ErrInvalidPlatform, val)
		}
	}
	if len(ws) == 3 {
		st.Name = strings.ToLower(ws[2])
		if !validStageName.MatchString(st.Name) {
			return b.errorf(line, "AS %q: %w: a stage name starts with a letter and contains only letters, digits, '-', '_' and '.'",
				ws[2], ErrInvalidStageName)
		}
		if j, dup := b.byName[st.Name]; dup {
			return b.errorf(line, "AS %q: %w: stage %q is already defined on line %d; rename one of them",
				ws[2], ErrDuplicateStage, st.Name, b.stages[j].Line)
		}
		b.byName[st.Name] = st.Index
	}
	s := site{}
	if ll, ok := b.logical(n); ok {
		if at, ok := locateTail(ll.text, ws); ok {
			s = site{line: ll, start: at[0], end: at[0] + len(ws[0]), found: true}
		}
	}
	b.stages = append(b.stages, st)
	b.fromSites = append(b.fromSites, s)
	b.deps = append(b.deps, map[int]bool{})
	return nil
}

// metaArg records a global ARG (one before the first FROM), one entry per
// NAME[=default] word, with where its default sits for Pin.
func (b *builder) metaArg(n *parser.Node) error {
	ws := words(n)
	if len(ws) == 0 {
		return b.errorf(n.StartLine, "ARG %w: it needs a name: ARG <name>[=<default>]", ErrSyntax)
	}
	var at []int
	ll, ok := b.logical(n)
	if ok {
		at, ok = locateTail(ll.text, ws)
	}
	for i, w := range ws {
		key, def := argKeyValue(w)
		if key == "" {
			return b.errorf(n.StartLine, "ARG %q: %w: the name before '=' is empty", w, ErrSyntax)
		}
		s := site{}
		if ok && def != nil {
			start := at[i] + len(key) + 1
			s = site{line: ll, start: start, end: start + len(*def), found: len(*def) > 0}
		}
		b.args = append(b.args, Arg{Name: key, Line: n.StartLine, Default: def})
		b.argSites = append(b.argSites, s)
	}
	return nil
}

// flagSites pairs the node's flags with their words in the logical line,
// when BuildKit's flag list and the words agree.
func (b *builder) flagSites(n *parser.Node) (logicalLine, []flagWord) {
	ll, ok := b.logical(n)
	if !ok {
		return ll, nil
	}
	words := flagWords(ll.text, b.src.escape)
	if len(words) != len(n.Flags) {
		return ll, nil
	}
	for i, w := range words {
		if w.plain && ll.text[w.start:w.end] != n.Flags[i] {
			return ll, nil
		}
	}
	return ll, words
}

// copyFrom records COPY --from. BuildKit does not expand variables there.
func (b *builder) copyFrom(n *parser.Node) error {
	ll, words := b.flagSites(n)
	seen := false
	for i, f := range n.Flags {
		name, val, hasVal := strings.Cut(strings.TrimPrefix(f, "--"), "=")
		if name != "from" {
			continue
		}
		if seen {
			return b.errorf(n.StartLine, "COPY %q: %w: --from is given twice", f, ErrSyntax)
		}
		seen = true
		if !hasVal {
			return b.errorf(n.StartLine, "COPY %q: %w: write --from=<stage or image>, with '='", f, ErrSyntax)
		}
		if val == "" {
			continue
		}
		if r, err := b.lex.ProcessWordWithMatches(val, newEnv()); err != nil || r.Result != val {
			return b.errorf(n.StartLine, "COPY --from=%q: %w: BuildKit does not expand variables there; add a stage `FROM %s AS <name>` and copy --from=<name>",
				val, ErrVariableInFrom, val)
		}
		s := site{}
		if words != nil && words[i].plain {
			s = site{line: ll, start: words[i].end - len(val), end: words[i].end, found: true}
		}
		b.refs = append(b.refs, pendingRef{kind: UseCopyFrom, line: n.StartLine, stage: len(b.stages) - 1, value: val, site: s})
	}
	return nil
}

// runMounts records the from= of RUN --mount flags.
func (b *builder) runMounts(n *parser.Node) error {
	ll, words := b.flagSites(n)
	for i, f := range n.Flags {
		name, val, hasVal := strings.Cut(strings.TrimPrefix(f, "--"), "=")
		if name != "mount" {
			continue
		}
		if !hasVal {
			return b.errorf(n.StartLine, "RUN %q: %w: write --mount=type=<type>,..., with '='", f, ErrSyntax)
		}
		fields, err := csvFields(val)
		if err != nil {
			return b.errorf(n.StartLine, "RUN --mount=%q: %w: %v", val, ErrSyntax, err)
		}
		// In a plain word there are no quotes, so its fields are exactly
		// the comma-separated pieces after "--mount=".
		offset := -1
		if words != nil && words[i].plain {
			offset = words[i].start + len("--mount=")
		}
		for _, field := range fields {
			k, v, ok := strings.Cut(field, "=")
			at := offset
			if offset >= 0 {
				offset += len(field) + 1
			}
			if !ok || strings.ToLower(k) != "from" || v == "" {
				continue
			}
			if i := strings.IndexByte(v, '$'); i >= 0 && i != len(v)-1 {
				return b.errorf(n.StartLine, "RUN --mount from=%q: %w: BuildKit does not expand variables there; add a stage `FROM %s AS <name>` and mount from=<name>",
					v, ErrVariableInFrom, v)
			}
			s := site{}
			if at >= 0 {
				s = site{line: ll, start: at + len(k) + 1, end: at + len(field), found: true}
			}
			b.refs = append(b.refs, pendingRef{kind: UseMountFrom, line: n.StartLine, stage: len(b.stages) - 1, value: v, site: s})
		}
	}
	return nil
}
