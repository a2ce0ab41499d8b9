package eol

import (
	"strings"
	"testing"

	"github.com/patchline/patchline/pipeline/reponame"
)

func TestLookupBuiltin(t *testing.T) {
	tb := builtin(t)
	tests := []struct {
		ref, product, cycle string
	}{
		// Debian, by number and by codename, in every spelling.
		{"debian:bookworm-slim", "debian", "12"},
		{"debian:bookworm", "debian", "12"},
		{"debian:12", "debian", "12"},
		{"debian:12.8-slim", "debian", "12"},
		{"debian:bookworm-backports", "debian", "12"},
		{"docker.io/library/debian:bullseye-20240211-slim", "debian", "11"},
		{"index.docker.io/library/debian:trixie", "debian", "13"},
		{"docker.io/debian:buster", "debian", "10"},
		{"library/debian:12-slim", "debian", "12"},
		{"public.ecr.aws/docker/library/debian:bookworm", "debian", "12"},
		{"debian:bookworm-slim@" + digest, "debian", "12"},
		// Distroless: the Debian release is in the repository name.
		{"gcr.io/distroless/static-debian12", "debian", "12"},
		{"gcr.io/distroless/base-debian11:nonroot", "debian", "11"},
		{"gcr.io/distroless/cc-debian13@" + digest, "debian", "13"},
		{"gcr.io/distroless/java21-debian12:debug-nonroot", "debian", "12"},
		// Alpine.
		{"alpine:3.20", "alpine", "3.20"},
		{"alpine:3.20.3", "alpine", "3.20"},
		{"docker.io/library/alpine:3.18", "alpine", "3.18"},
		// Go.
		{"golang:1.26", "go", "1.26"},
		{"golang:1.26-bookworm", "go", "1.26"},
		{"golang:1.25.3-alpine3.22", "go", "1.25"},
		{"golang:1.26rc1", "go", "1.26"},
		// Node, by number and by LTS codename.
		{"node:20", "node", "20"},
		{"node:20-alpine", "node", "20"},
		{"node:22.11.0-bookworm-slim", "node", "22"},
		{"node:iron", "node", "20"},
		{"node:jod-alpine", "node", "22"},
		// Python.
		{"python:3.12-slim", "python", "3.12"},
		{"python:3.13.1-slim-bookworm", "python", "3.13"},
		{"public.ecr.aws/docker/library/python:3.11-alpine3.20", "python", "3.11"},
		// Ubuntu.
		{"ubuntu:22.04", "ubuntu", "22.04"},
		{"ubuntu:jammy", "ubuntu", "22.04"},
		{"ubuntu:noble-20240827.1", "ubuntu", "24.04"},
		// Java.
		{"eclipse-temurin:21", "eclipse-temurin", "21"},
		{"eclipse-temurin:21-jre-alpine", "eclipse-temurin", "21"},
		{"eclipse-temurin:17.0.13_11-jdk-jammy", "eclipse-temurin", "17"},
		{"eclipse-temurin:8u432-b06-jre", "eclipse-temurin", "8"},
		// nginx: numeric lines only.
		{"nginx:1.26", "nginx", "1.26"},
		{"nginx:1.27.3-alpine-slim", "nginx", "1.27"},
		{"nginxinc/nginx-unprivileged:1.28-alpine", "nginx", "1.28"},
	}
	for _, tc := range tests {
		t.Run(tc.ref, func(t *testing.T) {
			m, ok := tb.Lookup(tc.ref)
			if !ok || !m.Known {
				t.Fatalf("Lookup(%q) found nothing: %s", tc.ref, m.Reason)
			}
			if m.Product != tc.product || m.Cycle.Name != tc.cycle {
				t.Errorf("Lookup(%q) = %s %s; want %s %s", tc.ref, m.Product, m.Cycle.Name, tc.product, tc.cycle)
			}
			if m.Rule == nil || m.Rule.Product != tc.product || m.Rule.Pos.File != builtinName || m.Rule.Pos.Line == 0 {
				t.Errorf("Lookup(%q) rule = %v; want a %s rule with its line in %s", tc.ref, m.Rule, tc.product, builtinName)
			}
			if m.Reason != "" {
				t.Errorf("Lookup(%q) reason = %q; want none", tc.ref, m.Reason)
			}
			if base, _, _ := strings.Cut(tc.ref, "@"); reponame.HasTag(base) && strings.Contains(m.Ref, "@") {
				t.Errorf("Lookup(%q).Ref = %q kept the digest next to a tag", tc.ref, m.Ref)
			}
		})
	}
}

