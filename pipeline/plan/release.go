package plan

import (
	"fmt"
	"slices"
	"time"

	"github.com/patchline/patchline/pipeline/policy"
	"github.com/patchline/patchline/pipeline/tagname"
	"github.com/patchline/patchline/pipeline/version"
)

// ReleaseInput is what a release plan is computed from.
type ReleaseInput struct {
	// Version is the version being released.
	Version version.Version
	// Released are the versions that exist, from the git tags of the
	// source and/or the registry's tags (see version.FromTags: tags that
	// are not release versions, dated tags included, are not in it).
	Released version.Set
	// Existing are the tags already in the primary repository.
	Existing Existing
	// Date is the build date; it renders {date}.
	Date time.Time
	// Digest, when known, is the digest of the image being published. It
	// lets a dated tag that already points at this image be reused.
	Digest string
}

// ForRelease plans the tags of a release.
//
// The exact tag is always planned. A prerelease gets nothing else, and
// neither does a release of a line outside the policy's support scope
// (support.constraint, support.newest_lines): refresh never patches such a
// line, so a line tag would go stale unnoticed; the plan withholds its
// floating tags and says why. A release older than the newest of its line
// moves no floating tag; the major tag follows the newest line of its
// major (never for 0.x); aliases such as latest follow the newest
// supported line only.
//
// The plan is decided once; Against gives it for the tags that exist
// when it is published, as ForRelease does for in.Existing and in.Digest.
func ForRelease(p *policy.Policy, in ReleaseInput) (*Plan, error) {
	v := in.Version
	if v.IsZero() {
		return nil, fmt.Errorf("%w: the version is empty; give one such as 1.6.0 or v1.6.0", version.ErrInvalid)
	}
	date, err := checkDate(in.Date)
	if err != nil {
		return nil, err
	}
	releases := slices.Clone(in.Released.Releases)
	if !containsVersion(releases, v) {
		releases = append(releases, v)
	}
	lines := ComputeLines(p, releases, in.Date)

	pl := &Plan{Kind: KindRelease, Policy: p.Source, Version: v.String(), Line: v.Line().String(), Date: date}
	b := newBuilder(pl, nil)
	vals := Values(v, p.Tags.DateFormat.Format(in.Date))

	exact, err := p.Tags.Exact.Render(vals)
	if err != nil {
		return nil, fmt.Errorf("tags.exact: %w", err)
	}
	b.add(Tag{Name: exact, Role: policy.RoleExact, Immutable: p.IsImmutable(policy.RoleExact)})

	if v.IsPrerelease() {
		why := fmt.Sprintf("%s is a prerelease; prereleases get only their exact tag", v)
		if p.Release.Dated && !p.Tags.Dated.IsZero() {
			b.withhold(policy.RoleDated, "", "%s", why)
		}
		if !p.Tags.Line.IsZero() {
			b.withhold(policy.RoleLine, "", "%s", why)
		}
		if !p.Tags.Major.IsZero() {
			b.withhold(policy.RoleMajor, "", "%s", why)
		}
		for _, a := range p.Tags.Aliases {
			b.withhold(policy.RoleAlias, a, "%s", why)
		}
		if err := checkCollisions(p, pl); err != nil {
			return nil, err
		}
		return pl.Against(in.Existing, in.Digest)
	}

	if p.Release.Dated && !p.Tags.Dated.IsZero() {
		if err := addDated(b, p, vals); err != nil {
			return nil, err
		}
	}
	if err := addFloating(b, p, lines, v); err != nil {
		return nil, err
	}
	b.order()
	if err := checkCollisions(p, pl); err != nil {
		return nil, err
	}
	return pl.Against(in.Existing, in.Digest)
}

func containsVersion(vs []version.Version, v version.Version) bool {
	for _, x := range vs {
		if x.Compare(v) == 0 {
			return true
		}
	}
	return false
}

