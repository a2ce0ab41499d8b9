package refresh

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/patchline/patchline/pipeline/build"
	"github.com/patchline/patchline/pipeline/rebase"
	"github.com/patchline/patchline/pipeline/release"
	"github.com/patchline/patchline/pipeline/reponame"
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
	m, err := reg.Inspect(ctx, image)
	if err != nil {
		return nil, err
	}
	created, err := time.Parse(time.RFC3339, m.Annotations[build.AnnotationCreated])
	if err != nil {
		return nil, fmt.Errorf("%s has no usable %s annotation (%q), which a rebase keeps", image, build.AnnotationCreated, m.Annotations[build.AnnotationCreated])
	}
	fin.Created = created
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
	pinned := &release.Pinned{Bases: []release.Base{{Ref: lr.Base.Name, Digest: current, Previous: lr.Base.Recorded, Final: true}}}
	pinned.Final = &pinned.Bases[0]
	return release.Attest(ctx, in, b, out.Index, pinned, "rebase")
}
