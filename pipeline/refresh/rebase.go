package refresh

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/patchline/patchline/pipeline/build"
	"github.com/patchline/patchline/pipeline/dockerfile"
	"github.com/patchline/patchline/pipeline/rebase"
	"github.com/patchline/patchline/pipeline/release"
	"github.com/patchline/patchline/pipeline/reponame"
	"github.com/patchline/patchline/pipeline/watch"
)

// errUnchanged is returned by rebaseLine when every platform already sits
// on the current base: there is nothing to publish.
var errUnchanged = errors.New("already on the current base")

// rebaseLine moves the published image of a line onto the current base
// without building: the application layers are kept byte for byte. The
// image keeps its created time (the release's commit time), so rebasing
// the same image onto the same base always gives the same digest. Its
// provenance names the release tag's commit and ref, as a rebuild's does;
// an image built from another commit is refused.
//
// in are the line's inputs, its release tag's tree already checked out.
func rebaseLine(ctx context.Context, in release.Inputs, res *release.Resolver, b release.Build, lr *LineReport) (*release.Product, error) {
	if lr.Base == nil || lr.Base.Name == "" || lr.Base.Recorded == "" {
		return nil, fmt.Errorf("the published image records no base, so it cannot be rebased; set refresh.strategy: rebuild for this line's first refresh")
	}
	current := lr.Base.Current
	if current == "" {
		d, err := res.Digest(ctx, lr.Base.Name)
		if err != nil {
			return nil, err
		}
		current = d
	}
	reg := in.Registry
	image := in.Repositories[0] + "@" + lr.Published
	fin, err := rebase.Fetch(ctx, reg, rebase.FetchRequest{Image: image, NewBase: reponame.Of(lr.Base.Name) + "@" + current})
	if err != nil {
		return nil, err
	}
	m := lr.image // as the check read it
	if m == nil || m.Digest.String() != lr.Published {
		if m, err = reg.Inspect(ctx, image); err != nil {
			return nil, err
		}
	}
	created, err := time.Parse(time.RFC3339, m.Annotations[build.AnnotationCreated])
	if err != nil {
		return nil, fmt.Errorf("%s has no usable %s annotation (%q), which a rebase keeps", image, build.AnnotationCreated, m.Annotations[build.AnnotationCreated])
	}
	fin.Created = created
	rec, err := watch.Read(m.Annotations, m.Manifests)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", image, err)
	}
	inputs := rebasedInputs(rec, lr.Base.Name, current)
	if !rec.FinalOnly {
		// The image keeps every other image's files as they were: only the
		// final base's digest changes in its record.
		enc, err := watch.Encode(inputs)
		if err != nil {
			return nil, err
		}
		if fin.Annotations == nil {
			fin.Annotations = map[string]string{}
		}
		fin.Annotations[watch.AnnotationInputs] = enc
		fin.IndexAnnotations[watch.AnnotationInputs] = enc
	}
	out, err := rebase.Rebase(ctx, fin)
	if err != nil {
		return nil, err
	}
	if out.Unchanged {
		return nil, errUnchanged
	}
	if rev := m.Annotations[build.AnnotationRevision]; rev != "" && rev != in.Source.Commit {
		return nil, fmt.Errorf("%s was built from commit %s, but %s is at commit %s; a rebase keeps the image's layers and would attest a commit they were not built from: set refresh.strategy: rebuild to rebuild the line from its tag",
			image, rev, in.Source.Ref, in.Source.Commit)
	}
	pinned := &release.Pinned{RebasedFrom: image}
	for _, input := range inputs {
		base := release.Base{Ref: input.Ref, Digest: input.Digest, Role: input.Role, Stages: input.Stages}
		if input.Role == dockerfile.RoleFinal {
			base.Final, base.Previous = true, lr.Base.Recorded
		}
		pinned.Bases = append(pinned.Bases, base)
	}
	for i := range pinned.Bases {
		if pinned.Bases[i].Final {
			pinned.Final = &pinned.Bases[i]
		}
	}
	return release.Attest(ctx, in, b, out.Index, pinned, "rebase")
}

// rebasedInputs is the record of a rebased image: the published one with
// the final base at its new digest.
func rebasedInputs(rec watch.Record, final, current string) []watch.Input {
	if rec.FinalOnly || len(rec.Inputs) == 0 {
		return []watch.Input{{Ref: final, Digest: current, Role: dockerfile.RoleFinal}}
	}
	out := make([]watch.Input, 0, len(rec.Inputs))
	for _, in := range rec.Inputs {
		if in.Role == dockerfile.RoleFinal {
			in.Digest = current
		}
		out = append(out, in)
	}
	return out
}
