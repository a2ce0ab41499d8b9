package refresh_test

import (
	"context"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/patchline/patchline/pipeline/internal/testing/fixture"
	"github.com/patchline/patchline/pipeline/internal/testing/layerbuild"
	"github.com/patchline/patchline/pipeline/internal/testing/regtest"
	"github.com/patchline/patchline/pipeline/refresh"
	"github.com/patchline/patchline/pipeline/watch"
)

// builderWorld is a Go service built in a builder stage on golang, whose
// toolchain version file is copied into the final stage, and checked by a
// lint stage on a tools image that the final stage only mounts.
type builderWorld struct {
	*world
	golang, tools string
}

func newBuilderWorld(t *testing.T, impl regtest.Impl, watch string) *builderWorld {
	bw := &builderWorld{}
	policy := "version: 1\nrefresh:\n  watch: " + watch + "\n"
	bw.world = newWorldWith(t, impl, policy, func(e *fixture.Env) {
		bw.golang = e.Server.Ref("library/golang") + ":1.26"
		bw.tools = e.Server.Ref("acme/tools") + ":2"
		e.SeedImage(t, bw.golang, map[string]string{"usr/local/go/VERSION": "go1.26.1\n"})
		e.SeedImage(t, bw.tools, map[string]string{"usr/bin/lint": "lint 2.0\n"})
		e.SetBuildOptions(layerbuild.WithRun(func(ctx context.Context, r layerbuild.Run) (map[string][]byte, error) {
			return nil, nil // the lint step writes nothing
		}))
		e.SetDockerfile("FROM " + bw.golang + " AS build\nCOPY app/ /src/\n" +
			"FROM " + bw.tools + " AS lint\n" +
			"FROM " + e.Base + "\nRUN --mount=type=bind,from=lint,source=/usr/bin,target=/lint /lint/lint /app\n" +
			"COPY --from=build /usr/local/go/VERSION /app/go-version\nCOPY app/ /app/\nENTRYPOINT [\"/app/run\"]\n")
	}, "v1.5.3", "v1.6.2")
	return bw
}

// A builder base moves: the Go toolchain whose build output is copied
// into the final stage gets a security release. Lines are rebuilt under
// watch: content (the default) and all, and skipped under final; the
// week after, every line is skipped again, for one GET per line and one
// HEAD per watched image. The tools image, only mounted by a lint step,
// is watched under all alone.
func TestWeeksBuilderBaseMoves(t *testing.T) {
	for _, c := range []struct {
		watch            string
		golang, tools    string // status of both lines when golang, then tools, moves
		watchedImages    int64
		reasonMentionsGo bool
	}{
		{watch: "final", golang: "skipped", tools: "skipped", watchedImages: 1},
		{watch: "content", golang: "rebuilt", tools: "skipped", watchedImages: 2, reasonMentionsGo: true},
		{watch: "all", golang: "rebuilt", tools: "rebuilt", watchedImages: 3, reasonMentionsGo: true},
	} {
		for _, impl := range regtest.All() {
			t.Run(c.watch+"/"+impl.Name, func(t *testing.T) {
				w := newBuilderWorld(t, impl, c.watch)
				e := w.e
				both := func(s string) string { return "1.6=" + s + " 1.5=" + s }

				// A Go security release moves golang:1.26.
				w.week()
				e.SeedImage(t, w.golang, map[string]string{"usr/local/go/VERSION": "go1.26.2\n"})
				builds := e.Builds()
				rep, err := w.refresh()
				if err != nil {
					t.Fatal(err)
				}
				if got := statuses(rep); got != both(c.golang) {
					t.Fatalf("golang moved under watch: %s: %s", c.watch, got)
				}
				l := line(rep, "1.6")
				if c.reasonMentionsGo {
					if !strings.Contains(l.Reason, w.golang+" (copied into the final stage, stage build) moved") {
						t.Errorf("reason %q does not name the builder image", l.Reason)
					}
					if e.Builds() != builds+2 {
						t.Errorf("built %d times", e.Builds()-builds)
					}
				} else if e.Builds() != builds {
					t.Errorf("watch: final built %d times", e.Builds()-builds)
				}
				for _, img := range l.Images {
					if img.Ref == w.golang && img.Watched != c.reasonMentionsGo {
						t.Errorf("golang watched = %v", img.Watched)
					}
					if img.Ref == w.golang && img.Moved && len(img.Platforms) != 2 {
						t.Errorf("golang moved on %+v; want both platforms named", img.Platforms)
					}
				}

				// A week with nothing new: skipped, at the bound.
				w.week()
				e.Server.ResetCounts()
				if rep, err = w.refresh(); err != nil || statuses(rep) != both("skipped") {
					t.Fatalf("the week after: %v %s", err, statuses(rep))
				}
				if n := e.Server.Counts(); n.HeadManifest != c.watchedImages || n.GetManifest != 2 || n.GetBlob != 0 || n.PutManifest != 0 {
					t.Errorf("no-op cost under watch: %s: %s; want %d HEADs and 2 GETs", c.watch, n, c.watchedImages)
				}

				// The lint step's tools image moves: only all watches it.
				w.week()
				e.SeedImage(t, w.tools, map[string]string{"usr/bin/lint": "lint 2.1\n"})
				if rep, err = w.refresh(); err != nil || statuses(rep) != both(c.tools) {
					t.Fatalf("tools moved under watch: %s: %v %s", c.watch, err, statuses(rep))
				}
				w.week()
				if rep, err = w.refresh(); err != nil || statuses(rep) != both("skipped") {
					t.Errorf("after the tools week: %v %s", err, statuses(rep))
				}
			})
		}
	}
}

