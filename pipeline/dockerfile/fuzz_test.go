package dockerfile

import (
	"bytes"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// sentinels are all the errors Parse may wrap.
var sentinels = []error{
	ErrSyntax, ErrNoFrom, ErrUndefinedArg, ErrUnknownTarget, ErrUnknownStage,
	ErrInvalidReference, ErrInvalidPlatform, ErrDuplicateStage, ErrInvalidStageName,
	ErrVariableInFrom, ErrCircularDependency, ErrInvalidOption,
}

// FuzzParse checks that Parse never panics, that every error it returns
// wraps a sentinel and names the file, and that what it accepts is
// self-consistent and deterministic.
func FuzzParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, src string, target string) {
		df, err := Parse([]byte(src), WithTarget(target))
		if err != nil {
			if !slices.ContainsFunc(sentinels, func(s error) bool { return errors.Is(err, s) }) {
				t.Fatalf("error wraps no sentinel: %v", err)
			}
			var e *Error
			if !errors.As(err, &e) || e.File != "Dockerfile" {
				t.Fatalf("error is not an *Error for the file: %v", err)
			}
			return
		}
		rep := df.Report()
		if rep.TargetIndex < 0 || rep.TargetIndex >= len(rep.Stages) || !rep.Stages[rep.TargetIndex].Reachable {
			t.Fatalf("bad target %d of %d stages", rep.TargetIndex, len(rep.Stages))
		}
		reachable := map[string]bool{}
		for _, u := range rep.Uses {
			again, err := ParseReference(u.Ref.String())
			if err != nil || again != u.Ref {
				t.Fatalf("reference %+v does not round-trip: %+v, %v", u.Ref, again, err)
			}
			if u.Reachable {
				reachable[u.Ref.String()] = true
			}
		}
		if len(reachable) != len(rep.References) {
			t.Fatalf("References %v do not match the reachable uses %v", rep.References, reachable)
		}
		for _, r := range rep.References {
			if !reachable[r.String()] {
				t.Fatalf("reference %v is not a reachable use", r)
			}
		}
		if rep.Base != nil && !reachable[rep.Base.String()] {
			t.Fatalf("base %v is not a reachable use", rep.Base)
		}
		df2, err := Parse([]byte(src), WithTarget(target))
		if err != nil || !reflect.DeepEqual(df2.Report(), rep) {
			t.Fatalf("second parse differs: %v", err)
		}
	})
}

// FuzzPin checks that Pin never panics or fails on a file Parse accepts,
// changes only the lines that hold image references and only by adding or
// replacing pins, and is idempotent: pinning the result again with the same
// digests returns it unchanged.
func FuzzPin(f *testing.F) {
	f.Fuzz(func(t *testing.T, src string) {
		df, err := Parse([]byte(src))
		if err != nil {
			return
		}
		ds := digestsForAll(df)
		res, err := df.Pin(ds)
		if errors.Is(err, ErrSyntax) && strings.Contains(err.Error(), "longer than") {
			return // a pin may not fit in a line that was already near BuildKit's limit
		}
		if err != nil {
			t.Fatalf("Pin: %v", err)
		}
		if res.Changed == bytes.Equal(res.Dockerfile, []byte(src)) {
			t.Fatalf("Changed = %v, but the bytes say otherwise", res.Changed)
		}
		checkOnlyReferenceLines(t, []byte(src), res.Dockerfile)
		checkIdempotent(t, res.Dockerfile, ds, nil, res.BuildArgs)
	})
}

// FuzzPinFields fills a realistic multi-stage Dockerfile with fuzzed
// pieces (an ARG default, a FROM image and flags, COPY --from and
// RUN --mount values) and checks the same properties as FuzzPin. Random
// bytes rarely form a valid FROM; this target spends its time on the
// rewriting logic instead.
func FuzzPinFields(f *testing.F) {
	f.Add("debian:bookworm-slim", "golang:1.26", "--platform=$BUILDPLATFORM", "busybox:1", "type=bind,from=alpine:3,target=/a")
	f.Add(`"debian:12"`, "${BASE}", "", "0", "from=build")
	f.Add("a:1@sha256:"+strings.Repeat("1", 64), "$BASE", "--platform=linux/arm64", "b@sha256:"+strings.Repeat("2", 64), "type=cache,target=/c")
	f.Add("x\\:1", "${BASE:-alpine}", "--platform=${TARGETPLATFORM}", "localhost:5000/x", "type=bind,source=from=busybox,from=busybox")
	f.Add("debian:12 OTHER=$BASE", "alpine:${TAG:-3}\\\n", "\\\n", "--link", "from=golang:1,target=/g")
	f.Fuzz(func(t *testing.T, argDefault, image, fromFlags, copyFrom, mount string) {
		src := "# syntax=docker/dockerfile:1\n" +
			"ARG BASE=" + argDefault + "\n" +
			"FROM " + fromFlags + " " + image + " AS build\n" +
			"COPY --from=" + copyFrom + " / /\n" +
			"RUN --mount=" + mount + " true\n" +
			"FROM ${BASE}\r\n" +
			"COPY --from=build / /\n"
		df, err := Parse([]byte(src))
		if err != nil {
			return
		}
		ds := digestsForAll(df)
		res, err := df.Pin(ds)
		if errors.Is(err, ErrSyntax) && strings.Contains(err.Error(), "longer than") {
			return
		}
		if err != nil {
			t.Fatalf("Pin: %v\n%s", err, src)
		}
		checkOnlyReferenceLines(t, []byte(src), res.Dockerfile)
		checkIdempotent(t, res.Dockerfile, ds, nil, res.BuildArgs)
	})
}
