// Package plan decides which tags a build gets. It is pure: given a policy,
// the versions already released, the tags that already exist and the date,
// it returns a Plan value and does no I/O and reads no clock. The release,
// refresh and edge flows apply a Plan; the plan command prints one.
package plan

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/patchline/patchline/pipeline/calendar"
	"github.com/patchline/patchline/pipeline/policy"
	"github.com/patchline/patchline/pipeline/tagname"
	"github.com/patchline/patchline/pipeline/version"
)

// Kind is the kind of build a plan is for.
type Kind string

// Build kinds.
const (
	KindRelease Kind = "release"
	KindRefresh Kind = "refresh"
	KindEdge    Kind = "edge"
)

// ErrNoDate is returned when a planner is called without a date: the date
// is always passed in so that plans are reproducible.
var ErrNoDate = errors.New("no build date given")

// ErrNoTags is returned when nothing in the policy applies to a build.
var ErrNoTags = errors.New("the policy gives this build no tags")

// ErrTagCollision is returned when a tag a build would get spells a tag
// of another role that names one build for good: a release version whose
// exact tag reads as a dated tag, an edge tag that reads as a dated or a
// release's exact tag.
var ErrTagCollision = errors.New("tag would take the name of another build's tag")

// Existing maps tags already present in the primary repository to the
// digest they point at ("" when the digest was not read).
type Existing map[string]string

// Tag is one tag the build gets.
type Tag struct {
	Name      string      `json:"name"`
	Role      policy.Role `json:"role"`
	Immutable bool        `json:"immutable"`
	// Exists reports that the tag is already in the registry.
	Exists bool `json:"exists,omitempty"`
	// Note explains anything unusual, e.g. a dated suffix.
	Note string `json:"note,omitempty"`
}

// Floating reports whether the tag may move between images: every tag that
// is not immutable. An exact tag the policy lets refreshes move is floating
// in effect, like the line tag, and is published the same way.
func (t Tag) Floating() bool { return !t.Immutable }

// Withheld is a tag the policy names but this build does not get.
type Withheld struct {
	Role   policy.Role `json:"role"`
	Name   string      `json:"name,omitempty"`
	Reason string      `json:"reason"`
}

// Plan is the tag set of one build, in publishing order: immutable tags
// (exact where immutable, dated) first, every tag that may move last.
type Plan struct {
	Kind     Kind       `json:"kind"`
	Policy   string     `json:"policy"`
	Version  string     `json:"version,omitempty"`
	Line     string     `json:"line,omitempty"`
	Branch   string     `json:"branch,omitempty"`
	SHA      string     `json:"sha,omitempty"`
	Date     string     `json:"date"`
	Tags     []Tag      `json:"tags"`
	Withheld []Withheld `json:"withheld,omitempty"`
	Notes    []string   `json:"notes,omitempty"`

	// datedBase is the dated tag's unsuffixed name; Against picks the
	// name the tag is written under.
	datedBase string
}

// existsNote is the note of an immutable exact tag that already exists.
const existsNote = "exists; publishing other content under it is refused"

// Against returns the plan as it stands against the tags that exist
// (existing, with the digests that were read) for the image with digest
// ("" before it is built). It settles what depends on the registry and
// nothing else: which tags exist, the name of the dated tag (written once:
// a second build on the same day takes the next free suffix, a re-run of
// the same image keeps its tag) and the note of an immutable exact tag
// that exists. The tags, their roles and order, and what is withheld were
// decided when the plan was made. p is not changed.
func (p *Plan) Against(existing Existing, digest string) (*Plan, error) {
	out := *p
	out.Tags = slices.Clone(p.Tags)
	for i := range out.Tags {
		t := &out.Tags[i]
		switch {
		case t.Role == policy.RoleDated:
			name, note, err := dated(p.datedBase, existing, digest)
			if err != nil {
				return nil, err
			}
			t.Name, t.Note = name, note
		case t.Role == policy.RoleExact && t.Immutable:
			t.Note = ""
			if _, ok := existing[t.Name]; ok {
				t.Note = existsNote
			}
		}
		_, t.Exists = existing[t.Name]
	}
	return &out, nil
}

