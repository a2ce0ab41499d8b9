package version

import (
	"regexp"
	"slices"
)

// datedPrerelease matches a prerelease that is only a build date, with an
// optional collision suffix: the shape of dated rebuild tags such as
// 1.6.0-20260204 or 1.6.0-20260204.1. Such tags parse as semver
// prereleases, but they are rebuilds of a release, never releases.
var datedPrerelease = regexp.MustCompile(`^(19|20)\d{6}(\.\d+)?$`)

// Set is the outcome of sorting a list of tags into releases.
type Set struct {
	// Releases are the parsed release versions, highest first, without
	// duplicates (v1.6.0 and 1.6.0 are one release).
	Releases []Version
	// Ignored are the tags that are not release versions, with the reason.
	Ignored []Ignored
}

// Ignored is a tag that was not taken as a release.
type Ignored struct {
	Tag    string `json:"tag"`
	Reason string `json:"reason"`
}

// FromTags sorts git or registry tags into releases. isDated, when not nil,
// reports tags that a policy's dated-tag template produced; tags whose
// prerelease is only a date are always treated as dated.
func FromTags(tags []string, isDated func(string) bool) Set {
	var set Set
	seen := map[string]bool{}
	for _, t := range tags {
		if isDated != nil && isDated(t) {
			set.Ignored = append(set.Ignored, Ignored{t, "dated rebuild tag"})
			continue
		}
		v, err := Parse(t)
		if err != nil {
			set.Ignored = append(set.Ignored, Ignored{t, "not a release version"})
			continue
		}
		if v.IsPrerelease() && datedPrerelease.MatchString(v.Prerelease()) {
			set.Ignored = append(set.Ignored, Ignored{t, "dated rebuild tag"})
			continue
		}
		if seen[v.String()] {
			continue
		}
		seen[v.String()] = true
		set.Releases = append(set.Releases, v)
	}
	SortDescending(set.Releases)
	return set
}

// SortDescending sorts versions highest first.
func SortDescending(vs []Version) {
	slices.SortFunc(vs, func(a, b Version) int { return b.Compare(a) })
}

// NewestByLine returns the newest stable (non-prerelease) version of each
// line, keyed by line.
func NewestByLine(vs []Version) map[Line]Version {
	out := map[Line]Version{}
	for _, v := range vs {
		if v.IsPrerelease() {
			continue
		}
		if cur, ok := out[v.Line()]; !ok || v.Compare(cur) > 0 {
			out[v.Line()] = v
		}
	}
	return out
}
