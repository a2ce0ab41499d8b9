package refresh

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/patchline/patchline/pipeline/attest"
	"github.com/patchline/patchline/pipeline/plan"
	"github.com/patchline/patchline/pipeline/policy"
	"github.com/patchline/patchline/pipeline/publish"
	"github.com/patchline/patchline/pipeline/release"
)

// refreshLine rebuilds (or rebases) one stale line and publishes its
// refresh tags, the plan the line got when the refresh was decided. When a
// run that stopped part-way today already published this line's build on
// the current base, that image is finished instead.
func refreshLine(ctx context.Context, req Request, res *release.Resolver, lp plan.LinePlan, lr *LineReport, existing plan.Existing) error {
	info := lp.LineInfo
	b := release.Build{Kind: attest.KindRefresh, Version: info.Newest.String()}
	in, err := lineInputs(ctx, req, info)
	if err != nil {
		return err
	}
	lr.Strategy = in.Policy.Refresh.Strategy
	var prod *release.Product
	interrupted, err := release.FindInterrupted(ctx, in, res, info.Newest, existing, lr.Published)
	if err != nil {
		return err
	}
	rebase := in.Policy.Refresh.Strategy == policy.StrategyRebase
	switch {
	case interrupted != "":
		prod, err = release.Adopt(ctx, in, b, in.Repositories[0], interrupted)
		lr.Adopted = true
	case rebase && lr.onlyFinalMoved():
		prod, err = rebaseLine(ctx, in, res, b, lr)
		if errors.Is(err, errUnchanged) {
			// The base's tag moved, but not the manifest of any platform
			// the image has (the index was re-annotated, or a platform
			// added): a rebase has no layer to swap, and only a build
			// records the base as its tag is now, which check compares.
			err = nil
			lr.Notes = append(lr.Notes, "rebuilt rather than rebased: every platform already sits on the current base's manifest, and a build records the base as its tag is now")
		}
	}
	if prod == nil && err == nil {
		if rebase {
			lr.Strategy = policy.StrategyRebuild
			if !lr.onlyFinalMoved() {
				lr.Notes = append(lr.Notes, "rebuilt rather than rebased: a rebase only replaces the final base's layers, and "+lr.Reason)
			}
		}
		if in, err = withRefreshArg(ctx, in, lr); err != nil {
			return err
		}
		prod, err = release.Produce(ctx, in, res, b)
		if err == nil && lr.packageUpdates && len(lr.moved) == 0 {
			var same bool
			if same, err = packagesUnchanged(ctx, in, lr, prod); err == nil && same {
				return nil
			}
		}
	}
	if err != nil {
		return err
	}
	out, err := release.PublishProduct(ctx, in, b, prod, existing, lp.Plan.Against, false)
	lr.Notes = append(lr.Notes, out.Notes...)
	if err != nil {
		return err
	}
	prod = out.Product
	for _, t := range out.Plan.Tags {
		existing[t.Name] = prod.Digest
	}
	lr.Status = StatusRebuilt
	lr.Digest = prod.Digest
	lr.Withheld = out.Plan.Withheld
	lr.setTags(out.Result)
	if interrupted != "" {
		lr.Notes = append(lr.Notes, fmt.Sprintf("finished %s, which a run that stopped part-way today built on the same base, instead of building again", interrupted))
	}
	return nil
}

// repairLine moves the tags a line is entitled to that were left behind
// (by a run that stopped part-way, or lost to another run) to the line's
// current image: manifest PUTs only, no build. The image's attestations
// are checked first, and attached where missing, as for any publish.
func repairLine(ctx context.Context, req Request, lp plan.LinePlan, lr *LineReport) error {
	b := release.Build{Kind: attest.KindRefresh, Version: lp.Newest.String()}
	in, err := lineInputs(ctx, req, lp.LineInfo)
	if err != nil {
		return err
	}
	pl := *lp.Plan
	pl.Tags = lp.Plan.Floating()
	prod, err := release.Adopt(ctx, in, b, in.Repositories[0], lr.Published)
	if err != nil {
		return err
	}
	result, err := publish.Publish(ctx, in.Registry, publish.Request{
		Repositories: in.Repositories,
		Index:        prod.Index,
		Plan:         &pl,
		Attach:       prod.ReferrersAttach(in),
		Settle:       in.Settle,
	})
	if err != nil {
		return err
	}
	lr.Status = StatusRepaired
	lr.Reason = fmt.Sprintf("%s did not point at the line's image %s; moved them to it without rebuilding (%s)", strings.Join(lr.Behind, ", "), short(lr.Published), lr.Reason)
	lr.Digest = lr.Published
	lr.setTags(result)
	return nil
}

// lineInputs are the run's inputs with the line's release as the source:
// the tree at its git tag, whose commit and ref the line's provenance
// names whether it is rebuilt, rebased or finished.
func lineInputs(ctx context.Context, req Request, info plan.LineInfo) (release.Inputs, error) {
	in := req.Inputs
	tag, ok := req.Released.Tag(info.Newest)
	if !ok {
		return in, fmt.Errorf("no git tag for %s", info.Newest)
	}
	builder, src, err := req.SourceFor(ctx, tag)
	if err != nil {
		return in, fmt.Errorf("source of %s: %w", tag, err)
	}
	in.Builder = builder
	in.Source = src
	if in.Source.Ref == "" {
		in.Source.Ref = "refs/tags/" + tag
	}
	return in, nil
}
