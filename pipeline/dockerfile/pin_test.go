package dockerfile

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func actions(cs []Change) []string {
	var out []string
	for _, c := range cs {
		s := fmt.Sprintf("%d %s", c.Line, c.Action)
		if c.Arg != "" {
			s += " " + c.Arg
		}
		out = append(out, s)
	}
	return out
}

// TestPinGolden pins each testdata file and compares the result with
// testdata/<name>.pinned byte for byte (go test -update rewrites them).
func TestPinGolden(t *testing.T) {
	tests := []struct {
		name        string
		file        string
		opts        []Option
		digests     func(*Dockerfile) Digests // default: every use
		wantActions []string
		wantArgs    map[string]string
	}{
		{name: "single", file: "single.Dockerfile", wantActions: []string{"1 pinned"}},
		{name: "multistage", file: "multistage.Dockerfile", wantActions: []string{"4 pinned", "12 pinned"}},
		{name: "args", file: "args.Dockerfile", wantActions: []string{"5 pinned", "9 pinned BASE"}},
		{
			name:        "args-override",
			file:        "args.Dockerfile",
			opts:        []Option{WithBuildArgs(map[string]string{"BASE": "ubuntu:24.04"})},
			wantActions: []string{"5 pinned", "9 build-arg BASE"},
			wantArgs:    map[string]string{"BASE": "ubuntu:24.04@" + fakeDigest("docker.io/library/ubuntu:24.04")},
		},
		{name: "platform", file: "platform.Dockerfile", wantActions: []string{"1 pinned", "5 pinned", "7 pinned"}},
		{
			name: "pinned",
			file: "pinned.Dockerfile",
			digests: func(*Dockerfile) Digests {
				return Digests{
					"golang:1.26":           digest('1'), // already current
					"debian:bookworm-slim":  digest('a'),
					"debian@" + digest('3'): digest('b'),
				}
			},
			wantActions: []string{"1 unchanged", "4 updated", "7 updated"},
		},
		{name: "scratch", file: "scratch.Dockerfile", wantActions: []string{"1 pinned"}},
		{name: "stageref", file: "stageref.Dockerfile", wantActions: []string{"1 pinned"}},
		{
			name: "target",
			file: "target.Dockerfile",
			opts: []Option{WithTarget("test")},
			digests: func(df *Dockerfile) Digests {
				ds := Digests{}
				for _, r := range df.Report().References {
					ds[r.Key()] = fakeDigest(r.Key())
				}
				return ds
			},
			wantActions: []string{"1 pinned", "4 pinned", "8 skipped", "11 skipped"},
		},
		{name: "copyfrom", file: "copyfrom.Dockerfile", wantActions: []string{"1 pinned", "2 pinned", "3 pinned", "4 pinned"}},
		{name: "crlf", file: "crlf.Dockerfile", wantActions: []string{"3 pinned BASE", "8 pinned"}},
		{name: "heredoc", file: "heredoc.Dockerfile", wantActions: []string{"2 pinned", "14 pinned"}},
		{name: "comments", file: "comments.Dockerfile", wantActions: []string{"6 pinned", "13 pinned BASE"}},
		{name: "escape", file: "escape.Dockerfile", wantActions: []string{"3 pinned"}},
		{
			name: "nochange",
			file: "nochange.Dockerfile",
			digests: func(*Dockerfile) Digests {
				return Digests{"golang:1.26": digest('1'), "gcr.io/distroless/static-debian12:nonroot": digest('2')}
			},
			wantActions: []string{"1 unchanged", "4 unchanged"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := readFile(t, tt.file)
			df := mustParse(t, src, tt.opts...)
			ds := digestsForAll(df)
			if tt.digests != nil {
				ds = tt.digests(df)
			}
			res, err := df.Pin(ds)
			if err != nil {
				t.Fatalf("Pin: %v", err)
			}
			if got := actions(res.Changes); !slices.Equal(got, tt.wantActions) {
				t.Errorf("actions = %q, want %q", got, tt.wantActions)
			}
			if !maps.Equal(res.BuildArgs, tt.wantArgs) {
				t.Errorf("BuildArgs = %v, want %v", res.BuildArgs, tt.wantArgs)
			}
			golden := filepath.Join("testdata", tt.name+".pinned")
			if *update {
				if err := os.WriteFile(golden, res.Dockerfile, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(res.Dockerfile, want) {
				t.Errorf("pinned file differs from %s:\n%s", golden, res.Dockerfile)
			}
			wantChanged := !bytes.Equal(want, src)
			if res.Changed != wantChanged {
				t.Errorf("Changed = %v, want %v", res.Changed, wantChanged)
			}
			checkOnlyReferenceLines(t, src, res.Dockerfile)
			checkIdempotent(t, res.Dockerfile, ds, tt.opts, res.BuildArgs)
		})
	}
}

// checkIdempotent pins an already pinned file again and expects the same
// bytes and no change.
func checkIdempotent(t *testing.T, pinned []byte, ds Digests, opts []Option, buildArgs map[string]string) {
	t.Helper()
	opts = append(slices.Clone(opts), WithBuildArgs(buildArgs))
	again, err := Parse(pinned, opts...)
	if err != nil {
		t.Fatalf("pinned file does not parse: %v\n%s", err, pinned)
	}
	res, err := again.Pin(ds)
	if err != nil {
		t.Fatalf("second Pin: %v", err)
	}
	if res.Changed || !bytes.Equal(res.Dockerfile, pinned) || len(res.BuildArgs) > 0 {
		t.Fatalf("second Pin changed the file:\n%s\nto\n%s\nbuild args %v", pinned, res.Dockerfile, res.BuildArgs)
	}
	for _, c := range res.Changes {
		if c.Action != ActionUnchanged && c.Action != ActionSkipped {
			t.Errorf("second Pin: %s", c)
		}
	}
}

// TestPinNoChangeIsIdentical checks that a file needing nothing comes back
// as the very same bytes, reported as unchanged.
func TestPinNoChangeIsIdentical(t *testing.T) {
	for _, file := range []string{"nochange.Dockerfile", "pinned.Dockerfile"} {
		t.Run(file, func(t *testing.T) {
			src := readFile(t, file)
			df := mustParse(t, src, WithTarget(""))
			ds := Digests{}
			for _, u := range df.Report().Uses {
				ds[u.Ref.Key()] = u.Ref.Digest
			}
			res, err := df.Pin(ds)
			if err != nil {
				t.Fatal(err)
			}
			if res.Changed || !bytes.Equal(res.Dockerfile, src) {
				t.Fatalf("file changed:\n%s", res.Dockerfile)
			}
			for _, c := range res.Changes {
				if c.Action != ActionUnchanged {
					t.Errorf("%s", c)
				}
			}
		})
	}
}

// TestPinSharedArg checks that an ARG also used inside a larger expression
// is not rewritten (that would corrupt the other expression); the FROM
// that uses it whole gets the digest instead.
func TestPinSharedArg(t *testing.T) {
	src := []byte("ARG BASE=debian:bookworm\nFROM ${BASE} AS a\nFROM ${BASE}-slim AS b\nFROM a\nCOPY --from=b / /\n")
	df := mustParse(t, src)
	res, err := df.Pin(digestsForAll(df))
	if err != nil {
		t.Fatal(err)
	}
	d1 := fakeDigest("docker.io/library/debian:bookworm")
	d2 := fakeDigest("docker.io/library/debian:bookworm-slim")
	want := "ARG BASE=debian:bookworm\nFROM ${BASE}@" + d1 + " AS a\nFROM ${BASE}-slim@" + d2 + " AS b\nFROM a\nCOPY --from=b / /\n"
	if string(res.Dockerfile) != want {
		t.Fatalf("got\n%s\nwant\n%s", res.Dockerfile, want)
	}
	if !strings.Contains(res.Changes[1].Reason, "current value of ARG BASE") {
		t.Errorf("reason %q does not say the pin depends on BASE", res.Changes[1].Reason)
	}
}

// TestPinArgUsedTwice checks that two FROM ${BASE} lines share one edit of
// the ARG default.
func TestPinArgUsedTwice(t *testing.T) {
	src := []byte("ARG BASE='alpine:3.22'\nFROM ${BASE} AS a\nFROM $BASE\nCOPY --from=a / /\n")
	df := mustParse(t, src)
	res, err := df.Pin(digestsForAll(df))
	if err != nil {
		t.Fatal(err)
	}
	want := "ARG BASE='alpine:3.22@" + fakeDigest("docker.io/library/alpine:3.22") + "'\nFROM ${BASE} AS a\nFROM $BASE\nCOPY --from=a / /\n"
	if string(res.Dockerfile) != want {
		t.Fatalf("got\n%s\nwant\n%s", res.Dockerfile, want)
	}
	if got := actions(res.Changes); !slices.Equal(got, []string{"2 pinned BASE", "3 pinned BASE"}) {
		t.Errorf("actions = %q", got)
	}
}

// TestPinImplicitLatest checks that a FROM without tag is pinned with the
// tag spelled out, so a later refresh knows which tag to follow.
func TestPinImplicitLatest(t *testing.T) {
	src := []byte("FROM localhost:5000/app\n")
	df := mustParse(t, src)
	res, err := df.Pin(Digests{"localhost:5000/app:latest": digest('c')})
	if err != nil {
		t.Fatal(err)
	}
	if want := "FROM localhost:5000/app:latest@" + digest('c') + "\n"; string(res.Dockerfile) != want {
		t.Fatalf("got %q, want %q", res.Dockerfile, want)
	}
}

// TestPinUnlocatable checks that a reference Pin cannot rewrite exactly
// (here a tag split across a line continuation) is skipped with a reason,
// leaving the file untouched.
func TestPinUnlocatable(t *testing.T) {
	src := []byte("FROM debian:book\\\nworm\n")
	df := mustParse(t, src)
	if got := df.Report().References[0].String(); got != "docker.io/library/debian:bookworm" {
		t.Fatalf("reference = %q", got)
	}
	res, err := df.Pin(digestsForAll(df))
	if err != nil {
		t.Fatal(err)
	}
	if res.Changed || res.Changes[0].Action != ActionSkipped || !strings.Contains(res.Changes[0].Reason, "pin it by hand") {
		t.Fatalf("got %+v", res.Changes[0])
	}
}

func TestPinErrors(t *testing.T) {
	df := mustParse(t, readFile(t, "multistage.Dockerfile"))
	tests := []struct {
		name    string
		digests Digests
		want    error
		msg     string
	}{
		{"missing digest", Digests{"golang:1.26": digest('1')}, ErrMissingDigest, "gcr.io/distroless/static-debian12:latest (FROM on line 12)"},
		{"invalid digest", Digests{"golang:1.26": "sha256:abc"}, ErrInvalidDigest, `"sha256:abc"`},
		{"uppercase digest", Digests{"golang:1.26": "sha256:" + strings.Repeat("A", 64)}, ErrInvalidDigest, "sha256:AAAA"},
		{"invalid key", Digests{"Not A Ref": digest('1')}, ErrInvalidReference, `"Not A Ref"`},
		{"conflicting keys", Digests{"golang:1.26": digest('1'), "docker.io/library/golang:1.26": digest('2')}, ErrInvalidDigest, "keep one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := df.Pin(tt.digests)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.msg) || !strings.HasPrefix(err.Error(), "Dockerfile: ") {
				t.Errorf("err = %q, want it to start with the file and mention %q", err, tt.msg)
			}
		})
	}
}