// Names returns the tag names in publishing order.
func (p *Plan) Names() []string {
	out := make([]string, len(p.Tags))
	for i, t := range p.Tags {
		out[i] = t.Name
	}
	return out
}

// Fixed returns the immutable tags (an immutable exact tag, dated tags):
// they name one build for good and are written before the attestations.
func (p *Plan) Fixed() []Tag { return p.filter(func(t Tag) bool { return t.Immutable }) }

// Floating returns the tags that may move (line, major, aliases, edge, and
// an exact tag refreshes move): they are written last, after the
// attestations, so that none ever points at an image without them.
func (p *Plan) Floating() []Tag { return p.filter(Tag.Floating) }

func (p *Plan) filter(keep func(Tag) bool) []Tag {
	var out []Tag
	for _, t := range p.Tags {
		if keep(t) {
			out = append(out, t)
		}
	}
	return out
}

// builder accumulates tags, removing duplicates while keeping the first
// occurrence (in publishing order) and the strictest immutability.
type builder struct {
	plan     *Plan
	existing Existing
	seen     map[string]int
}

func newBuilder(p *Plan, existing Existing) *builder {
	return &builder{plan: p, existing: existing, seen: map[string]int{}}
}

func (b *builder) add(t Tag) {
	if i, dup := b.seen[t.Name]; dup {
		prev := &b.plan.Tags[i]
		prev.Immutable = prev.Immutable || t.Immutable
		b.plan.Notes = append(b.plan.Notes, fmt.Sprintf("%s %q is also the %s tag; written once", t.Role, t.Name, prev.Role))
		return
	}
	if _, ok := b.existing[t.Name]; ok {
		t.Exists = true
	}
	b.seen[t.Name] = len(b.plan.Tags)
	b.plan.Tags = append(b.plan.Tags, t)
}

func (b *builder) withhold(r policy.Role, name, format string, args ...any) {
	b.plan.Withheld = append(b.plan.Withheld, Withheld{Role: r, Name: name, Reason: fmt.Sprintf(format, args...)})
}

// order puts immutable tags before the ones that may move, keeping the
// relative order within each group.
func (b *builder) order() {
	var fixed, floating []Tag
	for _, t := range b.plan.Tags {
		if t.Floating() {
			floating = append(floating, t)
		} else {
			fixed = append(fixed, t)
		}
	}
	b.plan.Tags = append(fixed, floating...)
}

// dated picks the name of a dated tag. A dated tag is written once: when
// base already exists with other content, the build gets base.1, base.2
// and so on, the first that is free. When digest is known and a candidate
// already points at it, that candidate is reused, so a re-run converges.
func dated(base string, existing Existing, digest string) (string, string, error) {
	d, taken := existing[base]
	if !taken {
		return base, "", nil
	}
	if digest != "" && d == digest {
		return base, "already points at this image", nil
	}
	for n := 1; ; n++ {
		cand := base + "." + strconv.Itoa(n)
		if err := tagname.Validate(cand); err != nil {
			return "", "", fmt.Errorf("dated tag %q exists and no suffixed name fits: %w", base, err)
		}
		d, taken := existing[cand]
		if !taken {
			return cand, fmt.Sprintf("%s already exists; this build is %s", base, cand), nil
		}
		if digest != "" && d == digest {
			return cand, "already points at this image", nil
		}
	}
}

