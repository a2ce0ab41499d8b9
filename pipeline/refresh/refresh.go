// Package refresh keeps every supported release line patched. For each
// line it reads the base recorded in the published image (one GET), asks
// the registry what the base tag points at now (one HEAD per distinct base
// per run, shared by every line), and rebuilds — or rebases — only the
// lines whose base moved, publishing the policy's refresh tags with the
// same ordering and guards as a release.
//
// The recorded base is written by the release flow in the image index's
// org.opencontainers.image.base.name and base.digest annotations, and read
// back from the same place here; a refresh right after a successful one
// therefore skips every line.
package refresh

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/patchline/patchline/pipeline/build"
	"github.com/patchline/patchline/pipeline/plan"
	"github.com/patchline/patchline/pipeline/policy"
	"github.com/patchline/patchline/pipeline/publish"
	"github.com/patchline/patchline/pipeline/registry"
	"github.com/patchline/patchline/pipeline/release"
	"github.com/patchline/patchline/pipeline/tagname"
	"github.com/patchline/patchline/pipeline/version"
)

// ErrStale is returned by a check when at least one line needs a refresh,
// so that CI can gate on it.
var ErrStale = errors.New("lines need a refresh")

// ErrFailed is returned when at least one line failed to refresh; the
// report says which and why, and the other lines were still done.
var ErrFailed = errors.New("lines failed to refresh")

// SourceFunc returns a builder over the source tree of a release tag (the
// tree at that tag, not the working tree) and what that tree says about
// itself.
type SourceFunc func(ctx context.Context, gitTag string) (build.Builder, release.Source, error)

// Request is one refresh or check.
type Request struct {
	// Inputs carry the policy, registry client, scanner, repositories,
	// Dockerfile settings, date and clock. Builder and Source are set per
	// line from SourceFor.
	Inputs release.Inputs
	// Released are the versions the source repository's tags name (see
	// version.FromTags), with the tag each was released under.
	Released version.Set
	// SourceFor returns the source of a release tag.
	SourceFor SourceFunc
	// Lines limits the refresh to these lines ("1.6"); empty means all.
	Lines []string
	// Force rebuilds every supported line, moved or not.
	Force bool
	// CheckOnly decides and reports without building or writing.
	CheckOnly bool
	// Parallel bounds the checks running at once; 8 when zero.
	Parallel int
	// BaseEOL judges base images against their end of life; optional.
	BaseEOL func(ref string) *BaseEOL
	// ReleaseCommand returns the command that publishes the release of a
	// git tag, shown for lines never published; optional.
	ReleaseCommand func(gitTag string) string
}

// Run refreshes (or checks) every line the policy supports.
func Run(ctx context.Context, req Request) (*Report, error) {
	in := req.Inputs
	if len(in.Repositories) == 0 {
		return nil, fmt.Errorf("%w: give --image or list repositories in the policy", release.ErrNoRepository)
	}
	start := in.Registry.Counter().Counts()
	p := in.Policy
	rp, err := plan.ForRefresh(p, plan.RefreshInput{Released: req.Released, Date: in.Date, Only: req.Lines})
	if err != nil {
		return nil, err
	}
	rep := &Report{Policy: p.Source, Date: rp.Date, Repository: in.Repositories[0], CheckOnly: req.CheckOnly, Strategy: p.Refresh.Strategy}
	res := release.NewResolver(in.Registry)

	// Checks, in parallel: one GET of each line's published image and one
	// HEAD per distinct base, shared.
	reports := make([]*LineReport, len(rp.Lines))
	var wg sync.WaitGroup
	sem := make(chan struct{}, max(req.Parallel, 1))
	if req.Parallel == 0 {
		sem = make(chan struct{}, 8)
	}
	for i, lp := range rp.Lines {
		lr := &LineReport{Line: lp.Line.String(), Version: lp.Newest.String(), EOL: lp.EOL}
		reports[i] = lr
		if lp.Status != plan.LineSupported {
			lr.Status, lr.Reason = Status(lp.Status), lp.Reason
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			check(ctx, req, res, lp, lr)
		}()
	}
	wg.Wait()

	// Rebuilds, one line at a time: each is a full build and publish.
	var existing plan.Existing
	for i, lp := range rp.Lines {
		lr := reports[i]
		rep.Lines = append(rep.Lines, lr)
		if req.CheckOnly {
			continue
		}
		if lr.Status == StatusSkipped && len(lr.Behind) > 0 {
			if err := repairLine(ctx, req, lp, lr); err != nil {
				lr.fail(err)
			}
			continue
		}
		if lr.Status != StatusStale {
			continue
		}
		if existing == nil {
			if existing, _, err = release.ExistingTags(ctx, in); err == nil {
				err = release.ReadDatedDigests(ctx, in, existing)
			}
			if err != nil {
				lr.fail(err)
				existing = nil
				continue
			}
		}
		if err := refreshLine(ctx, req, res, lp, lr, existing); err != nil {
			lr.fail(err)
		}
	}
	rep.Requests = in.Registry.Counter().Counts().Sub(start)
	rep.count()
	switch {
	case rep.Failed > 0:
		return rep, fmt.Errorf("%w: %s", ErrFailed, rep.failedLines())
	case req.CheckOnly && rep.Stale > 0:
		return rep, fmt.Errorf("%w: %s", ErrStale, rep.staleLines())
	}
	return rep, nil
}