func TestChangeString(t *testing.T) {
	tests := []struct {
		c    Change
		want string
	}{
		{Change{Kind: UseFrom, Line: 3, Old: "debian:12", New: "debian:12@" + digest('1'), NewDigest: digest('1'), Action: ActionPinned},
			"line 3: FROM debian:12 -> debian:12@" + digest('1')},
		{Change{Kind: UseFrom, Line: 3, Old: "debian:12@" + digest('1'), New: "debian:12@" + digest('2'), OldDigest: digest('1'), NewDigest: digest('2'), Action: ActionUpdated, Arg: "BASE", ArgLine: 1},
			"line 3: FROM debian:12@" + digest('1') + " -> debian:12@" + digest('2') + " (" + digest('1') + " -> " + digest('2') + ") via ARG BASE on line 1"},
		{Change{Kind: UseCopyFrom, Line: 4, Old: "a:1", Action: ActionUnchanged}, "line 4: COPY --from a:1: unchanged"},
		{Change{Kind: UseFrom, Line: 5, Old: "a:1", New: "a:1@" + digest('1'), Action: ActionBuildArg, Arg: "BASE"},
			"line 5: FROM a:1 -> a:1@" + digest('1') + ": pass --build-arg BASE=a:1@" + digest('1')},
		{Change{Kind: UseFrom, Line: 6, Old: "a:1", Action: ActionSkipped, Reason: "why"}, "line 6: FROM a:1: skipped (why)"},
	}
	for _, tt := range tests {
		if got := tt.c.String(); got != tt.want {
			t.Errorf("got  %q\nwant %q", got, tt.want)
		}
	}
}

