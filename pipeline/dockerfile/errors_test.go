package dockerfile

import (
	"errors"
	"strings"
	"testing"
)

// TestMalformed checks that each malformed input is refused with the right
// sentinel, the file and line, the offending value, and a hint.
func TestMalformed(t *testing.T) {
	tests := []struct {
		name string
		src  string
		opts []Option
		want error
		msgs []string // substrings the message must contain
	}{
		{
			name: "no FROM at all",
			src:  "ARG BASE=debian\nARG TAG=12\n",
			want: ErrNoFrom,
			msgs: []string{"Dockerfile: ", "FROM <image>"},
		},
		{
			name: "empty file",
			src:  "# just a comment\n\n",
			want: ErrNoFrom,
			msgs: []string{"Dockerfile: ", "no instructions"},
		},
		{
			name: "ARG without value used in FROM",
			src:  "ARG BASE\nFROM ${BASE}\n",
			want: ErrUndefinedArg,
			msgs: []string{"Dockerfile:2:", `"${BASE}"`, "pass --build-arg BASE=... or give ARG BASE a default"},
		},
		{
			name: "variable never declared as ARG",
			src:  "FROM ${BASE}\n",
			opts: []Option{WithBuildArgs(map[string]string{"BASE": "debian:12"})},
			want: ErrUndefinedArg,
			msgs: []string{"Dockerfile:1:", `"${BASE}"`, "declare ARG BASE", "before the first FROM"},
		},
		{
			name: "partly undefined expression",
			src:  "ARG TAG=12\nFROM $REGISTRY/debian:$TAG\n",
			want: ErrUndefinedArg,
			msgs: []string{"Dockerfile:2:", `"$REGISTRY/debian:$TAG"`, "ARG REGISTRY has no value"},
		},
		{
			name: "target that does not exist",
			src:  "FROM golang:1.26 AS build\nFROM alpine:3.22 AS test\nFROM scratch\n",
			opts: []Option{WithTarget("tset")},
			want: ErrUnknownTarget,
			msgs: []string{`target "tset"`, `stages are: "build", "test"`},
		},
		{
			name: "COPY --from neither stage nor image",
			src:  "FROM alpine:3.22 AS build\nFROM scratch\nCOPY --from=Buidl!x /a /b\n",
			want: ErrUnknownStage,
			msgs: []string{"Dockerfile:3:", `COPY --from="Buidl!x"`, `stages are: "build"`},
		},
		{
			name: "COPY --from stage index out of range",
			src:  "FROM alpine:3.22\nCOPY --from=3 /a /b\n",
			want: ErrUnknownStage,
			msgs: []string{"Dockerfile:2:", `"3"`, "numbered from 0 to 0"},
		},
		{
			name: "invalid image reference",
			src:  "FROM Debian:Bookworm\n",
			want: ErrInvalidReference,
			msgs: []string{"Dockerfile:1:", `"Debian:Bookworm"`, "lowercase"},
		},
		{
			name: "invalid reference from an ARG",
			src:  "ARG BASE=\"debian:book worm\"\nFROM ${BASE}\n",
			want: ErrInvalidReference,
			msgs: []string{"Dockerfile:2:", `"${BASE}"`, `expands to "debian:book worm"`},
		},
		{
			name: "FROM names a stage defined below it",
			src:  "FROM build\nFROM golang:1.26 AS build\n",
			want: nil, // valid: "build" is the Docker Hub image library/build
		},
		{
			name: "bad --platform value",
			src:  "FROM --platform=linux/amd64/v8/extra debian:12\n",
			want: ErrInvalidPlatform,
			msgs: []string{"Dockerfile:1:", `"linux/amd64/v8/extra"`, "os/arch"},
		},
		{
			name: "unknown single-word platform",
			src:  "FROM --platform=amd46 debian:12\n",
			want: ErrInvalidPlatform,
			msgs: []string{`"amd46"`, "neither a known operating system nor a known architecture"},
		},
		{
			name: "undefined --platform variable",
			src:  "FROM --platform=$PLATFROM debian:12\n",
			want: ErrUndefinedArg,
			msgs: []string{`--platform="$PLATFROM"`, "ARG PLATFROM has no value"},
		},
		{
			name: "duplicate stage names",
			src:  "FROM golang:1.26 AS build\nFROM alpine:3.22 AS Build\n",
			want: ErrDuplicateStage,
			msgs: []string{"Dockerfile:2:", `"Build"`, "already defined on line 1"},
		},
		{
			name: "invalid stage name",
			src:  "FROM golang:1.26 AS 1st\n",
			want: ErrInvalidStageName,
			msgs: []string{"Dockerfile:1:", `"1st"`, "starts with a letter"},
		},
		{
			name: "FROM with too many words",
			src:  "FROM debian:12 debian:13\n",
			want: ErrSyntax,
			msgs: []string{"Dockerfile:1:", `"debian:12 debian:13"`, "FROM [--platform=<platform>] <image> [AS <name>]"},
		},
		{
			name: "unknown FROM flag",
			src:  "FROM --plattform=linux/amd64 debian:12\n",
			want: ErrSyntax,
			msgs: []string{`"--plattform=linux/amd64"`, "only --platform"},
		},
		{
			name: "misspelt instruction",
			src:  "FORM debian:12\n",
			want: ErrSyntax,
			msgs: []string{"Dockerfile:1:", `"FORM"`, "spelling"},
		},
		{
			name: "instruction before FROM",
			src:  "# syntax=docker/dockerfile:1\nRUN echo hi\nFROM debian:12\n",
			want: ErrSyntax,
			msgs: []string{"Dockerfile:2:", "RUN before the first FROM"},
		},
		{
			name: "unterminated heredoc",
			src:  "FROM debian:12\nRUN <<EOF\necho hi\n",
			want: ErrSyntax,
			msgs: []string{"Dockerfile:2:", "unterminated heredoc"},
		},
		{
			name: "invalid escape directive",
			src:  "# escape=x\nFROM debian:12\n",
			want: ErrSyntax,
			msgs: []string{"Dockerfile:1:", "invalid escape token"},
		},
		{
			name: "repeated parser directive",
			src:  "# syntax=docker/dockerfile:1\n# syntax=docker/dockerfile:1\nFROM debian:12\n",
			want: ErrSyntax,
			msgs: []string{"Dockerfile:2:", "only one syntax parser directive"},
		},
		{
			name: "variable in COPY --from",
			src:  "ARG IMG=busybox\nFROM debian:12\nCOPY --from=$IMG /a /b\n",
			want: ErrVariableInFrom,
			msgs: []string{"Dockerfile:3:", `"$IMG"`, "FROM $IMG AS <name>"},
		},
		{
			name: "variable in RUN --mount from",
			src:  "FROM debian:12\nRUN --mount=type=bind,from=${IMG},target=/x true\n",
			want: ErrVariableInFrom,
			msgs: []string{"Dockerfile:2:", `"${IMG}"`},
		},
		{
			name: "COPY --from given twice",
			src:  "FROM alpine:3.22\nCOPY --from=a:1 --from=b:2 / /\n",
			want: ErrSyntax,
			msgs: []string{"Dockerfile:2:", `"--from=b:2"`, "given twice"},
		},
		{
			name: "FROM names a stage in the wrong case",
			src:  "FROM golang:1.26 AS build\nFROM Build\n",
			want: ErrInvalidReference,
			msgs: []string{"Dockerfile:2:", `"Build"`, "write FROM build"},
		},
		{
			name: "circular COPY --from",
			src:  "FROM alpine:3.22 AS a\nCOPY --from=b / /\nFROM alpine:3.22 AS b\nCOPY --from=a / /\n",
			want: ErrCircularDependency,
			msgs: []string{`"a" -> "b" -> "a"`},
		},
		{
			name: "ARG with an empty name",
			src:  "ARG =debian\nFROM debian:12\n",
			want: ErrSyntax,
			msgs: []string{"Dockerfile:1:", `"=debian"`},
		},
		{
			name: "ARG that expands to nothing",
			src:  "ARG BASE=\nFROM ${BASE}\n",
			want: ErrInvalidReference,
			msgs: []string{"Dockerfile:2:", `"${BASE}"`, "expands to nothing"},
		},
		{
			name: "required ARG with ${VAR:?}",
			src:  "ARG BASE\nFROM ${BASE:?required}\n",
			want: ErrUndefinedArg,
			msgs: []string{"Dockerfile:2:", "pass --build-arg BASE=..."},
		},
		{
			name: "bad substitution",
			src:  "FROM ${:}\n",
			want: ErrSyntax,
			msgs: []string{"Dockerfile:1:", `"${:}"`, "bad substitution"},
		},
		{
			name: "bad digest in FROM",
			src:  "FROM debian:12@sha256:abc\n",
			want: ErrInvalidReference,
			msgs: []string{"Dockerfile:1:", `"debian:12@sha256:abc"`, "sha256:<64 hex digits>"},
		},
		{
			name: "bad build platform option",
			src:  "FROM debian:12\n",
			opts: []Option{WithBuildPlatform("linux//arm64")},
			want: ErrInvalidOption,
			msgs: []string{`"linux//arm64"`},
		},
		{
			name: "file name in messages",
			src:  "FROM debian:12 AS x\nFROM debian:12 AS x\n",
			opts: []Option{WithFilename("build/Containerfile")},
			want: ErrDuplicateStage,
			msgs: []string{"build/Containerfile:2:"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.src), tt.opts...)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			for _, m := range tt.msgs {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("message %q does not contain %q", err, m)
				}
			}
			var e *Error
			if tt.want != ErrInvalidOption && !errors.As(err, &e) {
				t.Errorf("%v is not an *Error", err)
			}
		})
	}
}