// publishedTags are the tags a line's current image is read from: the
// line tag, which every refresh moves, then the exact tag.
func publishedTags(p *policy.Policy, v version.Version) []string {
	vals := plan.Values(v, "")
	var out []string
	for _, t := range []tagname.Template{p.Tags.Line, p.Tags.Exact} {
		if t.IsZero() {
			continue
		}
		if s, err := t.Render(vals); err == nil {
			out = append(out, s)
		}
	}
	return out
}

// check decides whether one line needs a refresh.
func check(ctx context.Context, req Request, res *release.Resolver, lp plan.LinePlan, lr *LineReport) {
	in := req.Inputs
	var m *registry.Manifest
	for _, tag := range publishedTags(in.Policy, lp.Newest) {
		got, err := in.Registry.Inspect(ctx, in.Repositories[0]+":"+tag)
		if errors.Is(err, registry.ErrNotFound) {
			continue
		}
		if err != nil {
			lr.fail(err)
			return
		}
		m, lr.Tag = got, tag
		break
	}
	if m == nil {
		tag, ok := req.Released.Tag(lp.Newest)
		if !ok {
			tag = lp.Newest.String()
		}
		lr.Command = "dagger call release --version " + tag
		if req.ReleaseCommand != nil {
			lr.Command = req.ReleaseCommand(tag)
		}
		lr.Status = StatusUnpublished
		lr.Reason = fmt.Sprintf("no image of %s is published in %s, and a refresh only patches published releases; publish it with: %s", lp.Newest, in.Repositories[0], lr.Command)
		return
	}
	lr.Published = m.Digest.String()
	ann := m.Annotations
	if v := ann[build.AnnotationVersion]; v != "" && v != lp.Newest.String() {
		lr.stale(fmt.Sprintf("%s:%s holds %s but the newest release of line %s is %s", in.Repositories[0], lr.Tag, v, lp.Line, lp.Newest))
		return
	}
	base := BaseCheck{Name: ann[build.AnnotationBaseName], Recorded: ann[build.AnnotationBaseDigest]}
	for _, d := range m.Manifests {
		if d.Platform == nil || d.Platform.OS == "unknown" {
			continue
		}
		base.Platforms = append(base.Platforms, PlatformBase{Platform: d.Platform.String(), Recorded: d.Annotations[build.AnnotationBaseDigest]})
	}
	lr.Base = &base
	if req.BaseEOL != nil && base.Name != "" {
		lr.BaseEOL = req.BaseEOL(base.Name)
	}
	if base.Name == "" || base.Recorded == "" {
		lr.stale(fmt.Sprintf("%s:%s records no base image (no %s annotation); rebuilding records it", in.Repositories[0], lr.Tag, build.AnnotationBaseDigest))
		return
	}
	current, err := res.Digest(ctx, base.Name)
	if err != nil {
		lr.fail(fmt.Errorf("resolving base %s: %w", base.Name, err))
		return
	}
	base.Current = current
	lr.Base = &base
	moved := current != base.Recorded
	if moved {
		// Which platforms moved: one GET of the new base index, shared.
		want := platformsOf(base.Platforms)
		if pd, err := res.PlatformDigests(ctx, base.Name, current, want); err == nil {
			for i := range base.Platforms {
				base.Platforms[i].Current = pd[base.Platforms[i].Platform]
			}
		}
	} else {
		for i := range base.Platforms {
			base.Platforms[i].Current = base.Platforms[i].Recorded
		}
	}
	switch {
	case moved:
		lr.stale(fmt.Sprintf("base %s moved %s → %s%s", base.Name, short(base.Recorded), short(current), movedPlatforms(base)))
	case req.Force:
		lr.stale(fmt.Sprintf("--force (base %s unchanged at %s)", base.Name, short(current)))
	case !in.Policy.Refresh.SkipUnchanged:
		lr.stale(fmt.Sprintf("the policy rebuilds every refresh (skip_unchanged: false); base %s unchanged", base.Name))
	default:
		lr.Status, lr.Reason = StatusSkipped, fmt.Sprintf("base %s unchanged at %s", base.Name, short(current))
		lr.Behind, lr.behindWhy, err = leftBehind(ctx, in, lp, lr, m)
		if err != nil {
			lr.fail(err)
			return
		}
		if len(lr.Behind) > 0 && req.CheckOnly {
			lr.stale(fmt.Sprintf("%s; a refresh moves them to the line's image without rebuilding (base %s unchanged)", strings.Join(lr.behindWhy, "; "), base.Name))
		}
	}
}