// TestPinFallbackExpression checks an expression with a ${VAR:-default}
// fallback: the digest goes after the expression and the change says which
// variable it depends on.
func TestPinFallbackExpression(t *testing.T) {
	src := []byte("FROM debian:${TAG:-bookworm}\n")
	df := mustParse(t, src)
	res, err := df.Pin(digestsForAll(df))
	if err != nil {
		t.Fatal(err)
	}
	want := "FROM debian:${TAG:-bookworm}@" + fakeDigest("docker.io/library/debian:bookworm") + "\n"
	if string(res.Dockerfile) != want {
		t.Fatalf("got %q, want %q", res.Dockerfile, want)
	}
	if !strings.Contains(res.Changes[0].Reason, "ARG TAG") {
		t.Errorf("reason %q does not name TAG", res.Changes[0].Reason)
	}
}

// TestPinBuildArgAlreadyPinned checks that a build arg that already
// carries the current digest needs nothing: no build args, same bytes.
func TestPinBuildArgAlreadyPinned(t *testing.T) {
	src := readFile(t, "args.Dockerfile")
	base := "ubuntu:24.04@" + digest('4')
	df := mustParse(t, src, WithBuildArgs(map[string]string{"BASE": base}))
	ds := Digests{"ubuntu:24.04": digest('4'), "golang:1.26": digest('5')}
	res, err := df.Pin(ds)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.BuildArgs) != 0 {
		t.Errorf("BuildArgs = %v, want none", res.BuildArgs)
	}
	if got := actions(res.Changes); !slices.Equal(got, []string{"5 pinned", "9 unchanged"}) {
		t.Errorf("actions = %q", got)
	}
}