// addDated plans the dated tag under its unsuffixed name; Against picks
// the name it is written under.
func addDated(b *builder, p *policy.Policy, vals tagname.Values) error {
	base, err := p.Tags.Dated.Render(vals)
	if err != nil {
		return fmt.Errorf("tags.dated: %w", err)
	}
	b.plan.datedBase = base
	b.add(Tag{Name: base, Role: policy.RoleDated, Immutable: true})
	return nil
}

// addFloating plans the line, major and alias tags of v.
func addFloating(b *builder, p *policy.Policy, lines Lines, v version.Version) error {
	vals := Values(v, "")
	info, _ := lines.Get(v.Line())
	newestInLine := v.Compare(info.Newest) >= 0
	nsl, hasNSL := lines.NewestSupported()
	onNewest := hasNSL && nsl.Line == v.Line()
	if info.Status == LineUnsupported {
		// Refresh never patches a line outside the support scope, so a
		// floating tag would quietly go stale: only the exact tag.
		why := fmt.Sprintf("line %s is unsupported (%s): refresh never patches it, so no tag that follows the line is published; widen support in the policy to publish them", info.Line, info.Reason)
		if !p.Tags.Line.IsZero() {
			name, err := p.Tags.Line.Render(vals)
			if err != nil {
				return fmt.Errorf("tags.line: %w", err)
			}
			b.withhold(policy.RoleLine, name, "%s", why)
		}
		if !p.Tags.Major.IsZero() {
			name, err := p.Tags.Major.Render(vals)
			if err != nil {
				return fmt.Errorf("tags.major: %w", err)
			}
			b.withhold(policy.RoleMajor, name, "%s", why)
		}
		for _, a := range p.Tags.Aliases {
			b.withhold(policy.RoleAlias, a, "%s", why)
		}
		return nil
	}
	if info.Status != LineSupported {
		b.plan.Notes = append(b.plan.Notes, fmt.Sprintf("line %s is %s: %s", info.Line, info.Status, info.Reason))
	}
	notNewest := func(role policy.Role, name string) bool {
		switch {
		case !newestInLine:
			b.withhold(role, name, "%s is newer on line %s; %s stays on %s", info.Newest, info.Line, name, info.Newest)
		case p.NewestLineOnly(role) && !onNewest:
			b.withhold(role, name, "%s", notOnNewestReason(v, info, nsl, hasNSL, name))
		default:
			return false
		}
		return true
	}

	if !p.Tags.Line.IsZero() {
		name, err := p.Tags.Line.Render(vals)
		if err != nil {
			return fmt.Errorf("tags.line: %w", err)
		}
		if !notNewest(policy.RoleLine, name) {
			b.add(Tag{Name: name, Role: policy.RoleLine})
		}
	}
	if !p.Tags.Major.IsZero() {
		name, err := p.Tags.Major.Render(vals)
		if err != nil {
			return fmt.Errorf("tags.major: %w", err)
		}
		top, _ := lines.NewestInMajor(v.Major())
		switch {
		case v.Major() == 0:
			b.withhold(policy.RoleMajor, name, "0.x lines are not compatible with each other, so 0.x releases get no major tag")
		case notNewest(policy.RoleMajor, name):
		case top.Line != v.Line():
			b.withhold(policy.RoleMajor, name, "%s is the newest line of major %d; %s stays on %s", top.Line, v.Major(), name, top.Newest)
		default:
			b.add(Tag{Name: name, Role: policy.RoleMajor})
		}
	}
	for _, a := range p.Tags.Aliases {
		if !notNewest(policy.RoleAlias, a) {
			b.add(Tag{Name: a, Role: policy.RoleAlias})
		}
	}
	return nil
}

func notOnNewestReason(v version.Version, info LineInfo, nsl LineInfo, hasNSL bool, name string) string {
	switch {
	case !hasNSL:
		return fmt.Sprintf("no release line is supported by the policy; %s is not moved", name)
	case info.Status != LineSupported:
		return fmt.Sprintf("line %s is %s (%s); %s stays on %s", info.Line, info.Status, info.Reason, name, nsl.Line)
	default:
		return fmt.Sprintf("%s is not on the newest supported line; %s stays on %s", v, name, nsl.Line)
	}
}
