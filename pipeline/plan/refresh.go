package plan

import (
	"fmt"
	"time"

	"github.com/patchline/patchline/pipeline/policy"
	"github.com/patchline/patchline/pipeline/version"
)

// RefreshInput is what a refresh plan is computed from.
type RefreshInput struct {
	// Released are the versions that exist (see ReleaseInput.Released).
	Released version.Set
	// Existing are the tags already in the primary repository.
	Existing Existing
	// Date is the refresh date; it renders {date}.
	Date time.Time
	// Only limits the refresh to these lines ("1.6"); empty means all.
	Only []string
}

// RefreshPlan is the refresh decision for every known line.
type RefreshPlan struct {
	Policy  string            `json:"policy"`
	Date    string            `json:"date"`
	Lines   []LinePlan        `json:"lines"`
	Ignored []version.Ignored `json:"ignored_tags,omitempty"`
	// Known is every line the released versions make, refreshed or not,
	// with its status: a line's floating tags depend on the other lines
	// (latest follows the newest supported one).
	Known Lines `json:"-"`
}

// LinePlan is one line's refresh: its status and, for supported lines, the
// tags a rebuild would get.
type LinePlan struct {
	LineInfo
	Plan *Plan `json:"plan,omitempty"`
}

// ForRefresh plans a refresh of every supported line (or of the lines in
// in.Only). Lines past EOL or outside the support scope are listed with
// their reason and no plan. Each line's plan is decided here, once; Against
// gives it for the tags that exist when the line is published.
func ForRefresh(p *policy.Policy, in RefreshInput) (*RefreshPlan, error) {
	date, err := checkDate(in.Date)
	if err != nil {
		return nil, err
	}
	lines := ComputeLines(p, in.Released.Releases, in.Date)
	only := map[version.Line]bool{}
	for _, s := range in.Only {
		l, err := version.ParseLine(s)
		if err != nil {
			return nil, err
		}
		if _, ok := lines.Get(l); !ok {
			return nil, fmt.Errorf("line %s has no release among the known versions; known lines: %s", l, lineNames(lines.All))
		}
		only[l] = true
	}
	rp := &RefreshPlan{Policy: p.Source, Date: date, Ignored: in.Released.Ignored, Known: lines}
	for _, info := range lines.All {
		if len(only) > 0 && !only[info.Line] {
			continue
		}
		lp := LinePlan{LineInfo: info}
		if info.Status == LineSupported {
			lp.Plan, err = ForRefreshLine(p, lines, info, in.Existing, in.Date, "")
			if err != nil {
				return nil, err
			}
		}
		rp.Lines = append(rp.Lines, lp)
	}
	if len(rp.Lines) == 0 {
		return nil, fmt.Errorf("no release versions found among %d tags; tag releases as MAJOR.MINOR.PATCH (e.g. v1.6.0)", in.Released.Count())
	}
	return rp, nil
}

// ForRefreshLine plans the tags of one line's refresh: the exact tag when
// the policy moves it, the dated tag, and the floating tags the line is
// entitled to. digest, when known, lets an existing dated tag that already
// points at the image be reused.
func ForRefreshLine(p *policy.Policy, lines Lines, info LineInfo, existing Existing, day time.Time, digest string) (*Plan, error) {
	date, err := checkDate(day)
	if err != nil {
		return nil, err
	}
	v := info.Newest
	pl := &Plan{Kind: KindRefresh, Policy: p.Source, Version: v.String(), Line: info.Line.String(), Date: date}
	b := newBuilder(pl, nil)
	vals := Values(v, p.Tags.DateFormat.Format(day))
	if p.Refresh.Exact {
		exact, err := p.Tags.Exact.Render(vals)
		if err != nil {
			return nil, fmt.Errorf("tags.exact: %w", err)
		}
		b.add(Tag{Name: exact, Role: policy.RoleExact})
	}
	if !p.Tags.Dated.IsZero() {
		if err := addDated(b, p, vals); err != nil {
			return nil, err
		}
	}
	if err := addFloating(b, p, lines, v); err != nil {
		return nil, err
	}
	b.order()
	if len(pl.Tags) == 0 {
		return nil, fmt.Errorf("%w: a refresh of line %s would write no tag; set tags.dated, tags.line or refresh.exact", ErrNoTags, info.Line)
	}
	if err := checkCollisions(p, pl); err != nil {
		return nil, err
	}
	return pl.Against(existing, digest)
}
