package plan

import (
	"fmt"
	"time"

	"github.com/patchline/patchline/pipeline/policy"
	"github.com/patchline/patchline/pipeline/tagname"
)

// EdgeInput is what an edge plan is computed from.
type EdgeInput struct {
	// Branch is the git branch, e.g. "main" or "refs/heads/feature/x".
	Branch string
	// SHA is the commit id.
	SHA string
	// Existing are the tags already in the primary repository.
	Existing Existing
	// Date is the build date; it renders {date}.
	Date time.Time
}

// ForEdge plans the tags of a development build. Templates whose input is
// missing (no branch for "edge-{branch}") are withheld with the reason.
func ForEdge(p *policy.Policy, in EdgeInput) (*Plan, error) {
	date, err := checkDate(in.Date)
	if err != nil {
		return nil, err
	}
	if in.Branch == "" && in.SHA == "" {
		return nil, fmt.Errorf("an edge build needs --branch, --sha or both, e.g. --branch main --sha $GITHUB_SHA")
	}
	pl := &Plan{Kind: KindEdge, Policy: p.Source, Date: date}
	if in.Branch != "" {
		b, err := tagname.ValidateBranch(in.Branch)
		if err != nil {
			return nil, err
		}
		pl.Branch = b
	}
	if in.SHA != "" {
		s, err := tagname.NormalizeSHA(in.SHA)
		if err != nil {
			return nil, err
		}
		pl.SHA = s
	}
	b := newBuilder(pl, in.Existing)
	vals := tagname.Values{Branch: pl.Branch, SHA: pl.SHA, Date: p.Tags.DateFormat.Format(in.Date)}
	for _, t := range p.Tags.Edge {
		switch {
		case t.Uses(tagname.FieldBranch) && pl.Branch == "":
			b.withhold(policy.RoleEdge, t.String(), "no --branch given")
			continue
		case (t.Uses(tagname.FieldSHA) || t.Uses(tagname.FieldSHA7)) && pl.SHA == "":
			b.withhold(policy.RoleEdge, t.String(), "no --sha given")
			continue
		}
		name, err := t.Render(vals)
		if err != nil {
			return nil, fmt.Errorf("tags.edge %q: %w", t, err)
		}
		if err := branchTakesACommitsTag(p, t, name); err != nil {
			return nil, err
		}
		b.add(Tag{Name: name, Role: policy.RoleEdge})
	}
	if len(pl.Tags) == 0 {
		return nil, fmt.Errorf("%w: tags.edge has no template this build can fill (%d withheld); add one such as \"edge-{branch}\"", ErrNoTags, len(pl.Withheld))
	}
	if err := checkCollisions(p, pl); err != nil {
		return nil, err
	}
	return pl, nil
}

// branchTakesACommitsTag refuses the tag a branch template rendered when
// it reads as the tag another edge template gives a commit: under
// edge-{branch} and edge-sha-{sha7}, the branch sha-0123abc would take
// commit 0123abc's tag, and the two builds would move it back and forth.
func branchTakesACommitsTag(p *policy.Policy, t tagname.Template, name string) error {
	if !t.Uses(tagname.FieldBranch) || t.Uses(tagname.FieldSHA) || t.Uses(tagname.FieldSHA7) {
		return nil
	}
	for _, o := range p.Tags.Edge {
		if (o.Uses(tagname.FieldSHA) || o.Uses(tagname.FieldSHA7)) && o.Pattern(p.Tags.DateFormat, false).MatchString(name) {
			return fmt.Errorf("%w: the edge tag %q of this branch reads as the tag tags.edge %q gives a commit; build from a branch with another name, or give the two templates different prefixes",
				ErrTagCollision, name, o)
		}
	}
	return nil
}
