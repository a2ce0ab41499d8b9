package dockerfile

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

var update = flag.Bool("update", false, "rewrite the golden .pinned files in testdata")

// readFile reads a file of testdata.
func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fakeDigest is a stable, valid digest derived from a reference key, so
// tests and fuzzers can "resolve" without a registry.
func fakeDigest(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// digestsForAll resolves every use of the file, reachable or not.
func digestsForAll(df *Dockerfile) Digests {
	ds := Digests{}
	for _, u := range df.Report().Uses {
		ds[u.Ref.Key()] = fakeDigest(u.Ref.Key())
	}
	return ds
}

// mustParse parses or fails the test.
func mustParse(t testing.TB, src []byte, opts ...Option) *Dockerfile {
	t.Helper()
	df, err := Parse(src, opts...)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return df
}

// digest returns a valid digest made of one repeated hex character.
func digest(c byte) string {
	b := make([]byte, 64)
	for i := range b {
		b[i] = c
	}
	return "sha256:" + string(b)
}

// pinText matches what Pin may add to or change in a line.
var pinText = regexp.MustCompile(`(:latest)?@sha(256:[0-9a-f]{64}|512:[0-9a-f]{128})`)

// checkOnlyReferenceLines fails unless every line that differs between src
// and out belongs to a FROM, a global ARG, a COPY or a RUN instruction (not
// to heredoc bodies) and differs only by pins.
func checkOnlyReferenceLines(t testing.TB, src, out []byte) {
	t.Helper()
	allowed := referenceLines(t, src)
	in := bytes.Split(src, []byte("\n"))
	got := bytes.Split(out, []byte("\n"))
	if len(in) != len(got) {
		t.Fatalf("pinning changed the number of lines from %d to %d", len(in), len(got))
	}
	for i := range in {
		if bytes.Equal(in[i], got[i]) {
			continue
		}
		if !allowed[i+1] {
			t.Errorf("line %d changed but holds no image reference:\n  %q\n  %q", i+1, in[i], got[i])
			continue
		}
		a := pinText.ReplaceAll(in[i], nil)
		b := pinText.ReplaceAll(got[i], nil)
		if !bytes.Equal(a, b) {
			t.Errorf("line %d changed by more than a pin:\n  %q\n  %q", i+1, in[i], got[i])
		}
	}
}

// referenceLines returns the 1-based lines of the logical lines of FROM,
// COPY, RUN and global ARG instructions.
func referenceLines(t testing.TB, src []byte) map[int]bool {
	t.Helper()
	res, err := parser.Parse(bytes.NewReader(src))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	s := newSource(src, res.EscapeToken)
	lines := map[int]bool{}
	seenFrom := false
	for _, n := range res.AST.Children {
		cmd := strings.ToLower(n.Value)
		seenFrom = seenFrom || cmd == "from"
		if cmd != "from" && cmd != "copy" && cmd != "run" && (cmd != "arg" || seenFrom) {
			continue
		}
		ll := s.logical(n.StartLine)
		for _, sg := range ll.segs {
			line, _ := slices.BinarySearch(s.lines, sg.raw+1)
			lines[line] = true
		}
	}
	return lines
}
