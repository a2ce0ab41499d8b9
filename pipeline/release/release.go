package release

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/patchline/patchline/pipeline/attest"
	"github.com/patchline/patchline/pipeline/plan"
	"github.com/patchline/patchline/pipeline/policy"
	"github.com/patchline/patchline/pipeline/publish"
	"github.com/patchline/patchline/pipeline/registry"
	"github.com/patchline/patchline/pipeline/version"
)

// Report is the outcome of a release or edge build.
type Report struct {
	Kind         plan.Kind `json:"kind"`
	DryRun       bool      `json:"dry_run,omitempty"`
	Repositories []string  `json:"repositories"`
	// Commit and Ref are the revision built (or, in a dry run, that would
	// be): the tree of that commit is what the image holds.
	Commit    string          `json:"commit,omitempty"`
	Ref       string          `json:"ref,omitempty"`
	Plan      *plan.Plan      `json:"plan"`
	Adopted   bool            `json:"adopted,omitempty"`
	Digest    string          `json:"digest,omitempty"`
	Platforms []PlatformImage `json:"platforms,omitempty"`
	Bases     []Base          `json:"bases,omitempty"`
	Publish   *publish.Result `json:"publish,omitempty"`
	// SignedBy says who signed the attestations (a key's fingerprint, or
	// a keyless certificate's identity); empty when they are unsigned.
	SignedBy string          `json:"signed_by,omitempty"`
	Notes    []string        `json:"notes,omitempty"`
	Requests registry.Counts `json:"registry_requests"`
}

// Release publishes version v: it plans the tags, finishes an earlier run
// of the same revision or builds anew, attests and publishes. released are
// the versions the source repository's tags name; the versions tagged in
// the primary repository are added to them, so a release knows about
// versions published from elsewhere.
//
// An earlier run of the same revision is found under the exact tag or, if
// it stopped before writing that, under today's dated tag of the version
// (on the base that is current now); its image is finished rather than a
// second one built, so a re-run leaves no stray dated tag.
func Release(ctx context.Context, in Inputs, v version.Version, released version.Set) (*Report, error) {
	if len(in.Repositories) == 0 {
		return nil, fmt.Errorf("%w: give --image or list repositories in the policy", ErrNoRepository)
	}
	if err := in.CheckSigner(); err != nil {
		return nil, err
	}
	start := in.Registry.Counter().Counts()
	rep := &Report{Kind: plan.KindRelease, DryRun: in.DryRun, Repositories: in.Repositories, Commit: in.Source.Commit, Ref: in.Source.Ref}
	existing, primaryTags, err := ExistingTags(ctx, in)
	if err != nil {
		return nil, err
	}
	released = released.Union(version.FromTags(primaryTags, in.Policy.IsDatedTag))
	pl, err := plan.ForRelease(in.Policy, plan.ReleaseInput{Version: v, Released: released, Existing: existing, Date: in.Date})
	if err != nil {
		return nil, err
	}
	rep.Plan = pl
	b := Build{Kind: attest.KindRelease, Version: pl.Version}
	pub, notes, err := findPublished(ctx, in, exactTag(pl))
	if err != nil {
		return nil, err
	}
	rep.Notes = append(rep.Notes, notes...)
	res := NewResolver(in.Registry)
	if in.DryRun {
		return rep, dryRun(ctx, in, res, rep, start)
	}
	if err := ReadDatedDigests(ctx, in, existing); err != nil {
		return nil, err
	}
	if pub == nil && !v.IsPrerelease() && in.Policy.Release.Dated {
		d, err := FindInterrupted(ctx, in, res, v, existing, "")
		if err != nil {
			return nil, err
		}
		if d != "" {
			pub = &published{repo: in.Repositories[0], digest: d, revision: in.Source.Commit}
		}
	}
	var prod *Product
	if pub != nil {
		prod, err = adopt(ctx, in, b, pub)
		rep.Notes = append(rep.Notes, fmt.Sprintf("%s already holds this revision (%s); finishing that release instead of rebuilding", pub.repo, pub.digest))
	} else {
		prod, err = Produce(ctx, in, res, b)
	}
	if err != nil {
		return nil, err
	}
	return rep, finish(ctx, in, rep, b, prod, existing, pl.Against, start, false)
}

// exactTag returns the plan's exact tag; a release plan always has one.
func exactTag(pl *plan.Plan) plan.Tag {
	for _, t := range pl.Tags {
		if t.Role == policy.RoleExact {
			return t
		}
	}
	return pl.Tags[0]
}

