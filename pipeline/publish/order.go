package publish

import (
	"strings"
	"time"

	"github.com/patchline/patchline/pipeline/build"
	"github.com/patchline/patchline/pipeline/version"
)

// CompareBuilds orders two images by rules 1 and 2 of order.newer: +1
// when a is newer, -1 when b is, 0 when they do not tell.
func CompareBuilds(a, b map[string]string) int {
	return orderOf(a, "").compare(orderOf(b, ""))
}

// Newer reports whether the image with index annotations a and digest
// aDigest is a newer build than the one with b and bDigest, by the order
// every run applies (see order.newer).
func Newer(a map[string]string, aDigest string, b map[string]string, bDigest string) bool {
	return orderOf(a, aDigest).newer(orderOf(b, bDigest))
}

// order is what the build order knows of an image (its index annotations
// and digest), read from its annotations once.
type order struct {
	version  version.Version // zero when the image records none
	built    time.Time
	hasBuilt bool
	digest   string
}

func orderOf(ann map[string]string, digest string) order {
	o := order{digest: digest}
	if v, err := version.Parse(ann[build.AnnotationVersion]); err == nil {
		o.version = v
	}
	o.built, o.hasBuilt = builtAt(ann)
	return o
}

// compare applies rules 1 and 2 of newer.
func (a order) compare(b order) int {
	switch {
	case !a.version.IsZero() && b.version.IsZero():
		return 1
	case a.version.IsZero() && !b.version.IsZero():
		return -1
	case !a.version.IsZero():
		if c := a.version.Compare(b.version); c != 0 {
			return c
		}
	}
	switch {
	case a.hasBuilt && b.hasBuilt:
		return a.built.Compare(b.built)
	case a.hasBuilt:
		return 1
	case b.hasBuilt:
		return -1
	}
	return 0
}

// newer reports whether image a is a newer build than image b, by the one
// rule every run applies, so that two runs writing the same floating tag
// agree on which image keeps it:
//
//  1. the higher release version (an image that records none is oldest);
//  2. for the same version, the later build time (build.AnnotationBuilt):
//     a refresh of 0.3.1 is newer than the release build of 0.3.1, and an
//     image that records no build time is older than one that does;
//  3. when neither tells, the higher digest, an arbitrary but shared
//     choice between two builds made at the same moment.
func (a order) newer(b order) bool {
	if c := a.compare(b); c != 0 {
		return c > 0
	}
	return a.digest > b.digest
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
