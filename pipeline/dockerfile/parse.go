package dockerfile

import (
	"bytes"
	"errors"
	"regexp"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// Dockerfile is a parsed Dockerfile evaluated for one set of build args,
// platforms and target. It is immutable: Pin returns new bytes and leaves
// the Dockerfile as it was.
type Dockerfile struct {
	report   Report
	opts     options
	src      *source
	escape   rune
	scope    *env   // global ARG scope, the one FROM lines expand in
	argSites []site // per report.Args: the default value's text
	argLits  []bool // per report.Args: the default contains no variable
	useSites []site // per report.Uses: the reference text
}

// knownInstructions are the instructions BuildKit accepts. Its parser
// ignores anything else and the build then fails, so a typo such as
// "FORM debian" is reported here, at parse time.
var knownInstructions = map[string]bool{
	"add": true, "arg": true, "cmd": true, "copy": true, "entrypoint": true,
	"env": true, "expose": true, "from": true, "healthcheck": true,
	"label": true, "maintainer": true, "onbuild": true, "run": true,
	"shell": true, "stopsignal": true, "user": true, "volume": true,
	"workdir": true,
}

// validStageName is BuildKit's rule for AS names.
var validStageName = regexp.MustCompile(`^[a-z][a-z0-9-_.]*$`)

// MaxFileSize is the largest Dockerfile Parse reads. Real Dockerfiles are
// a few kilobytes; the cap keeps the time a hostile one takes bounded
// (parsing is linear: a file of 10,000 stages, about 400 KB, parses and
// pins in a fraction of a second; see BenchmarkManyStages).
const MaxFileSize = 1 << 20

// Parse parses a Dockerfile with BuildKit's parser and evaluates its FROM
// lines the way BuildKit would for the given options: global ARGs with
// build-arg overrides, variable expansion, stage references, --platform and
// --target. Every problem comes back as an *Error naming the file and line.
func Parse(src []byte, opts ...Option) (*Dockerfile, error) {
	o, err := makeOptions(opts...)
	if err != nil {
		return nil, err
	}
	if len(src) > MaxFileSize {
		return nil, errorf(o.filename, 0, "the file is %d KiB, more than the %d KiB a Dockerfile may have here (%w); check that --dockerfile names the Dockerfile", len(src)>>10, MaxFileSize>>10, ErrTooLarge)
	}
	src = bytes.Clone(src) // the caller may reuse its buffer
	res, err := parser.Parse(bytes.NewReader(src))
	if err != nil {
		return nil, parseError(o.filename, err)
	}
	b := &builder{
		o:      o,
		src:    newSource(src, res.EscapeToken),
		lex:    shell.NewLex(res.EscapeToken),
		byName: map[string]int{},
	}
	for _, n := range res.AST.Children {
		if err := b.instruction(n); err != nil {
			return nil, err
		}
	}
	if len(b.stages) == 0 {
		return nil, errorf(o.filename, 0, "the file has %w; start the build with FROM <image> (or FROM scratch)", ErrNoFrom)
	}
	if err := b.evalArgs(); err != nil {
		return nil, err
	}
	if err := b.evalStages(); err != nil {
		return nil, err
	}
	if err := b.evalRefs(); err != nil {
		return nil, err
	}
	target, err := b.target()
	if err != nil {
		return nil, err
	}
	if err := b.checkCycles(); err != nil {
		return nil, err
	}
	return b.finish(target, res.EscapeToken), nil
}

// parseError turns an error from BuildKit's parser into an *Error.
func parseError(file string, err error) error {
	line := 0
	var le *parser.LocationError
	if errors.As(err, &le) && len(le.Locations) > 0 && len(le.Locations[0]) > 0 {
		line = le.Locations[0][0].Start.Line
	}
	// BuildKit locates parser-directive errors (# escape=, # syntax=) by
	// their 0-based line index, and everything else 1-based.
	if msg := err.Error(); strings.Contains(msg, "escape token") || strings.Contains(msg, "parser directive") {
		line++
	}
	if strings.Contains(err.Error(), "file with no instructions") {
		return errorf(file, 0, "the file has no instructions, so %w; start it with FROM <image>", ErrNoFrom)
	}
	return errorf(file, line, "%w: %v", ErrSyntax, err)
}

// builder collects the pieces of a Dockerfile while Parse walks the AST.
type builder struct {
	o         options
	src       *source
	lex       *shell.Lex
	args      []Arg
	argSites  []site
	argLits   []bool
	stages    []Stage
	byName    map[string]int // stage name -> index, for lookups in constant time
	fromSites []site
	refs      []pendingRef
	deps      []map[int]bool // per stage: stages it needs
	stageArgs []string       // names of ARGs declared inside stages
	scope     *env

	lastLine    int          // StartLine of lastLogical
	lastLogical *logicalLine // the logical line of the current node
}

// pendingRef is a COPY --from or RUN --mount=from value, resolved to a
// stage or an image once every stage is known (COPY --from may name a
// later stage).
type pendingRef struct {
	kind  UseKind
	line  int
	stage int
	value string
	site  site
}

func (b *builder) errorf(line int, format string, args ...any) error {
	return errorf(b.o.filename, line, format, args...)
}

// instruction records what one instruction contributes.
func (b *builder) instruction(n *parser.Node) error {
	cmd := strings.ToLower(n.Value)
	if !knownInstructions[cmd] {
		return b.errorf(n.StartLine, "unknown instruction %q (%w); check its spelling", n.Value, ErrSyntax)
	}
	switch {
	case cmd == "from":
		return b.from(n)
	case len(b.stages) == 0 && cmd == "arg":
		return b.metaArg(n)
	case len(b.stages) == 0:
		return b.errorf(n.StartLine, "%s before the first FROM (%w); only ARG may come before FROM, so move it below a FROM line",
			strings.ToUpper(n.Value), ErrSyntax)
	case cmd == "arg":
		for _, w := range words(n) {
			if k, _ := argKeyValue(w); k != "" {
				b.stageArgs = append(b.stageArgs, k)
			}
		}
		return nil
	case cmd == "copy":
		return b.copyFrom(n)
	case cmd == "run":
		return b.runMounts(n)
	}
	return nil
}
