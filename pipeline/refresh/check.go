package refresh

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/patchline/patchline/pipeline/build"
	"github.com/patchline/patchline/pipeline/plan"
	"github.com/patchline/patchline/pipeline/policy"
	"github.com/patchline/patchline/pipeline/publish"
	"github.com/patchline/patchline/pipeline/registry"
	"github.com/patchline/patchline/pipeline/release"
)

// A line's tags are read in two steps, so that a refresh with nothing to
// do costs one GET per line.
//
// Publishing writes a line's tags in one fixed order (the plan's order:
// immutable tags, the attestations, then the floating tags) and stops at
// the first write that fails. So the floating tag written last, `latest`
// for the newest line and the line tag for an older one, holds an image
// only once every tag before it was written with that image: reading it
// alone shows whether the line is complete. When it holds the line's
// newest release and every watched image of it is current, the line is up
// to date and nothing else is read.
//
// Otherwise every other tag of the line is read (a HEAD each, a GET of
// each image not seen yet), to tell a line whose tags a publish left
// behind from a stale one: the newest build of the line's newest release
// among them is the line's image. When its watched images are current, the
// tags that do not point at it are moved to it (a repair, no build); when
// they are not, the line is rebuilt. A tag that holds a newer build than
// the line's image (latest, after a newer line was released by a run the
// refresh does not know about) is left where it is.
//
// What the first step cannot see without more requests: a later publish of
// the same release that stopped before the last tag while nothing it
// watches has moved since. That takes a rebuild that no moved image asked
// for (refresh --force, or OS package updates); those runs report their
// failure, and running them again finishes the publish from today's dated
// tag. A floating tag added to the policy before the last one is written
// by the line's next build or repair.

// lineTags are the tags a line's image is read from: its floating tags in
// publishing order, then its exact tag when that one is immutable. The
// last floating tag is the one a publish writes last.
type lineTags struct {
	floating []string
	exact    string
	// own are the tags only this line has (its line tag and exact tag),
	// as opposed to a major tag or an alias such as latest, which a
	// newer line may hold.
	own map[string]bool
}

func tagsOf(p *policy.Policy, lp plan.LinePlan) lineTags {
	out := lineTags{own: map[string]bool{}}
	if lp.Plan != nil {
		for _, t := range lp.Plan.Floating() {
			out.floating = append(out.floating, t.Name)
			if t.Role == policy.RoleLine || t.Role == policy.RoleExact {
				out.own[t.Name] = true
			}
		}
	}
	if !p.Tags.Exact.IsZero() {
		if s, err := p.Tags.Exact.Render(plan.Values(lp.Newest, "")); err == nil && !contains(out.floating, s) {
			out.exact = s
			out.own[s] = true
		}
	}
	if len(out.floating) == 0 && !p.Tags.Line.IsZero() {
		if s, err := p.Tags.Line.Render(plan.Values(lp.Newest, "")); err == nil {
			out.floating = []string{s}
			out.own[s] = true
		}
	}
	return out
}

// last is the tag a publish of the line writes last.
func (t lineTags) last() string {
	if len(t.floating) > 0 {
		return t.floating[len(t.floating)-1]
	}
	return t.exact
}

// all lists every tag, the floating ones first.
func (t lineTags) all() []string {
	out := append([]string(nil), t.floating...)
	if t.exact != "" {
		out = append(out, t.exact)
	}
	return out
}

// tagView reads a line's tags once each.
type tagView struct {
	ctx    context.Context
	reg    *registry.Client
	repo   string
	digest map[string]string             // tag -> digest, "" when missing
	images map[string]*registry.Manifest // digest -> manifest
}

func newTagView(ctx context.Context, in release.Inputs) *tagView {
	return &tagView{ctx: ctx, reg: in.Registry, repo: in.Repositories[0], digest: map[string]string{}, images: map[string]*registry.Manifest{}}
}

