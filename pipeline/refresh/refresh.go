// Package refresh keeps every supported release line patched. For each
// line it reads what the published image records it was built from (one
// GET), asks the registry what each watched image's tag points at now (one
// HEAD per distinct image per run, shared by every line), and rebuilds —
// or rebases — only the lines where a watched image moved, publishing the
// policy's refresh tags with the same ordering and guards as a release.
//
// The images are recorded by the release flow in the
// dev.patchline.image.inputs annotation (see package watch) and read back
// from the same place here; a refresh right after a successful one
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
	"github.com/patchline/patchline/pipeline/release"
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
	// Packages runs the OS package check of refresh.packages; required
	// when the policy asks for one.
	Packages PackageChecker
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
	if rep.Rebuilt > 0 {
		if rep.SignedBy, err = release.SignedBy(ctx, in); err != nil {
			return rep, err
		}
	}
	switch {
	case rep.Failed > 0 || rep.Unchanged > 0:
		return rep, fmt.Errorf("%w: %s", ErrFailed, rep.failedLines())
	case req.CheckOnly && rep.Stale > 0:
		return rep, fmt.Errorf("%w: %s", ErrStale, rep.staleLines())
	}
	return rep, nil
}

func short(d string) string {
	if strings.HasPrefix(d, "sha256:") && len(d) > 19 {
		return d[:19]
	}
	return d
}