// leftBehind compares every other tag the policy gives the line (the line
// tag, the exact tag when refreshes move it, the major tag, stable/latest
// for the newest line) with the line's image m, read from lr.Tag: one HEAD
// each, and a GET of a tag's image only when it differs, to leave alone a
// tag that holds a newer build (latest on a newer line). It returns the
// tags left behind, and why for each.
func leftBehind(ctx context.Context, in release.Inputs, lp plan.LinePlan, lr *LineReport, m *registry.Manifest) ([]string, []string, error) {
	if lp.Plan == nil {
		return nil, nil, nil
	}
	repo := in.Repositories[0]
	var tags, why []string
	for _, t := range lp.Plan.Floating() {
		if t.Name == lr.Tag {
			continue
		}
		d, err := in.Registry.Resolve(ctx, repo+":"+t.Name)
		switch {
		case errors.Is(err, registry.ErrNotFound):
			tags, why = append(tags, t.Name), append(why, t.Name+" is missing")
			continue
		case err != nil:
			return nil, nil, err
		case d.Digest == m.Digest:
			continue
		}
		theirs, err := in.Registry.Inspect(ctx, repo+"@"+d.Digest.String())
		if err != nil {
			return nil, nil, err
		}
		if publish.CompareBuilds(theirs.Annotations, m.Annotations) > 0 {
			continue
		}
		tags = append(tags, t.Name)
		why = append(why, fmt.Sprintf("%s points at %s, not at the line's image %s", t.Name, short(d.Digest.String()), short(m.Digest.String())))
	}
	return tags, why, nil
}

func movedPlatforms(b BaseCheck) string {
	var moved []string
	for _, p := range b.Platforms {
		if p.Current != "" && p.Current != p.Recorded {
			moved = append(moved, p.Platform)
		}
	}
	if len(moved) == 0 || len(moved) == len(b.Platforms) {
		return ""
	}
	return " (only " + strings.Join(moved, ", ") + ")"
}

func short(d string) string {
	if strings.HasPrefix(d, "sha256:") && len(d) > 19 {
		return d[:19]
	}
	return d
}
