package release_test

import (
	"errors"
	"testing"

	"github.com/patchline/patchline/pipeline/internal/testing/fixture"
	"github.com/patchline/patchline/pipeline/internal/testing/regtest"
	"github.com/patchline/patchline/pipeline/plan"
	"github.com/patchline/patchline/pipeline/release"
	"github.com/patchline/patchline/pipeline/tagname"
	"github.com/patchline/patchline/pipeline/version"
)

// A release whose exact tag spells a dated tag of the policy
// (1.6.0-20260204 under weekly-refresh, whose exact tag is not immutable)
// would overwrite the dated tag 1.6.0 got that day. It is refused before
// anything is written, whether the dated tag exists yet or not, and so is
// an edge build whose tag spells a dated or an exact tag.
func TestVersionSpellingADatedTagRefused(t *testing.T) {
	e := fixture.New(t, regtest.GGCR())
	in := e.Inputs("weekly-refresh")
	if _, err := release.Release(ctx, in, fixture.Version(t, "1.6.0"), version.Set{}); err != nil {
		t.Fatal(err)
	}
	dated := e.Digest(e.Repo + ":1.6.0-20260204")
	if dated == "" {
		t.Fatal("1.6.0 got no dated tag")
	}
	before := e.Server.Counts()
	for _, v := range []string{"1.6.0-20260204", "v1.6.0-20260204", "1.6.0-20260204.1", "1.7.0-20991231"} {
		_, err := release.Release(ctx, in, fixture.Version(t, v), version.Set{})
		if !errors.Is(err, plan.ErrTagCollision) {
			t.Errorf("release %s: err = %v, want ErrTagCollision", v, err)
		}
	}
	in.DryRun = true
	if _, err := release.Release(ctx, in, fixture.Version(t, "1.6.0-20260204"), version.Set{}); !errors.Is(err, plan.ErrTagCollision) {
		t.Errorf("a dry run plans it: %v", err)
	}
	in.DryRun = false
	if d := e.Digest(e.Repo + ":1.6.0-20260204"); d != dated {
		t.Errorf("the dated tag moved from %s to %s", dated, d)
	}
	if got := e.Server.Counts().Sub(before); got.PutManifest != 0 || got.BlobUpload != 0 {
		t.Errorf("wrote before refusing: %s", got)
	}

	// An edge build of a branch named like a dated or an exact tag,
	// under a policy whose edge tag is the bare branch.
	p := *in.Policy
	edge, _ := tagname.ParseTemplate("{branch}")
	p.Tags.Edge = []tagname.Template{edge}
	in.Policy = &p
	for _, branch := range []string{"1.6.0-20260204", "1.6.0"} {
		if _, err := release.Edge(ctx, in, branch, fixture.Commit); !errors.Is(err, plan.ErrTagCollision) {
			t.Errorf("edge --branch %s: err = %v, want ErrTagCollision", branch, err)
		}
	}
	if got := e.Server.Counts().Sub(before); got.PutManifest != 0 || got.BlobUpload != 0 {
		t.Errorf("wrote before refusing: %s", got)
	}
}
