package publish

import (
	"strings"
	"time"

	"github.com/patchline/patchline/pipeline/build"
	"github.com/patchline/patchline/pipeline/version"
)

// Newer reports whether image a (its index annotations and digest) is a
// newer build than image b, by the one rule every run applies, so that two
// runs writing the same floating tag agree on which image keeps it:
//
//  1. the higher release version (an image that records none is oldest);
//  2. for the same version, the later build time (build.AnnotationBuilt):
//     a refresh of 0.3.1 is newer than the release build of 0.3.1, and an
//     image that records no build time is older than one that does;
//  3. when neither tells, the higher digest, an arbitrary but shared
//     choice between two builds made at the same moment.
func Newer(a map[string]string, aDigest string, b map[string]string, bDigest string) bool {
	if c := CompareBuilds(a, b); c != 0 {
		return c > 0
	}
	return aDigest > bDigest
}

// CompareBuilds orders two images by rules 1 and 2 of Newer: +1 when a is
// newer, -1 when b is, 0 when they do not tell.
func CompareBuilds(a, b map[string]string) int {
	va, errA := version.Parse(a[build.AnnotationVersion])
	vb, errB := version.Parse(b[build.AnnotationVersion])
	switch {
	case errA == nil && errB != nil:
		return 1
	case errA != nil && errB == nil:
		return -1
	case errA == nil && errB == nil:
		if c := va.Compare(vb); c != 0 {
			return c
		}
	}
	ta, okA := builtAt(a)
	tb, okB := builtAt(b)
	switch {
	case okA && okB:
		return ta.Compare(tb)
	case okA:
		return 1
	case okB:
		return -1
	}
	return 0
}

func builtAt(ann map[string]string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, ann[build.AnnotationBuilt])
	return t, err == nil
}

// describe names a build for a report: "1.6.2 built 2026-02-11T09:00:00Z".
func describe(ann map[string]string) string {
	var parts []string
	if v := ann[build.AnnotationVersion]; v != "" {
		parts = append(parts, v)
	} else {
		parts = append(parts, "no version recorded")
	}
	if t, ok := builtAt(ann); ok {
		parts = append(parts, "built "+t.UTC().Format(time.RFC3339))
	}
	return strings.Join(parts, " ")
}