// Only arm64 of the builder image moves: the report names the platform.
func TestMovedBuilderImageIsNamedPerPlatform(t *testing.T) {
	w := newBuilderWorld(t, regtest.GGCR(), "content")
	e := w.e
	w.week()
	e.SeedImageOn(t, w.golang, map[string]map[string]string{
		"linux/amd64": {"usr/local/go/VERSION": "go1.26.1\n"},
		"linux/arm64": {"usr/local/go/VERSION": "go1.26.2\n"},
	})
	rep, err := w.refresh(func(r *refresh.Request) { r.CheckOnly = true })
	if err == nil {
		t.Fatal("check passed with a moved builder image")
	}
	l := line(rep, "1.6")
	if !strings.Contains(l.Reason, "moved") || !strings.Contains(l.Reason, "(only linux/arm64)") {
		t.Errorf("reason %q", l.Reason)
	}
}

// Under refresh.strategy: rebase, a line whose final base moved on one
// platform only is rebased: the image keeps its record of every image with
// the final base at its new digest (on the index, which a rebase updates
// even for the platform it carries over), its provenance lists the same
// images, and the week after skips. A line where the builder image moved
// is rebuilt instead, since a rebase cannot pick that up.
func TestRebaseKeepsTheRecordOfEveryImage(t *testing.T) {
	w := newBuilderWorld(t, regtest.GGCR(), "content")
	w.policy += "  strategy: rebase\n"
	e := w.e
	w.week()
	e.PushBase(t, "2", "linux/arm64")
	builds := e.Builds()
	rep, err := w.refresh()
	if err != nil || statuses(rep) != "1.6=rebuilt 1.5=rebuilt" || e.Builds() != builds || line(rep, "1.6").Strategy != "rebase" {
		t.Fatalf("rebase: %v %s, %d builds", err, statuses(rep), e.Builds()-builds)
	}
	idx := e.Index(e.Repo + ":1.6")
	im, _ := idx.IndexManifest()
	inputs, err := watch.Decode(im.Annotations[watch.AnnotationInputs])
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range inputs {
		if now := e.Digest(in.Ref); in.Digest != now {
			t.Errorf("the rebased image records %s at %s; it is at %s", in.Ref, in.Digest, now)
		}
	}
	if len(inputs) != 3 {
		t.Errorf("the rebased image records %d images: %+v", len(inputs), inputs)
	}
	w.week()
	if rep, err = w.refresh(); err != nil || statuses(rep) != "1.6=skipped 1.5=skipped" {
		t.Fatalf("the week after the rebase: %v %s", err, statuses(rep))
	}

	w.week()
	e.SeedImage(t, w.golang, map[string]string{"usr/local/go/VERSION": "go1.26.2\n"})
	rep, err = w.refresh()
	if err != nil || statuses(rep) != "1.6=rebuilt 1.5=rebuilt" || e.Builds() != builds+2 {
		t.Fatalf("golang moved under rebase: %v %s, %d builds", err, statuses(rep), e.Builds()-builds)
	}
	if l := line(rep, "1.6"); l.Strategy != "rebuild" || !mentions(l.Notes, "rebuilt rather than rebased") {
		t.Errorf("strategy %s notes %q", l.Strategy, l.Notes)
	}
}

