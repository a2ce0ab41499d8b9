package dockerfile

import (
	"fmt"
	"slices"
	"testing"
)

// stageLine summarises a stage for table comparisons.
func stageLine(s Stage) string {
	what := s.Ref.String()
	switch s.Kind {
	case BaseStage:
		what = fmt.Sprintf("stage %d", s.BaseStage)
	case BaseScratch:
		what = "scratch"
	}
	reach := ""
	if !s.Reachable {
		reach = " (unused)"
	}
	plat := ""
	if s.ExpandedPlatform != "" {
		plat = " on " + s.ExpandedPlatform
	}
	return fmt.Sprintf("%d %s: %s%s%s", s.Line, s.Name, what, plat, reach)
}

func refStrings(refs []Reference) []string {
	out := []string{}
	for _, r := range refs {
		out = append(out, r.String())
	}
	return out
}

func TestReport(t *testing.T) {
	const (
		d1 = "sha256:1111111111111111111111111111111111111111111111111111111111111111"
		d2 = "sha256:2222222222222222222222222222222222222222222222222222222222222222"
		d3 = "sha256:3333333333333333333333333333333333333333333333333333333333333333"
	)
	tests := []struct {
		name       string
		file       string
		src        string // used instead of file when set
		opts       []Option
		wantRefs   []string
		wantBase   string
		wantTarget string
		wantStages []string
	}{
		{
			name:       "single stage",
			file:       "single.Dockerfile",
			wantRefs:   []string{"docker.io/library/debian:bookworm-slim"},
			wantBase:   "docker.io/library/debian:bookworm-slim",
			wantStages: []string{"1 : docker.io/library/debian:bookworm-slim"},
		},
		{
			name:       "builder and distroless runtime",
			file:       "multistage.Dockerfile",
			wantRefs:   []string{"docker.io/library/golang:1.26", "gcr.io/distroless/static-debian12:latest"},
			wantBase:   "gcr.io/distroless/static-debian12:latest",
			wantStages: []string{"4 build: docker.io/library/golang:1.26", "12 : gcr.io/distroless/static-debian12:latest"},
		},
		{
			name:       "ARG defaults",
			file:       "args.Dockerfile",
			wantRefs:   []string{"docker.io/library/golang:1.26", "docker.io/library/debian:bookworm-slim"},
			wantBase:   "docker.io/library/debian:bookworm-slim",
			wantStages: []string{"5 build: docker.io/library/golang:1.26", "9 : docker.io/library/debian:bookworm-slim"},
		},
		{
			name:       "ARG overridden by build args",
			file:       "args.Dockerfile",
			opts:       []Option{WithBuildArgs(map[string]string{"BASE": "ubuntu:24.04", "GO_VERSION": "1.25"})},
			wantRefs:   []string{"docker.io/library/golang:1.25", "docker.io/library/ubuntu:24.04"},
			wantBase:   "docker.io/library/ubuntu:24.04",
			wantStages: []string{"5 build: docker.io/library/golang:1.25", "9 : docker.io/library/ubuntu:24.04"},
		},
		{
			name:       "build arg for an undeclared ARG does not reach FROM",
			src:        "FROM ${BASE:-debian:bookworm-slim}\n",
			opts:       []Option{WithBuildArgs(map[string]string{"BASE": "ubuntu:24.04"})},
			wantRefs:   []string{"docker.io/library/debian:bookworm-slim"},
			wantBase:   "docker.io/library/debian:bookworm-slim",
			wantStages: []string{"1 : docker.io/library/debian:bookworm-slim"},
		},
		{
			name:     "platform args",
			file:     "platform.Dockerfile",
			opts:     []Option{WithBuildPlatform("linux/amd64"), WithTargetPlatform("linux/arm64")},
			wantRefs: []string{"docker.io/library/golang:1.26-alpine", "docker.io/library/alpine:3.22"},
			wantBase: "docker.io/library/alpine:3.22",
			wantStages: []string{
				"1 build: docker.io/library/golang:1.26-alpine on linux/amd64",
				"5 arm-tools: docker.io/library/alpine:3.22 on linux/arm64 (unused)",
				"7 : docker.io/library/alpine:3.22 on linux/arm64",
			},
		},
		{
			name:     "already pinned",
			file:     "pinned.Dockerfile",
			opts:     []Option{WithTarget("digest-only")},
			wantRefs: []string{"docker.io/library/debian@" + d3},
			wantBase: "docker.io/library/debian@" + d3,
			wantStages: []string{
				"1 build: docker.io/library/golang:1.26@" + d1 + " (unused)",
				"4 : docker.io/library/debian:bookworm-slim@" + d2 + " (unused)",
				"7 digest-only: docker.io/library/debian@" + d3,
			},
		},
		{
			name:       "scratch has no base",
			file:       "scratch.Dockerfile",
			wantRefs:   []string{"docker.io/library/golang:1.26"},
			wantStages: []string{"1 build: docker.io/library/golang:1.26", "4 : scratch"},
		},
		{
			name:       "stage references lead back to the external base",
			file:       "stageref.Dockerfile",
			wantRefs:   []string{"docker.io/library/alpine:3.22"},
			wantBase:   "docker.io/library/alpine:3.22",
			wantStages: []string{"1 base: docker.io/library/alpine:3.22", "4 deps: stage 0", "7 : stage 1"},
		},
		{
			name:       "target selects an earlier stage",
			file:       "target.Dockerfile",
			opts:       []Option{WithTarget("TEST")},
			wantRefs:   []string{"docker.io/library/golang:1.26"},
			wantBase:   "docker.io/library/golang:1.26",
			wantTarget: "test",
			wantStages: []string{
				"1 build: docker.io/library/golang:1.26",
				"4 test: docker.io/library/golang:1.26",
				"8 assets: docker.io/library/node:22 (unused)",
				"11 release: gcr.io/distroless/static-debian12:latest (unused)",
			},
		},
		{
			name:       "default target is the last stage",
			file:       "target.Dockerfile",
			wantRefs:   []string{"docker.io/library/golang:1.26", "gcr.io/distroless/static-debian12:latest"},
			wantBase:   "gcr.io/distroless/static-debian12:latest",
			wantTarget: "release",
			wantStages: []string{
				"1 build: docker.io/library/golang:1.26",
				"4 test: docker.io/library/golang:1.26 (unused)",
				"8 assets: docker.io/library/node:22 (unused)",
				"11 release: gcr.io/distroless/static-debian12:latest",
			},
		},
		{
			name: "COPY --from and RUN --mount=from images",
			file: "copyfrom.Dockerfile",
			wantRefs: []string{
				"docker.io/library/alpine:3.22", "docker.io/library/busybox:1.37",
				"ghcr.io/example/tools:v2", "docker.io/library/golang:1.26",
			},
			wantBase:   "docker.io/library/alpine:3.22",
			wantStages: []string{"1 : docker.io/library/alpine:3.22"},
		},
		{
			name:       "CRLF line endings",
			file:       "crlf.Dockerfile",
			wantRefs:   []string{"docker.io/library/debian:bookworm-slim", "docker.io/library/alpine:3.22"},
			wantBase:   "docker.io/library/debian:bookworm-slim",
			wantStages: []string{"3 base: docker.io/library/debian:bookworm-slim", "7 : stage 0"},
		},
		{
			name:       "heredocs hide their FROM lines",
			file:       "heredoc.Dockerfile",
			wantRefs:   []string{"docker.io/library/python:3.13-slim"},
			wantBase:   "docker.io/library/python:3.13-slim",
			wantStages: []string{"2 build: docker.io/library/python:3.13-slim", "14 : docker.io/library/python:3.13-slim"},
		},
		{
			name:       "comments and continuations",
			file:       "comments.Dockerfile",
			wantRefs:   []string{"docker.io/library/golang:1.26", "docker.io/library/debian:bookworm-slim"},
			wantBase:   "docker.io/library/debian:bookworm-slim",
			wantStages: []string{"6 build: docker.io/library/golang:1.26 on linux/amd64", "13 : docker.io/library/debian:bookworm-slim"},
		},
		{
			name:       "backtick escape",
			file:       "escape.Dockerfile",
			wantRefs:   []string{"mcr.microsoft.com/windows/servercore:ltsc2022"},
			wantBase:   "mcr.microsoft.com/windows/servercore:ltsc2022",
			wantStages: []string{"3 : mcr.microsoft.com/windows/servercore:ltsc2022 on windows/amd64"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := []byte(tt.src)
			if tt.src == "" {
				src = readFile(t, tt.file)
			}
			rep := mustParse(t, src, tt.opts...).Report()
			if got := refStrings(rep.References); !slices.Equal(got, tt.wantRefs) {
				t.Errorf("References = %q, want %q", got, tt.wantRefs)
			}
			gotBase := ""
			if rep.Base != nil {
				gotBase = rep.Base.String()
			}
			if gotBase != tt.wantBase {
				t.Errorf("Base = %q, want %q", gotBase, tt.wantBase)
			}
			if tt.wantTarget != "" && rep.Target != tt.wantTarget {
				t.Errorf("Target = %q, want %q", rep.Target, tt.wantTarget)
			}
			var stages []string
			for _, s := range rep.Stages {
				stages = append(stages, stageLine(s))
			}
			if !slices.Equal(stages, tt.wantStages) {
				t.Errorf("Stages =\n  %q\nwant\n  %q", stages, tt.wantStages)
			}
		})
	}
}