// Edge publishes a development build of branch at sha. Without a branch it
// publishes the tags that need none (edge-sha-<sha7> in the presets), and
// provenance records the commit itself as the ref built.
func Edge(ctx context.Context, in Inputs, branch, sha string) (*Report, error) {
	if len(in.Repositories) == 0 {
		return nil, fmt.Errorf("%w: give --image or list repositories in the policy", ErrNoRepository)
	}
	if err := in.CheckSigner(); err != nil {
		return nil, err
	}
	start := in.Registry.Counter().Counts()
	existing, _, err := ExistingTags(ctx, in)
	if err != nil {
		return nil, err
	}
	pl, err := plan.ForEdge(in.Policy, plan.EdgeInput{Branch: branch, SHA: sha, Existing: existing, Date: in.Date})
	if err != nil {
		return nil, err
	}
	rep := &Report{Kind: plan.KindEdge, DryRun: in.DryRun, Repositories: in.Repositories, Commit: in.Source.Commit, Ref: in.Source.Ref, Plan: pl}
	res := NewResolver(in.Registry)
	if in.DryRun {
		return rep, dryRun(ctx, in, res, rep, start)
	}
	if in.Source.Ref == "" {
		// The ref provenance records as built: the branch, or with none
		// the commit itself.
		in.Source.Ref = in.Source.Commit
		if pl.Branch != "" {
			in.Source.Ref = "refs/heads/" + pl.Branch
		}
	}
	b := Build{Kind: attest.KindEdge, Version: pl.Tags[0].Name}
	prod, err := Produce(ctx, in, res, b)
	if err != nil {
		return nil, err
	}
	replan := func(plan.Existing, string) (*plan.Plan, error) { return pl, nil }
	return rep, finish(ctx, in, rep, b, prod, existing, replan, start, false)
}

// dryRun resolves the bases so the report shows what a build would pin,
// and stops: nothing is built and nothing is written.
func dryRun(ctx context.Context, in Inputs, res *Resolver, rep *Report, start registry.Counts) error {
	platforms := in.platforms()
	content, err := in.Builder.ReadFile(ctx, in.Dockerfile)
	if err != nil {
		return err
	}
	pinned, err := res.Pin(ctx, in.Dockerfile, content, in.Target, in.BuildArgs, platforms)
	if err != nil {
		return err
	}
	rep.Bases = pinned.Bases
	rep.Requests = in.Registry.Counter().Counts().Sub(start)
	return nil
}

// finish publishes a product under the plan replan gives it and fills
// the report.
func finish(ctx context.Context, in Inputs, rep *Report, b Build, prod *Product, existing plan.Existing, replan Replan, start registry.Counts, allowOlder bool) error {
	if a := in.Policy.Attestations; prod.Adopted && a.Has(policy.LayoutIndex) && a.Any() {
		atts, err := attest.ReadIndexAttestations(prod.Index)
		if err != nil {
			return err
		}
		switch {
		case len(atts) > 0:
		case a.Has(policy.LayoutReferrers):
			rep.Notes = append(rep.Notes, "the published index has no in-index attestations; adding them would change its digest, so only the referrers layout is completed")
		default:
			// Nothing would attest it: the index layout cannot be added to
			// a published index, and the policy has no other.
			return fmt.Errorf("%w: %s, published earlier for this revision, has no in-index attestations, and adding them would change its digest; nothing was tagged. Add referrers to attestations.layouts in %s to attest the image where it is, or release a new version",
				ErrUnattested, prod.Digest, in.Policy.Source)
		}
	}
	out, err := PublishProduct(ctx, in, b, prod, existing, replan, allowOlder)
	prod = out.Product
	rep.Plan = out.Plan
	rep.Adopted = prod.Adopted
	rep.Digest = prod.Digest
	rep.Platforms = prod.Platforms
	if prod.Pinned != nil {
		rep.Bases = prod.Pinned.Bases
	}
	rep.Notes = append(rep.Notes, out.Notes...)
	rep.Requests = in.Registry.Counter().Counts().Sub(start)
	if err != nil {
		return err
	}
	rep.Publish = out.Result
	rep.SignedBy, err = SignedBy(ctx, in)
	return err
}

// ExistingTags lists the tags of every repository: the union goes to the
// planner (dated tags must be free everywhere), and the primary's tags
// count as released versions.
func ExistingTags(ctx context.Context, in Inputs) (plan.Existing, []string, error) {
	existing := plan.Existing{}
	var primary []string
	for i, repo := range in.Repositories {
		tags, err := in.Registry.Tags(ctx, repo)
		if err != nil {
			return nil, nil, err
		}
		if i == 0 {
			primary = tags
		}
		for _, t := range tags {
			existing[t] = ""
		}
	}
	return existing, primary, nil
}

// ReadDatedDigests fills in the digests of today's dated tags in the
// primary repository (one HEAD each), so that the planner can tell a re-run
// that published the same image (reuse the tag) from a second build on the
// same day (take the next suffix).
func ReadDatedDigests(ctx context.Context, in Inputs, existing plan.Existing) error {
	if in.Policy.Tags.Dated.IsZero() {
		return nil
	}
	today := in.Policy.Tags.DateFormat.Format(in.Date)
	for tag := range existing {
		if !in.Policy.IsDatedTag(tag) || !strings.Contains(tag, today) {
			continue
		}
		d, err := in.Registry.Resolve(ctx, in.Repositories[0]+":"+tag)
		if errors.Is(err, registry.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		existing[tag] = d.Digest.String()
	}
	return nil
}
