package dockerfile

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestLargeInputs covers inputs that once made parsing quadratic (long
// continuations, many references on one line) and a pin that would push a
// line past BuildKit's line limit, which must be refused, not written.
func TestLargeInputs(t *testing.T) {
	var stages strings.Builder
	stages.WriteString("FROM alpine:3.22 AS s0\n")
	for i := 1; i < 500; i++ {
		fmt.Fprintf(&stages, "FROM s%d AS s%d\n", i-1, i)
	}
	tests := []struct {
		name string
		src  string
		want error
	}{
		{"long continuation", "FROM \\\n" + strings.Repeat("  \\\n", 20000) + "alpine\n", nil},
		{"many FROMs", strings.Repeat("FROM alpine:3\n", 2000), nil},
		{"many ARGs", strings.Repeat("ARG A=b\n", 2000) + "FROM $A\n", nil},
		{"stage chain", stages.String(), nil},
		{"many mounts", "FROM alpine\nRUN " + strings.Repeat("--mount=from=busybox:1,target=/x ", 300) + "true\n", nil},
		{"pin past the line limit", "FROM alpine\nRUN " + strings.Repeat("--mount=from=busybox:1,target=/x ", 1000) + "true\n", ErrSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			df := mustParse(t, []byte(tt.src))
			res, err := df.Pin(digestsForAll(df))
			if !errors.Is(err, tt.want) {
				t.Fatalf("Pin: %v, want %v", err, tt.want)
			}
			if err != nil {
				if !strings.Contains(err.Error(), "Dockerfile:2:") || !strings.Contains(err.Error(), "line continuations") {
					t.Errorf("message %q does not locate and explain the problem", err)
				}
				return
			}
			checkOnlyReferenceLines(t, []byte(tt.src), res.Dockerfile)
		})
	}
}

// argBomb is n lines of ARG An=${An-1}${An-1}: a file of a few hundred
// bytes whose last ARG expands to 2^n characters.
func argBomb(n int, use string) string {
	var sb strings.Builder
	sb.WriteString("ARG A0=x\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&sb, "ARG A%d=${A%d}${A%d}\n", i, i-1, i-1)
	}
	sb.WriteString("FROM " + use + "\n")
	return sb.String()
}

// An ARG whose expansion would grow past MaxExpansion is refused at the
// line that does it, naming the ARG, instead of being expanded; so is a
// FROM line that repeats a large value, and a build arg cannot lift the
// cap either.
func TestExpansionIsCapped(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		opts      []Option
		line      string
	}{
		{"doubling ARGs", argBomb(31, "alpine"), nil, "Dockerfile:18:"},
		{"doubling ARGs, never used", argBomb(24, "alpine:3"), nil, "Dockerfile:18:"},
		{"FROM repeating a value", "ARG T=" + strings.Repeat("t", 60000) + "\nFROM alpine:${T}${T}${T}\n", nil, "Dockerfile:2:"},
		{"many references on one line", "ARG T=" + strings.Repeat("t", 1000) + "\nARG U=" + strings.Repeat("${T}", 5000) + "\nFROM alpine\n", nil, "Dockerfile:2:"},
		{"build arg", "ARG T\nARG U=${T}${T}\nFROM alpine\n", []Option{WithBuildArgs(map[string]string{"T": strings.Repeat("t", 40000)})}, "Dockerfile:2:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.src), tc.opts...)
			if !errors.Is(err, ErrTooLarge) {
				t.Fatalf("err = %v, want ErrTooLarge", err)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.line) || !strings.Contains(msg, "ARG") && !strings.Contains(msg, "FROM") || len(msg) > 1000 {
				t.Errorf("message does not locate the problem in a readable length (%d bytes): %.300s", len(msg), msg)
			}
		})
	}
	// Below the cap, expansion is as before.
	df := mustParse(t, []byte(argBomb(10, "alpine:${A3}")))
	if got := df.Report().Stages[0].Expanded; got != "alpine:xxxxxxxx" {
		t.Errorf("expanded %q", got)
	}
}

// manyStages is a Dockerfile of n stages, each built on the one before
// and copying from the first, with global ARGs in between.
func manyStages(n int) []byte {
	var sb strings.Builder
	sb.WriteString("ARG BASE=alpine:3.22\nFROM ${BASE} AS s0\n")
	for i := 1; i < n; i++ {
		fmt.Fprintf(&sb, "FROM s%d AS s%d\nCOPY --from=s0 /a /b\n", i-1, i)
	}
	return []byte(sb.String())
}

// A file of 10,000 stages parses and pins; BenchmarkManyStages measures
// how long that takes (it once grew with the square of the stage count).
func TestManyStages(t *testing.T) {
	df := mustParse(t, manyStages(10000))
	if n := len(df.Report().Stages); n != 10000 {
		t.Fatalf("%d stages", n)
	}
	if _, err := df.Pin(digestsForAll(df)); err != nil {
		t.Fatal(err)
	}
}

// A file past MaxFileSize is refused before it is parsed.
func TestFileSizeIsCapped(t *testing.T) {
	src := manyStages(30000)
	if len(src) <= MaxFileSize {
		t.Fatalf("the test file is only %d bytes", len(src))
	}
	_, err := Parse(src)
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "KiB") {
		t.Errorf("err = %v, want ErrTooLarge", err)
	}
}

func BenchmarkManyStages(b *testing.B) {
	src := manyStages(10000)
	for b.Loop() {
		df, err := Parse(src)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := df.Pin(digestsForAll(df)); err != nil {
			b.Fatal(err)
		}
	}
}
