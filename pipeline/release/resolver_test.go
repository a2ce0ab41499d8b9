package release_test

import (
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/patchline/patchline/pipeline/internal/testing/fixture"
	"github.com/patchline/patchline/pipeline/internal/testing/regtest"
	"github.com/patchline/patchline/pipeline/release"
)

// One image can be asked about for different platforms in one run (the
// final base of one line, an image copied into another): each caller gets
// the platforms it asked for, and the check that the base has them, from
// one read of the registry.
func TestPlatformDigestsAnswerEachCallersPlatforms(t *testing.T) {
	e := fixture.New(t, regtest.GGCR())
	amd64, arm64 := v1.Platform{OS: "linux", Architecture: "amd64"}, v1.Platform{OS: "linux", Architecture: "arm64"}
	single := e.Server.SeedImage(t, e.Repo+"-tool:1")
	sd, _ := single.Digest()
	idx := e.Server.SeedIndex(t, e.Repo+"-base:1", "linux/amd64")
	id, _ := idx.Digest()
	res := release.NewResolver(e.Client)
	e.Server.ResetCounts()

	if got, err := res.PlatformDigests(ctx, e.Repo+"-tool:1", sd.String(), nil); err != nil || len(got) != 0 {
		t.Fatalf("a single image, no platform asked: %v %v", got, err)
	}
	got, err := res.PlatformDigests(ctx, e.Repo+"-tool:1", sd.String(), []v1.Platform{amd64, arm64})
	if err != nil || got["linux/amd64"] != sd.String() || got["linux/arm64"] != sd.String() {
		t.Errorf("a single image, two platforms asked after none: %v %v; want both on %s", got, err, sd)
	}

	if _, err := res.PlatformDigests(ctx, e.Repo+"-base:1", id.String(), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := res.PlatformDigests(ctx, e.Repo+"-base:1", id.String(), []v1.Platform{amd64, arm64}); err == nil {
		t.Error("an index without linux/arm64 was accepted for it, because an earlier caller asked for nothing")
	}
	if c := e.Server.Counts(); c.GetManifest != 2 {
		t.Errorf("%d manifest GETs; want one per image", c.GetManifest)
	}
}
