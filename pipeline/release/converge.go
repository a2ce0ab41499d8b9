package release

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/patchline/patchline/pipeline/build"
	"github.com/patchline/patchline/pipeline/plan"
	"github.com/patchline/patchline/pipeline/publish"
	"github.com/patchline/patchline/pipeline/registry"
	"github.com/patchline/patchline/pipeline/version"
	"github.com/patchline/patchline/pipeline/watch"
)

// maxRaces bounds how many lost races one publish recovers from before it
// gives up: each recovery either finishes the other run's build or takes
// the next dated suffix, so more than a few means something keeps writing.
const maxRaces = 3

// Replan returns the plan of a product with digest, given the tags that
// exist (with the digests of those that matter).
type Replan func(existing plan.Existing, digest string) (*plan.Plan, error)

// Published is what PublishProduct did: the product that went out (the
// one given, or another run's build it finished instead), its plan, and
// what happened to each tag.
type Published struct {
	Product *Product
	Plan    *plan.Plan
	Result  *publish.Result
	// Notes say which races were lost and how they were settled.
	Notes []string
}

// PublishProduct publishes prod under the plan replan gives it, and settles
// a race lost to another run publishing the same tags at the same time
// (publish.RaceError):
//
//   - when another run holds an immutable tag with a build of the same
//     thing (same version, revision and base), this run finishes that
//     build instead of its own: it adopts the image, attaches what it
//     lacks, and moves the floating tags to it, so both runs end on one
//     image and no extra dated tag is written;
//   - when only dated tags were lost to a different build (the base moved
//     between the two runs), this build takes the next dated suffix;
//   - otherwise the run fails, naming the tags; it moved no floating tag.
//
// kind is the provenance kind of a build adopted this way.
func PublishProduct(ctx context.Context, in Inputs, b Build, prod *Product, existing plan.Existing, replan Replan, allowOlder bool) (*Published, error) {
	out := &Published{Product: prod}
	for races := 0; ; races++ {
		pl, err := replan(existing, out.Product.Digest)
		if err != nil {
			return out, err
		}
		out.Plan = pl
		if err := out.Product.checkAttested(in.Policy); err != nil {
			return out, err
		}
		res, err := publish.Publish(ctx, in.Registry, publish.Request{
			Repositories: in.Repositories,
			Index:        out.Product.Index,
			Plan:         pl,
			Attach:       out.Product.ReferrersAttach(in),
			AllowOlder:   allowOlder,
			Settle:       in.Settle,
		})
		var race *publish.RaceError
		if !errors.As(err, &race) {
			out.Result = res
			return out, err
		}
		if races == maxRaces {
			return out, fmt.Errorf("%w; gave up after %d races, run again to finish", err, races)
		}
		next, note, err := settleRace(ctx, in, b, out.Product, race, existing)
		if err != nil {
			return out, err
		}
		out.Product = next
		out.Notes = append(out.Notes, note)
	}
}

// settleRace decides what a run does after losing race: the product to
// publish next, and a note saying why.
func settleRace(ctx context.Context, in Inputs, b Build, prod *Product, race *publish.RaceError, existing plan.Existing) (*Product, string, error) {
	im, err := prod.Index.IndexManifest()
	if err != nil {
		return nil, "", err
	}
	ours := im.Annotations
	var tags []string
	datedOnly := true
	for _, l := range race.Lost {
		tags = append(tags, l.Repository+":"+l.Tag)
		datedOnly = datedOnly && in.Policy.IsDatedTag(l.Tag)
		// Taken in any repository is taken: the next dated tag must
		// be free in the mirrors too.
		if l.Theirs != "" {
			existing[l.Tag] = l.Theirs
		}
	}
	for _, l := range race.Lost {
		if l.Theirs == "" {
			continue
		}
		m, err := in.Registry.Inspect(ctx, l.Repository+"@"+l.Theirs)
		if err != nil {
			return nil, "", err
		}
		if sameBuild(ours, m.Annotations) {
			theirs, err := adopt(ctx, in, b, &published{repo: l.Repository, digest: l.Theirs, revision: m.Annotations[build.AnnotationRevision]})
			if err != nil {
				return nil, "", err
			}
			return theirs, fmt.Sprintf("another run published %s under %s at the same time with a build of the same revision and base; this run finished that build instead of its own", l.Theirs, l.Repository+":"+l.Tag), nil
		}
	}
	if datedOnly {
		return prod, fmt.Sprintf("another run took %s with another build at the same time; this build takes the next dated tag", strings.Join(tags, ", ")), nil
	}
	return nil, "", fmt.Errorf("%w: %s; the other run's build differs from this one (%s), so this run stops here without moving any floating tag. Run again once the other run has finished", publish.ErrLostRace, strings.Join(tags, ", "), describeBuild(ours))
}

// sameBuild reports whether two images are builds of the same thing: the
// same version of the same revision on the same images.
func sameBuild(a, b map[string]string) bool {
	for _, k := range []string{build.AnnotationVersion, build.AnnotationRevision, build.AnnotationBaseName, build.AnnotationBaseDigest, watch.AnnotationInputs} {
		if a[k] != b[k] {
			return false
		}
	}
	return a[build.AnnotationRevision] != ""
}

func describeBuild(ann map[string]string) string {
	return fmt.Sprintf("version %s, revision %s, base %s", ann[build.AnnotationVersion], ann[build.AnnotationRevision], ann[build.AnnotationBaseDigest])
}

// FindInterrupted looks among today's dated tags of v in the primary
// repository for the image a run that stopped part-way already published:
// a build of in.Source.Commit whose watched images (see watch) are still
// what their tags point at now. Finishing that image, instead of building anew, leaves no
// dated tag holding an image that never became the line's. skip is a
// digest not to consider (the image the line already has). It costs one
// GET per candidate, and there is none unless a dated tag was written
// today.
func FindInterrupted(ctx context.Context, in Inputs, res *Resolver, v version.Version, existing plan.Existing, skip string) (string, error) {
	tags, err := plan.DatedToday(in.Policy, v, in.Date, existing)
	if err != nil {
		return "", err
	}
	repo := in.Repositories[0]
	for _, tag := range tags {
		d := existing[tag]
		if d == "" || d == skip {
			continue
		}
		m, err := in.Registry.Inspect(ctx, repo+"@"+d)
		if err != nil {
			return "", err
		}
		ann := m.Annotations
		if ann[build.AnnotationVersion] != v.String() || ann[build.AnnotationRevision] != in.Source.Commit {
			continue
		}
		current, err := onCurrentImages(ctx, in, res, m)
		if err != nil {
			return "", err
		}
		if current {
			return d, nil
		}
	}
	return "", nil
}

// onCurrentImages reports whether every image the build m records, of
// those the policy's refresh.watch watches, still resolves to the digest
// it was built with (one HEAD each, shared through res).
func onCurrentImages(ctx context.Context, in Inputs, res *Resolver, m *registry.Manifest) (bool, error) {
	rec, err := watch.Read(m.Annotations, m.Manifests)
	if err != nil {
		return false, nil
	}
	watched, _ := rec.Watched(in.Policy.Refresh.Watch)
	for _, input := range watched {
		now, err := res.Digest(ctx, input.Ref)
		if err != nil {
			return false, err
		}
		if now != input.Digest {
			return false, nil
		}
	}
	return true, nil
}

// Adopt loads an image already in repo so that it can be finished:
// attested where it lacks referrers and tagged.
func Adopt(ctx context.Context, in Inputs, b Build, repo, digest string) (*Product, error) {
	return adopt(ctx, in, b, &published{repo: repo, digest: digest})
}
