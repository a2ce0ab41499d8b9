package dockerfile

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// imageLines summarises Report.Images as "ref role stages".
func imageLines(imgs []Image) []string {
	out := []string{}
	for _, i := range imgs {
		out = append(out, fmt.Sprintf("%s %s %s", i.Ref, i.Role, strings.Join(i.Stages, ",")))
	}
	return out
}

func TestImageRoles(t *testing.T) {
	tests := []struct {
		name string
		file string
		src  string
		opts []Option
		want []string
	}{
		{
			name: "the toolchain of a builder stage whose binary is copied is content",
			file: "multistage.Dockerfile",
			want: []string{
				"docker.io/library/golang:1.26 content build",
				"gcr.io/distroless/static-debian12:latest final 1",
			},
		},
		{
			name: "COPY --from an image is content, a mounted image is a builder",
			file: "copyfrom.Dockerfile",
			want: []string{
				"docker.io/library/alpine:3.22 final 0",
				"docker.io/library/busybox:1.37 content 0",
				"ghcr.io/example/tools:v2 content 0",
				"docker.io/library/golang:1.26 builder 0",
			},
		},
		{
			name: "the base of a chain of stages is the final base",
			file: "stageref.Dockerfile",
			want: []string{"docker.io/library/alpine:3.22 final base"},
		},
		{
			name: "a stage used only through a mount is a builder",
			src: "FROM golang:1.26 AS lint\nRUN true\n" +
				"FROM debian:bookworm-slim\nRUN --mount=type=bind,from=lint,source=/go/bin,target=/tools /tools/lint\n",
			want: []string{
				"docker.io/library/golang:1.26 builder lint",
				"docker.io/library/debian:bookworm-slim final 1",
			},
		},
		{
			name: "files copied through a chain of stages",
			src: "FROM golang:1.26 AS build\nRUN go build -o /out/app\n" +
				"FROM build AS test\nCOPY --from=busybox:1.37 /bin/busybox /bin/\n" +
				"FROM node:22 AS assets\n" +
				"FROM alpine:3.22 AS pack\nRUN --mount=from=assets,target=/assets cp -r /assets/dist /dist\nCOPY --from=test /out/app /out/app\n" +
				"FROM debian:bookworm-slim\nCOPY --from=pack /out/app /app\n",
			want: []string{
				"docker.io/library/golang:1.26 content build",
				"docker.io/library/busybox:1.37 content test",
				"docker.io/library/node:22 builder assets",
				"docker.io/library/alpine:3.22 content pack",
				"docker.io/library/debian:bookworm-slim final 4",
			},
		},
		{
			name: "an image used in several ways takes its strongest role",
			src: "FROM debian:bookworm-slim AS build\nRUN make\n" +
				"FROM debian:bookworm-slim\nCOPY --from=build /out /out\n",
			want: []string{"docker.io/library/debian:bookworm-slim final build,1"},
		},
		{
			name: "scratch has no final base; what is copied in is content",
			src:  "FROM scratch\nCOPY --from=busybox:1.37 /bin/busybox /busybox\n",
			want: []string{"docker.io/library/busybox:1.37 content 0"},
		},
		{
			name: "a stage the target does not need is not listed",
			src: "FROM golang:1.26 AS unused\n" +
				"FROM debian:bookworm-slim AS runtime\n" +
				"FROM alpine:3.22 AS other\n",
			opts: []Option{WithTarget("runtime")},
			want: []string{"docker.io/library/debian:bookworm-slim final runtime"},
		},
		{
			name: "a stage copied from by index",
			src:  "FROM golang:1.26\nRUN go build -o /app\nFROM scratch\nCOPY --from=0 /app /app\n",
			want: []string{"docker.io/library/golang:1.26 content 0"},
		}, {
			// BuildKit looks a mount's from up by stage name only: from=0
			// mounts the image named 0, not the first stage.
			name: "a mount from a number is an image, not a stage index",
			src:  "FROM golang:1.26\nRUN go build -o /app\nFROM debian:bookworm-slim\nRUN --mount=type=bind,from=0,target=/x true\n",
			want: []string{"docker.io/library/debian:bookworm-slim final 1", "docker.io/library/0:latest builder 1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := []byte(tt.src)
			if tt.file != "" {
				src = readFile(t, tt.file)
			}
			rep := mustParse(t, src, tt.opts...).Report()
			if got := imageLines(rep.Images); !slices.Equal(got, tt.want) {
				t.Errorf("images:\n got  %q\n want %q", got, tt.want)
			}
			if len(rep.Images) != len(rep.References) {
				t.Fatalf("%d images for %d references", len(rep.Images), len(rep.References))
			}
			for i, img := range rep.Images {
				if img.Ref != rep.References[i] {
					t.Errorf("image %d is %s, reference %d is %s", i, img.Ref, i, rep.References[i])
				}
			}
			for _, u := range rep.Uses {
				if u.Reachable != (u.Role != "") {
					t.Errorf("use on line %d: reachable %v, role %q", u.Line, u.Reachable, u.Role)
				}
			}
		})
	}
}

func TestRoleOrder(t *testing.T) {
	if !RoleFinal.Stronger(RoleContent) || !RoleContent.Stronger(RoleBuilder) || RoleBuilder.Stronger(RoleContent) || RoleBuilder.Stronger(RoleBuilder) {
		t.Error("roles are ordered final > content > builder")
	}
}

func TestStageArgs(t *testing.T) {
	rep := mustParse(t, []byte("ARG BASE=debian:bookworm-slim\nFROM ${BASE}\nARG PATCHLINE_REFRESH\nARG A=1 B\nRUN apt-get update && apt-get upgrade -y\n")).Report()
	if !rep.DeclaresStageArg("PATCHLINE_REFRESH") || !rep.DeclaresStageArg("B") || rep.DeclaresStageArg("BASE") {
		t.Errorf("stage args %q", rep.StageArgs)
	}
}
