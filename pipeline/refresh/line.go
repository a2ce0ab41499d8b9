package refresh

import (
	"context"
	"errors"
	"fmt"

	"github.com/patchline/patchline/pipeline/attest"
	"github.com/patchline/patchline/pipeline/plan"
	"github.com/patchline/patchline/pipeline/policy"
	"github.com/patchline/patchline/pipeline/publish"
	"github.com/patchline/patchline/pipeline/release"
)

// refreshLine rebuilds (or rebases) one stale line and publishes its
// refresh tags.
func refreshLine(ctx context.Context, req Request, res *release.Resolver, lines plan.Lines, info plan.LineInfo, lr *LineReport, existing plan.Existing) error {
	in := req.Inputs
	b := release.Build{Kind: attest.KindRefresh, Version: info.Newest.String()}
	var prod *release.Product
	var err error
	lr.Strategy = in.Policy.Refresh.Strategy
	switch in.Policy.Refresh.Strategy {
	case policy.StrategyRebase:
		prod, err = rebaseLine(ctx, req, res, b, info, lr)
	default:
		prod, err = rebuildLine(ctx, req, res, b, info)
	}
	if errors.Is(err, errUnchanged) {
		lr.Status, lr.Reason = StatusSkipped, "every platform already sits on the current base"
		return nil
	}
	if err != nil {
		return err
	}
	pl, err := plan.ForRefreshLine(in.Policy, lines, info, existing, in.Date, prod.Digest)
	if err != nil {
		return err
	}
	result, err := publish.Publish(ctx, in.Registry, publish.Request{
		Repositories: in.Repositories,
		Index:        prod.Index,
		Plan:         pl,
		Attach:       prod.ReferrersAttach(in),
		Settle:       in.Settle,
	})
	if err != nil {
		return err
	}
	for _, t := range pl.Tags {
		existing[t.Name] = prod.Digest
	}
	lr.Status = StatusRebuilt
	lr.Digest = prod.Digest
	lr.Withheld = pl.Withheld
	lr.Tags = result.Repositories[0].Tags
	for _, r := range result.Repositories {
		lr.Attestations = append(lr.Attestations, r.Attestations...)
	}
	return nil
}

// rebuildLine builds the release's own source tree again on the current
// bases.
func rebuildLine(ctx context.Context, req Request, res *release.Resolver, b release.Build, info plan.LineInfo) (*release.Product, error) {
	in, err := lineInputs(ctx, req, info)
	if err != nil {
		return nil, err
	}
	return release.Produce(ctx, in, res, b)
}

// lineInputs are the run's inputs with the line's release as the source:
// the tree at its git tag, whose commit and ref the line's provenance
// names whether it is rebuilt or rebased.
func lineInputs(ctx context.Context, req Request, info plan.LineInfo) (release.Inputs, error) {
	in := req.Inputs
	tag, ok := gitTagOf(req.GitTags, info.Newest)
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
