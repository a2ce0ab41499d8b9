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
	// tags are the tags each release was found under, by its canonical
	// version: every spelling, so that Tag can name the one to check out.
	tags map[string][]string
}

// Ignored is a tag that was not taken as a release.
type Ignored struct {
	Tag    string `json:"tag"`
	Reason string `json:"reason"`
}

// FromTags sorts git or registry tags into releases. isDated, when not nil,
// reports tags that a policy's dated-tag template produced; tags whose
// prerelease is only a date are always treated as dated.
//
// Each tag is parsed here once: the set remembers which tags spelled each
// release (Tag), so nothing downstream parses them again.
func FromTags(tags []string, isDated func(string) bool) Set {
	set := Set{tags: map[string][]string{}}
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
		key := v.String()
		if _, seen := set.tags[key]; !seen {
			set.Releases = append(set.Releases, v)
		}
		set.tags[key] = append(set.tags[key], t)
	}
	SortDescending(set.Releases)
	return set
}

// Tag returns the tag release v was found under. When several tags spell
// it (v1.6.0 and 1.6.0), the last in sort order is taken, so the choice does
// not depend on the order the tags were listed in.
func (s Set) Tag(v Version) (string, bool) {
	spelled := s.tags[v.String()]
	if len(spelled) == 0 {
		return "", false
	}
	return slices.Max(spelled), true
}

// Count returns how many tags the set was made from: every tag is either
// a spelling of a release or ignored.
func (s Set) Count() int {
	n := len(s.Ignored)
	for _, spelled := range s.tags {
		n += len(spelled)
	}
	return n
}

// Union returns the releases of both sets, without duplicates and highest
// first, as FromTags would sort the tags of both.
func (s Set) Union(o Set) Set {
	out := Set{Ignored: slices.Concat(s.Ignored, o.Ignored), tags: map[string][]string{}}
	for _, from := range []Set{s, o} {
		for _, v := range from.Releases {
			key := v.String()
			if _, seen := out.tags[key]; !seen {
				out.Releases = append(out.Releases, v)
			}
			out.tags[key] = append(out.tags[key], from.tags[key]...)
		}
	}
	SortDescending(out.Releases)
	return out
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