// get reads a tag's image with one GET; nil when the tag is missing.
func (v *tagView) get(tag string) (*registry.Manifest, error) {
	m, err := v.reg.Inspect(v.ctx, v.repo+":"+tag)
	if errors.Is(err, registry.ErrNotFound) {
		v.digest[tag] = ""
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	d := m.Digest.String()
	v.digest[tag] = d
	v.images[d] = m
	return m, nil
}

// head reads where a tag points with one HEAD, and the image with one
// GET when it is one not seen yet; nil when the tag is missing.
func (v *tagView) head(tag string) (*registry.Manifest, error) {
	if d, ok := v.digest[tag]; ok {
		return v.images[d], nil
	}
	desc, err := v.reg.Resolve(v.ctx, v.repo+":"+tag)
	if errors.Is(err, registry.ErrNotFound) {
		v.digest[tag] = ""
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	d := desc.Digest.String()
	v.digest[tag] = d
	if m, ok := v.images[d]; ok {
		return m, nil
	}
	m, err := v.reg.Inspect(v.ctx, v.repo+"@"+d)
	if err != nil {
		return nil, err
	}
	v.images[d] = m
	return m, nil
}

// check decides whether one line needs a refresh.
func check(ctx context.Context, req Request, res *release.Resolver, lp plan.LinePlan, lr *LineReport) {
	in := req.Inputs
	tags := tagsOf(in.Policy, lp)
	view := newTagView(ctx, in)
	newest := lp.Newest.String()

	last := tags.last()
	m, err := view.get(last)
	if err != nil {
		lr.fail(err)
		return
	}
	judged := map[string]verdict{}
	if m != nil && m.Annotations[build.AnnotationVersion] == newest {
		lr.Tag, lr.Published, lr.image = last, m.Digest.String(), m
		v, err := judge(ctx, req, res, lr, m)
		if err != nil {
			lr.fail(err)
			return
		}
		if v.current {
			upToDate(ctx, req, lr, m, v)
			return
		}
		judged[lr.Published] = v
	}

	// The tag written last does not hold an up-to-date build of the
	// newest release: read the others.
	var line *registry.Manifest
	lineTag := ""
	first := ""
	for _, tag := range tags.all() {
		img, err := view.head(tag)
		if err != nil {
			lr.fail(err)
			return
		}
		if img == nil {
			continue
		}
		if first == "" && tags.own[tag] {
			first = tag
		}
		if img.Annotations[build.AnnotationVersion] != newest {
			continue
		}
		if line == nil || publish.Newer(img.Annotations, img.Digest.String(), line.Annotations, line.Digest.String()) {
			line, lineTag = img, tag
		}
	}
	if line == nil {
		if first == "" {
			unpublished(req, lp, lr)
			return
		}
		img := view.images[view.digest[first]]
		lr.Tag, lr.Published = first, img.Digest.String()
		lr.stale(fmt.Sprintf("%s:%s holds %s but the newest release of line %s is %s", in.Repositories[0], first, orNone(img.Annotations[build.AnnotationVersion]), lp.Line, lp.Newest))
		return
	}
	lr.Tag, lr.Published, lr.image = lineTag, line.Digest.String(), line
	v, ok := judged[lr.Published]
	if !ok {
		if v, err = judge(ctx, req, res, lr, line); err != nil {
			lr.fail(err)
			return
		}
	}
	if !v.current {
		lr.stale(v.reason)
		return
	}
	for _, tag := range tags.floating {
		d := view.digest[tag]
		switch {
		case d == lr.Published:
			continue
		case d == "":
			lr.Behind, lr.behindWhy = append(lr.Behind, tag), append(lr.behindWhy, tag+" is missing")
			continue
		}
		if theirs := view.images[d]; theirs != nil && publish.CompareBuilds(theirs.Annotations, line.Annotations) > 0 {
			continue // a newer build holds it: another line's, or another run's
		}
		lr.Behind = append(lr.Behind, tag)
		lr.behindWhy = append(lr.behindWhy, fmt.Sprintf("%s points at %s, not at the line's image %s", tag, short(d), short(lr.Published)))
	}
	upToDate(ctx, req, lr, line, v)
	if lr.Status == StatusSkipped && len(lr.Behind) > 0 && req.CheckOnly {
		lr.stale(fmt.Sprintf("%s; a refresh moves them to the line's image without rebuilding (%s)", strings.Join(lr.behindWhy, "; "), v.reason))
	}
}

// upToDate finishes a line whose watched images did not move: skipped,
// unless --force or the policy rebuilds it, or its OS packages have
// updates that count under refresh.packages.
func upToDate(ctx context.Context, req Request, lr *LineReport, m *registry.Manifest, v verdict) {
	switch {
	case req.Force:
		lr.stale("--force (" + v.reason + ")")
		return
	case !req.Inputs.Policy.Refresh.SkipUnchanged:
		lr.stale("the policy rebuilds every refresh (skip_unchanged: false); " + v.reason)
		return
	}
	lr.Status, lr.Reason = StatusSkipped, v.reason
	if err := checkPackages(ctx, req, lr, m); err != nil {
		lr.fail(err)
		return
	}
	lr.Notes = append(lr.Notes, packageNotes(lr.Packages)...)
	if why := packageReason(req.Inputs.Policy.Refresh.Packages, lr.Packages); why != "" {
		lr.packageUpdates = true
		lr.stale(why + "; " + v.reason)
		return
	}
	if len(lr.Packages) > 0 {
		lr.Reason += fmt.Sprintf("; no OS package update counts under refresh.packages: %s", req.Inputs.Policy.Refresh.Packages)
	}
}

// unpublished reports a line whose newest release has no image.
func unpublished(req Request, lp plan.LinePlan, lr *LineReport) {
	tag, ok := req.Released.Tag(lp.Newest)
	if !ok {
		tag = lp.Newest.String()
	}
	lr.Command = "dagger call release --version " + tag
	if req.ReleaseCommand != nil {
		lr.Command = req.ReleaseCommand(tag)
	}
	lr.Status = StatusUnpublished
	lr.Reason = fmt.Sprintf("no image of %s is published in %s, and a refresh only patches published releases; publish it with: %s", lp.Newest, req.Inputs.Repositories[0], lr.Command)
}

func orNone(s string) string {
	if s == "" {
		return "no version"
	}
	return s
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
