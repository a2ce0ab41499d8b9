package release

import (
	"context"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/patchline/patchline/pipeline/build"
	"github.com/patchline/patchline/pipeline/internal/testing/regtest"
	"github.com/patchline/patchline/pipeline/plan"
	"github.com/patchline/patchline/pipeline/policy"
	"github.com/patchline/patchline/pipeline/publish"
	"github.com/patchline/patchline/pipeline/registry"
)

// A dated tag another build took in a mirror, not in the primary
// repository, is taken all the same: the next plan must not hand out the
// same name again, or every attempt loses it once more.
func TestADatedTagLostInAMirrorIsTaken(t *testing.T) {
	srv := regtest.GGCR().Start(t)
	primary, mirror := srv.Ref("acme/app"), srv.Ref("mirror/app")
	theirs := mutate.Annotations(regtest.Index(t, "linux/amd64"), map[string]string{build.AnnotationVersion: "1.6.2", build.AnnotationRevision: "other"}).(v1.ImageIndex)
	srv.Seed(t, mirror+":1.6.2-20260204", theirs)
	td, _ := theirs.Digest()
	ours := mutate.Annotations(regtest.Index(t, "linux/amd64"), map[string]string{build.AnnotationVersion: "1.6.2", build.AnnotationRevision: "ours"}).(v1.ImageIndex)
	od, _ := ours.Digest()
	pol, err := policy.Preset("weekly-refresh")
	if err != nil {
		t.Fatal(err)
	}
	reg, err := registry.New()
	if err != nil {
		t.Fatal(err)
	}
	in := Inputs{Policy: pol, Registry: reg, Repositories: []string{primary, mirror}}
	existing := plan.Existing{}
	race := &publish.RaceError{Digest: od.String(), Lost: []publish.LostTag{{Repository: mirror, Tag: "1.6.2-20260204", Theirs: td.String()}}}
	next, _, err := settleRace(context.Background(), in, Build{Version: "1.6.2"}, &Product{Index: ours, Digest: od.String()}, race, existing)
	if err != nil || next == nil {
		t.Fatalf("a dated tag lost to another build: %v", err)
	}
	if existing["1.6.2-20260204"] != td.String() {
		t.Errorf("the tag lost in the mirror is not taken for the next plan: %v", existing)
	}
}