func TestLookupNormalisesRef(t *testing.T) {
	tb := builtin(t)
	tests := map[string]string{
		"debian:bookworm-slim":                        "docker.io/library/debian:bookworm-slim",
		"library/debian:bookworm-slim":                "docker.io/library/debian:bookworm-slim",
		"index.docker.io/library/debian:bookworm":     "docker.io/library/debian:bookworm",
		"debian:bookworm-slim@" + digest:              "docker.io/library/debian:bookworm-slim",
		"gcr.io/distroless/static-debian12":           "gcr.io/distroless/static-debian12:latest",
		"gcr.io/distroless/static-debian12@" + digest: "gcr.io/distroless/static-debian12@" + digest,
		"debian":                   "docker.io/library/debian:latest",
		"localhost:5000/debian:12": "localhost:5000/debian:12",
	}
	for ref, want := range tests {
		m, _ := tb.Lookup(ref)
		if m.Ref != want {
			t.Errorf("Lookup(%q).Ref = %q; want %q", ref, m.Ref, want)
		}
	}
}

// References that must not be placed: floating tags move between cycles,
// and a wrong cycle would be a wrong verdict.
func TestLookupRefusesWhatNamesNoCycle(t *testing.T) {
	tb := builtin(t)
	tests := []struct {
		ref    string
		reason string // a piece of the Reason
	}{
		{"debian:latest", `tag "latest" names no debian release`},
		{"debian", `tag "latest" names no debian release`},
		{"debian:stable-slim", `"stable" is not the codename`},
		{"debian:sid", `"sid" is not the codename`},
		{"debian:9", "debian 9 is not in the end-of-life table"},
		{"alpine:edge", `tag "edge" names no alpine release`},
		{"alpine:latest", `tag "latest" names no alpine release`},
		{"alpine:3", `tag "3" names no alpine release`},
		{"alpine:3.2", "alpine 3.2 is not in the end-of-life table"},
		{"node:lts-alpine", `"lts" is not the codename`},
		{"node:current", `"current" is not the codename`},
		{"python:3", `tag "3" names no python release`},
		{"python:slim", `tag "slim" names no python release`},
		{"golang:alpine", `tag "alpine" names no go release`},
		{"nginx:stable", `tag "stable" names no nginx release`},
		{"nginx:mainline-alpine", `tag "mainline-alpine" names no nginx release`},
		{"ubuntu:rolling", `"rolling" is not the codename`},
		{"eclipse-temurin:latest", `tag "latest" names no eclipse-temurin release`},
		{"debian@" + digest, "pinned by digest alone"},
		{"ghcr.io/acme/debian:12", "no end-of-life rule covers ghcr.io/acme/debian"},
		{"gcr.io/distroless/static:nonroot", "no end-of-life rule covers gcr.io/distroless/static"},
		{"Debian:12", `"Debian:12" is not an image reference`},
		{"debian:bookworm@sha256:abc", `is not an image reference`},
		{"", "is not an image reference"},
	}
	for _, tc := range tests {
		t.Run(tc.ref, func(t *testing.T) {
			m, ok := tb.Lookup(tc.ref)
			if ok || m.Known {
				t.Fatalf("Lookup(%q) = %s %s; want nothing", tc.ref, m.Product, m.Cycle.Name)
			}
			if !strings.Contains(m.Reason, tc.reason) {
				t.Errorf("Lookup(%q) reason = %q; want it to contain %q", tc.ref, m.Reason, tc.reason)
			}
		})
	}
}

// A near miss says which product and rule came closest, so a report can
// tell the user what to add.
func TestLookupNearMissKeepsRule(t *testing.T) {
	m, ok := builtin(t).Lookup("debian:9-slim")
	if ok {
		t.Fatal("debian 9 is not in the table")
	}
	if m.Product != "debian" || m.Cycle.Name != "9" || m.Rule == nil || m.Rule.Pos.Line == 0 {
		t.Errorf("near miss = %+v; want product debian, cycle 9 and the rule", m)
	}
	if m.Known && m.Cycle.EOL.HasDate() {
		t.Error("a near miss has no EOL date")
	}
}
