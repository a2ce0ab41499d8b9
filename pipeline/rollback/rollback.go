// Package rollback moves a line's floating tags back to an earlier build of
// that line, for when a refresh shipped a broken base. Only builds of the
// same line that carry their attestations are accepted: a rollback must not
// put `latest` on another version's image or on an image nobody can audit.
package rollback

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/patchline/patchline/pipeline/attest"
	"github.com/patchline/patchline/pipeline/build"
	"github.com/patchline/patchline/pipeline/plan"
	"github.com/patchline/patchline/pipeline/policy"
	"github.com/patchline/patchline/pipeline/publish"
	"github.com/patchline/patchline/pipeline/registry"
	"github.com/patchline/patchline/pipeline/release"
	"github.com/patchline/patchline/pipeline/version"
)

var (
	// ErrOutsideLine is returned when the target is a build of another line.
	ErrOutsideLine = errors.New("rollback target is not a build of the line")
	// ErrUnattested is returned when the target lacks its attestations.
	ErrUnattested = errors.New("rollback target has no attestations")
	// ErrUnsigned is returned when the policy signs attestations and the
	// target lacks a signed one: a deploy gate would refuse it.
	ErrUnsigned = errors.New("rollback target has no signed attestations")
)

// Request is one rollback.
type Request struct {
	Inputs release.Inputs
	// Released are the versions the source repository's tags name (see
	// version.FromTags).
	Released version.Set
	// Line is the line whose floating tags move, e.g. "1.6".
	Line string
	// To is the target: a tag (typically a dated tag) or a digest.
	To string
}

// Report says what moved.
type Report struct {
	Line     string              `json:"line"`
	Target   string              `json:"target"`
	Digest   string              `json:"digest"`
	Version  string              `json:"version"`
	Tags     []publish.TagResult `json:"tags"`
	Requests registry.Counts     `json:"registry_requests"`
}

// Run moves the line's floating tags (and the exact tag of the target's
// version, where the policy lets refreshes move it) to the target.
func Run(ctx context.Context, req Request) (*Report, error) {
	in := req.Inputs
	if len(in.Repositories) == 0 {
		return nil, fmt.Errorf("%w: give --image or list repositories in the policy", release.ErrNoRepository)
	}
	start := in.Registry.Counter().Counts()
	line, err := version.ParseLine(req.Line)
	if err != nil {
		return nil, err
	}
	if req.To == "" {
		return nil, fmt.Errorf("give the build to roll back to with --to, e.g. --to %s-20260204 (a dated tag) or --to sha256:<digest>", line)
	}
	lines := plan.ComputeLines(in.Policy, req.Released.Releases, in.Date)
	info, ok := lines.Get(line)
	if !ok {
		return nil, fmt.Errorf("line %s has no release among the git tags", line)
	}
	repo := in.Repositories[0]
	ref := repo + ":" + req.To
	if strings.HasPrefix(req.To, "sha256:") {
		ref = repo + "@" + req.To
	}
	m, err := in.Registry.Inspect(ctx, ref)
	if err != nil {
		return nil, fmt.Errorf("reading the rollback target: %w", err)
	}
	target, err := version.Parse(m.Annotations[build.AnnotationVersion])
	if err != nil {
		return nil, fmt.Errorf("%w: %s records no release version (%q), so it is not a build of line %s", ErrOutsideLine, ref, m.Annotations[build.AnnotationVersion], line)
	}
	if target.Line() != line || target.IsPrerelease() {
		return nil, fmt.Errorf("%w: %s is a build of %s, not of line %s", ErrOutsideLine, ref, target, line)
	}
	idx, err := in.Registry.Index(ctx, repo+"@"+m.Digest.String())
	if err != nil {
		return nil, err
	}
	if err := checkAttested(ctx, in, repo, idx, ref); err != nil {
		return nil, err
	}
	pl, err := tagsToMove(in.Policy, lines, info, target, in.Date)
	if err != nil {
		return nil, err
	}
	res, err := publish.Publish(ctx, in.Registry, publish.Request{Repositories: in.Repositories, Index: idx, Plan: pl, AllowOlder: true, Settle: in.Settle})
	if err != nil {
		return nil, err
	}
	return &Report{Line: line.String(), Target: req.To, Digest: m.Digest.String(), Version: target.String(), Tags: res.Repositories[0].Tags,
		Requests: in.Registry.Counter().Counts().Sub(start)}, nil
}