// TestReportPinStatus checks the per-FROM "already pinned, and to what".
func TestReportPinStatus(t *testing.T) {
	rep := mustParse(t, readFile(t, "pinned.Dockerfile")).Report()
	want := []struct {
		pinned bool
		digest string
		tag    string
	}{
		{true, digest('1'), "1.26"},
		{true, digest('2'), "bookworm-slim"},
		{true, digest('3'), ""},
	}
	for i, s := range rep.Stages {
		if pinned := s.Ref.Digest != ""; pinned != want[i].pinned || s.Ref.Digest != want[i].digest || s.Ref.Tag != want[i].tag {
			t.Errorf("stage %d: pinned=%v digest=%q tag=%q, want %+v", i, pinned, s.Ref.Digest, s.Ref.Tag, want[i])
		}
	}
	single := mustParse(t, readFile(t, "single.Dockerfile")).Report()
	if single.Stages[0].Ref.Digest != "" {
		t.Errorf("single.Dockerfile FROM reported as pinned: %+v", single.Stages[0].Ref)
	}
}

// TestReportArgs checks that ARG evaluation follows BuildKit: overrides
// win, defaults expand earlier ARGs, and Report says which value came from
// where.
func TestReportArgs(t *testing.T) {
	src := []byte("ARG REG=docker.io\nARG IMAGE=${REG}/library/debian\nARG TAG\nARG TAG=bookworm\nFROM ${IMAGE}:${TAG}\n")
	rep := mustParse(t, src, WithBuildArgs(map[string]string{"REG": "mirror.example.com"})).Report()
	if got, want := rep.Stages[0].Expanded, "mirror.example.com/library/debian:bookworm"; got != want {
		t.Errorf("Expanded = %q, want %q", got, want)
	}
	if got, want := rep.Stages[0].Args, []string{"IMAGE", "TAG"}; !slices.Equal(got, want) {
		t.Errorf("Args = %q, want %q", got, want)
	}
	if !rep.Args[0].Overridden || *rep.Args[0].Value != "mirror.example.com" {
		t.Errorf("REG = %+v, want overridden", rep.Args[0])
	}
	if rep.Args[2].Value != nil {
		t.Errorf("ARG TAG without default has value %q", *rep.Args[2].Value)
	}
	if got, want := rep.Args[1].Uses, []string{"REG"}; !slices.Equal(got, want) {
		t.Errorf("IMAGE uses %q, want %q", got, want)
	}
}

// TestReportIsACopy checks that a caller cannot change a Dockerfile through
// its report.
func TestReportIsACopy(t *testing.T) {
	df := mustParse(t, readFile(t, "args.Dockerfile"))
	rep := df.Report()
	rep.References[0].Tag = "changed"
	rep.Stages[0].Args[0] = "changed"
	*rep.Args[0].Value = "changed"
	rep.Base.Tag = "changed"
	again := df.Report()
	if again.References[0].Tag == "changed" || again.Stages[0].Args[0] == "changed" ||
		*again.Args[0].Value == "changed" || again.Base.Tag == "changed" {
		t.Fatal("changing a Report changed the Dockerfile")
	}
}