// TestPinDoesNotMutate checks that Pin leaves the Dockerfile and its input
// bytes alone, so one parse can be pinned with several digest sets.
func TestPinDoesNotMutate(t *testing.T) {
	src := readFile(t, "multistage.Dockerfile")
	orig := bytes.Clone(src)
	df := mustParse(t, src)
	before := df.Report()
	if _, err := df.Pin(digestsForAll(df)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(src, orig) {
		t.Fatal("Pin changed its input bytes")
	}
	if after := df.Report(); !slices.EqualFunc(before.Uses, after.Uses, func(a, b Use) bool { return a.Ref == b.Ref }) {
		t.Fatal("Pin changed the Dockerfile")
	}
}

// TestPinRegressions holds inputs that once made Pin rewrite the wrong
// bytes (caught by its own re-parse check) or that are easy to get wrong.
func TestPinRegressions(t *testing.T) {
	bb := fakeDigest("docker.io/library/busybox:latest")
	deb := fakeDigest("docker.io/library/debian:12")
	alp := fakeDigest("docker.io/library/alpine:latest")
	tests := []struct {
		name, src, want string
	}{
		{
			// "from=busybox" also occurs inside the source= field; only
			// the from= field may change.
			name: "from= inside another mount field",
			src:  "FROM scratch\nRUN --mount=type=bind,source=from=busybox,from=busybox true\n",
			want: "FROM scratch\nRUN --mount=type=bind,source=from=busybox,from=busybox:latest@" + bb + " true\n",
		},
		{
			// A quoted --mount value is not the text BuildKit hands out,
			// so it is left alone rather than guessed at.
			name: "quoted mount is skipped",
			src:  "FROM scratch\nRUN --mount=\"type=bind,from=busybox\" true\n",
			want: "FROM scratch\nRUN --mount=\"type=bind,from=busybox\" true\n",
		},
		{
			name: "escaped character in an ARG default",
			src:  "ARG A=debian\\:12\nFROM $A\n",
			want: "ARG A=debian\\:12@" + deb + "\nFROM $A\n",
		},
		{
			name: "image named like the stage",
			src:  "FROM alpine AS alpine\nFROM alpine\n",
			want: "FROM alpine:latest@" + alp + " AS alpine\nFROM alpine\n",
		},
		{
			name: "platform value equal to the image",
			src:  "FROM --platform=linux/amd64 alpine AS linux\n",
			want: "FROM --platform=linux/amd64 alpine:latest@" + alp + " AS linux\n",
		},
		{
			name: "byte order mark",
			src:  "\ufeffFROM alpine\r\n",
			want: "\ufeffFROM alpine:latest@" + alp + "\r\n",
		},
		{
			name: "lowercase instructions and tabs",
			src:  "from\talpine\tas\tbase\n",
			want: "from\talpine:latest@" + alp + "\tas\tbase\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			df := mustParse(t, []byte(tt.src))
			res, err := df.Pin(digestsForAll(df))
			if err != nil {
				t.Fatal(err)
			}
			if string(res.Dockerfile) != tt.want {
				t.Fatalf("got  %q\nwant %q", res.Dockerfile, tt.want)
			}
			checkIdempotent(t, res.Dockerfile, digestsForAll(df), nil, nil)
		})
	}
}