// tagsToMove plans the line's floating tags for the target: the line tag,
// the major tag and aliases where the line is entitled to them, and the
// target version's exact tag when refreshes move exact tags. Dated tags
// record builds and never move.
func tagsToMove(p *policy.Policy, lines plan.Lines, info plan.LineInfo, target version.Version, day time.Time) (*plan.Plan, error) {
	full, err := plan.ForRefreshLine(p, lines, info, nil, day, "")
	if err != nil {
		return nil, err
	}
	pl := &plan.Plan{Kind: plan.KindRefresh, Policy: p.Source, Version: target.String(), Line: info.Line.String(), Date: full.Date}
	for _, t := range full.Tags {
		switch {
		case t.Role == policy.RoleDated:
		case t.Role == policy.RoleExact:
			if p.Refresh.Exact && !t.Immutable {
				exact, err := p.Tags.Exact.Render(plan.Values(target, ""))
				if err != nil {
					return nil, err
				}
				pl.Tags = append(pl.Tags, plan.Tag{Name: exact, Role: policy.RoleExact})
			}
		default:
			pl.Tags = append(pl.Tags, t)
		}
	}
	if len(pl.Tags) == 0 {
		return nil, fmt.Errorf("the policy gives line %s no floating tag to move", info.Line)
	}
	return pl, nil
}

// checkAttested refuses a target whose platform images lack the
// attestations the policy publishes, in any layout it uses. Under a policy
// that signs, each platform image must also carry a Sigstore bundle for
// each statement the policy signs (an image released before signing was
// turned on has none); whether the signatures are ones the deploy gate
// trusts is `verify`'s question, which needs the trusted key or identity
// that a rollback does not take.
func checkAttested(ctx context.Context, in release.Inputs, repo string, idx v1.ImageIndex, ref string) error {
	att := in.Policy.Attestations
	if !att.Any() {
		return nil
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return err
	}
	inIndex, err := attest.ReadIndexAttestations(idx)
	if err != nil {
		return err
	}
	refs, err := attest.NewReferrers(in.Registry)
	if err != nil {
		return err
	}
	r, err := in.Registry.ParseRepository(repo)
	if err != nil {
		return err
	}
	for _, d := range im.Manifests {
		if d.Platform == nil || d.Platform.OS == "unknown" {
			continue
		}
		found := len(inIndex[d.Digest]) > 0
		if !found && att.Has(policy.LayoutReferrers) {
			list, err := refs.List(ctx, r, d.Digest, "")
			if err != nil {
				return err
			}
			found = len(list) > 0
		}
		if !found {
			return fmt.Errorf("%w: the %s image of %s (%s) has no SBOM or provenance attached; roll back to a build patchline published", ErrUnattested, d.Platform, ref, d.Digest)
		}
		for _, pt := range release.SignedPredicateTypes(att) {
			bundles, err := refs.Bundles(ctx, r, d.Digest, pt)
			if err != nil {
				return err
			}
			if !slices.ContainsFunc(bundles, func(b attest.AttachedBundle) bool { return b.PredicateType == pt }) {
				return fmt.Errorf("%w: the %s image of %s (%s) has no signed %s statement, which %s (attestations.sign: %s) requires; roll back to a build published since the policy signs its attestations",
					ErrUnsigned, d.Platform, ref, d.Digest, pt, in.Policy.Source, att.Sign)
			}
		}
	}
	return nil
}