// An image published before every image of its build was recorded still
// works: its base annotations say what its final base is, the report says
// that is all that is known, and its next rebuild records everything.
func TestImagePublishedBeforeTheRecordFallsBackToItsBase(t *testing.T) {
	w := newBuilderWorld(t, regtest.Olareg(), "content")
	e := w.e
	for _, tag := range []string{"1.6.2", "1.6", "latest"} {
		e.Server.Seed(t, e.Repo+":"+tag, withoutInputs(t, e.Index(e.Repo+":"+tag)))
	}
	w.week()
	rep, err := w.refresh()
	if err != nil || line(rep, "1.6").Status != refresh.StatusSkipped {
		t.Fatalf("%v %s", err, statuses(rep))
	}
	l := line(rep, "1.6")
	if l.Known != refresh.KnownFinalOnly || !strings.Contains(l.Reason, "only the final base is known") || len(l.Images) != 1 || l.Base == nil || l.Base.Name != e.Base {
		t.Errorf("line %+v", l)
	}
	// Its builder image moves: not known, so not seen; its base moves:
	// rebuilt, and the rebuild records every image.
	w.week()
	e.SeedImage(t, w.golang, map[string]string{"usr/local/go/VERSION": "go1.26.2\n"})
	e.PushBase(t, "2")
	if rep, err = w.refresh(); err != nil || line(rep, "1.6").Status != refresh.StatusRebuilt {
		t.Fatalf("%v %s", err, statuses(rep))
	}
	w.week()
	rep, err = w.refresh()
	if l := line(rep, "1.6"); err != nil || l.Status != refresh.StatusSkipped || l.Known != "" || len(l.Images) != 3 {
		t.Errorf("after the rebuild: %v %+v", err, l)
	}
}

// withoutInputs is idx as an earlier patchline published it: the same
// images, with no inputs annotation on the index or its descriptors.
func withoutInputs(t *testing.T, idx v1.ImageIndex) v1.ImageIndex {
	t.Helper()
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	out := mutate.IndexMediaType(empty.Index, im.MediaType)
	for _, d := range im.Manifests {
		ann := map[string]string{}
		for k, v := range d.Annotations {
			if k != watch.AnnotationInputs {
				ann[k] = v
			}
		}
		img, err := idx.Image(d.Digest)
		if err != nil {
			t.Fatal(err)
		}
		out = mutate.AppendManifests(out, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{MediaType: d.MediaType, Platform: d.Platform, Annotations: ann}})
	}
	ann := map[string]string{}
	for k, v := range im.Annotations {
		if k != watch.AnnotationInputs {
			ann[k] = v
		}
	}
	return mutate.Annotations(out, ann).(v1.ImageIndex)
}

// A single-platform image (one manifest, no index) that moved is named on
// every platform of the line's image, with its own digests.
func TestMovedSinglePlatformImage(t *testing.T) {
	w := newBuilderWorld(t, regtest.GGCR(), "all")
	e := w.e
	w.week()
	before := e.Digest(w.tools)
	e.Server.SeedImage(t, w.tools)
	after := e.Digest(w.tools)
	rep, err := w.refresh(func(r *refresh.Request) { r.CheckOnly = true })
	if err == nil {
		t.Fatal("check passed with a moved builder image")
	}
	var tools *refresh.ImageCheck
	for i, img := range line(rep, "1.6").Images {
		if img.Ref == w.tools {
			tools = &line(rep, "1.6").Images[i]
		}
	}
	if tools == nil || !tools.Moved || len(tools.Platforms) != 2 {
		t.Fatalf("tools %+v", tools)
	}
	for _, p := range tools.Platforms {
		if p.Current != after || p.Recorded == "" {
			t.Errorf("%s: recorded %s current %s; want now %s (was %s)", p.Platform, p.Recorded, p.Current, after, before)
		}
	}
}