// checkCollisions refuses a plan with a tag that reads as a tag of
// another role naming one build for good. A dated tag records one build
// on one day and is written once; a release's exact tag names that
// release. A version or a branch that spells one of them would write
// over it, or, where the policy lets that role move (refresh.exact),
// move it: 1.6.0-20260204 released after 1.6.0 was built that day. The
// shape is enough to refuse; whether the tag exists yet does not matter,
// since the build that would own it may come later.
func checkCollisions(p *policy.Policy, pl *Plan) error {
	for _, t := range pl.Tags {
		switch {
		case t.Role != policy.RoleDated && p.IsDatedTag(t.Name):
			return fmt.Errorf("%w: the %s tag %q reads as a dated tag of %s (tags.dated %q), which records one build on one day and is never rewritten; %s",
				ErrTagCollision, t.Role, t.Name, p.Source, p.Tags.Dated, collisionFix(t.Role))
		case t.Role == policy.RoleEdge && p.IsExactTag(t.Name):
			return fmt.Errorf("%w: the edge tag %q reads as the exact tag of a release (tags.exact %q); %s",
				ErrTagCollision, t.Name, p.Tags.Exact, collisionFix(t.Role))
		case t.Role == policy.RoleEdge:
			if what := releaseTagShape(p, t.Name); what != "" {
				return fmt.Errorf("%w: the edge tag %q reads as %s; %s", ErrTagCollision, t.Name, what, collisionFix(t.Role))
			}
		}
	}
	return nil
}

// releaseTagShape says which release tag name reads as, or "": a
// version (with or without v, which the tags of the image repository are
// read back as), the line or major tag of some release, or an alias. An
// edge tag of that name would move a release's tag, or be counted as a
// release.
func releaseTagShape(p *policy.Policy, name string) string {
	if _, err := version.Parse(name); err == nil {
		return "a release version, which the image repository's tags are read back as"
	}
	switch {
	case !p.Tags.Line.IsZero() && p.Tags.Line.Pattern(p.Tags.DateFormat, false).MatchString(name):
		return fmt.Sprintf("the line tag of a release (tags.line %q)", p.Tags.Line)
	case !p.Tags.Major.IsZero() && p.Tags.Major.Pattern(p.Tags.DateFormat, false).MatchString(name):
		return fmt.Sprintf("the major tag of a release (tags.major %q)", p.Tags.Major)
	case slices.Contains(p.Tags.Aliases, name):
		return fmt.Sprintf("the alias %q, which follows the newest release", name)
	}
	return ""
}

func collisionFix(r policy.Role) string {
	if r == policy.RoleEdge {
		return "give tags.edge a prefix, e.g. \"edge-{branch}\", or build from a branch with another name"
	}
	return "release a version whose prerelease is not a date, e.g. 1.6.1 or 1.6.1-rc.1"
}

// DatedToday returns the dated tags of version v for day that exist,
// the unsuffixed one and its numbered suffixes, the latest build first:
// where a run that stopped part-way today left its image.
func DatedToday(p *policy.Policy, v version.Version, day time.Time, existing Existing) ([]string, error) {
	if p.Tags.Dated.IsZero() {
		return nil, nil
	}
	base, err := p.Tags.Dated.Render(Values(v, p.Tags.DateFormat.Format(day)))
	if err != nil {
		return nil, fmt.Errorf("tags.dated: %w", err)
	}
	var out []string
	if _, ok := existing[base]; ok {
		out = append(out, base)
	}
	for n := 1; ; n++ {
		cand := base + "." + strconv.Itoa(n)
		if _, ok := existing[cand]; !ok {
			break
		}
		out = append(out, cand)
	}
	slices.Reverse(out)
	return out, nil
}

func checkDate(t time.Time) (string, error) {
	if t.IsZero() {
		return "", fmt.Errorf("%w: pass --date YYYY-MM-DD or let the caller supply today's date", ErrNoDate)
	}
	return t.UTC().Format(calendar.Layout), nil
}

// Values returns what the placeholders of a tag template render to for
// version v on a day already formatted with the policy's date format.
func Values(v version.Version, date string) tagname.Values {
	return tagname.Values{
		Version:    v.String(),
		Major:      strconv.FormatUint(v.Major(), 10),
		Minor:      strconv.FormatUint(v.Minor(), 10),
		Patch:      strconv.FormatUint(v.Patch(), 10),
		Prerelease: v.Prerelease(),
		Date:       date,
	}
}
