package refresh_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/patchline/patchline/pipeline/attest"
	"github.com/patchline/patchline/pipeline/build"
	"github.com/patchline/patchline/pipeline/internal/testing/fixture"
	"github.com/patchline/patchline/pipeline/internal/testing/regtest"
	"github.com/patchline/patchline/pipeline/refresh"
	"github.com/patchline/patchline/pipeline/release"
	"github.com/patchline/patchline/pipeline/watch"
)

const rebasePolicy = "version: 1\nrefresh:\n  strategy: rebase\n"

func diffIDs(t *testing.T, idx v1.ImageIndex, platform string) []v1.Hash {
	t.Helper()
	im, _ := idx.IndexManifest()
	for _, d := range im.Manifests {
		if d.Platform != nil && d.Platform.String() == platform {
			img, _ := idx.Image(d.Digest)
			cf, _ := img.ConfigFile()
			return cf.RootFS.DiffIDs
		}
	}
	t.Fatalf("no %s image", platform)
	return nil
}

func TestRebaseStrategy(t *testing.T) {
	for _, impl := range []regtest.Impl{regtest.GGCR(), regtest.Distribution()} {
		t.Run(impl.Name, func(t *testing.T) {
			w := newWorld(t, impl, rebasePolicy, "v1.6.2")
			e := w.e
			before := e.Index(e.Repo + ":1.6")
			w.week()
			newBase := e.PushBase(t, "2")
			builds := e.Builds()
			rep, err := w.refresh()
			if err != nil {
				t.Fatal(err)
			}
			l := line(rep, "1.6")
			if l.Status != refresh.StatusRebuilt || l.Strategy != "rebase" || e.Builds() != builds {
				t.Fatalf("line = %+v, builds %d", l, e.Builds()-builds)
			}
			after := e.Index(e.Repo + ":1.6")
			for _, p := range fixture.Platforms {
				old, got := diffIDs(t, before, p), diffIDs(t, after, p)
				base := diffIDs(t, newBase, p)
				if len(got) != len(old) || got[0] != base[0] || got[len(got)-1] != old[len(old)-1] {
					t.Errorf("%s layers %v; want new base %v then the app layers of %v", p, got, base, old)
				}
			}
			im, _ := after.IndexManifest()
			if im.Annotations[build.AnnotationBaseDigest] != e.Digest(e.Base) {
				t.Errorf("index base digest %s; want %s", im.Annotations[build.AnnotationBaseDigest], e.Digest(e.Base))
			}
			atts, err := attest.ReadIndexAttestations(after)
			if err != nil || len(atts) != 2 {
				t.Errorf("attestations after rebase: %d, %v", len(atts), err)
			}
			w.week()
			if rep, err = w.refresh(); err != nil || statuses(rep) != "1.6=skipped" {
				t.Errorf("next week: %v %s", err, statuses(rep))
			}
		})
	}
}

// An image whose recorded base is not the base its layers start with is
// refused: rebasing it would drop or duplicate layers.
func TestRebaseRefusesImageNotBuiltOnRecordedBase(t *testing.T) {
	w := newWorld(t, regtest.GGCR(), rebasePolicy, "v1.6.2")
	e := w.e
	other := fixture.BaseIndex(t, "9")
	e.Server.Seed(t, e.Server.Ref("library/other:1"), other)
	otherDigest, _ := other.Digest()
	oim, _ := other.IndexManifest()
	published := e.Index(e.Repo + ":1.6")
	pim, _ := published.IndexManifest()
	tampered := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for i, d := range pim.Manifests {
		if d.Platform.OS == "unknown" {
			continue
		}
		img, _ := published.Image(d.Digest)
		img = mutate.Annotations(img, map[string]string{build.AnnotationBaseDigest: oim.Manifests[i].Digest.String(), build.AnnotationBaseName: e.Server.Ref("library/other:1")}).(v1.Image)
		tampered = mutate.AppendManifests(tampered, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: d.Platform, Annotations: map[string]string{build.AnnotationBaseDigest: oim.Manifests[i].Digest.String()}}})
	}
	ann := map[string]string{}
	for k, v := range pim.Annotations {
		ann[k] = v
	}
	ann[build.AnnotationBaseDigest] = otherDigest.String()
	ann[build.AnnotationBaseName] = e.Server.Ref("library/other:1")
	ann[build.AnnotationBuilt] = "2026-02-05T00:00:00Z" // after the release build
	delete(ann, watch.AnnotationInputs)
	for _, tag := range []string{"1.6", "latest"} {
		e.Server.Seed(t, e.Repo+":"+tag, mutate.Annotations(tampered, ann).(v1.ImageIndex))
	}
	e.Server.Seed(t, e.Server.Ref("library/other:1"), fixture.BaseIndex(t, "10"))
	w.week()
	rep, err := w.refresh()
	if err == nil {
		t.Fatal("the refresh succeeded")
	}
	l := line(rep, "1.6")
	if l.Status != refresh.StatusFailed || !strings.Contains(l.Error, "not built on the recorded base") || !strings.Contains(l.Error, "strategy rebuild") {
		t.Errorf("line = %+v", l)
	}
}

// A rebase attests what the line's image was built from: the release
// tag's commit and ref, as a rebuild does, whatever the run's own source
// (HEAD of a checkout, which has no ref) is.
func TestRebaseAttestsTheReleaseTagsCommitAndRef(t *testing.T) {
	w := newWorld(t, regtest.GGCR(), rebasePolicy, "v1.6.2")
	e := w.e
	published := strings.TrimPrefix(e.Digest(e.Repo+":1.6"), "sha256:")
	w.week()
	e.PushBase(t, "2")
	rep, err := w.refresh(func(r *refresh.Request) {
		r.Inputs.Source = release.Source{URL: "https://github.com/acme/app"}
	})
	if err != nil {
		t.Fatal(err)
	}
	l := line(rep, "1.6")
	if l.Status != refresh.StatusRebuilt || l.Strategy != "rebase" {
		t.Fatalf("line = %+v", l)
	}
	_, tagged, _ := e.Source(ctx, "v1.6.2")
	atts, err := attest.ReadIndexAttestations(e.Index(e.Repo + ":1.6"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, stmts := range atts {
		for _, st := range stmts {
			if st.PredicateType != attest.PredicateSLSAProvenanceV1 {
				continue
			}
			var p attest.ProvenancePredicate
			if err := json.Unmarshal(st.Predicate, &p); err != nil {
				t.Fatal(err)
			}
			n++
			src := p.BuildDefinition.ResolvedDependencies[0]
			if src.URI != "git+https://github.com/acme/app@refs/tags/v1.6.2" || src.Digest["gitCommit"] != tagged.Commit ||
				p.BuildDefinition.ExternalParameters.Source.Ref != "refs/tags/v1.6.2" || p.BuildDefinition.InternalParameters.Strategy != "rebase" {
				t.Errorf("rebase provenance source = %+v, request %+v", src, p.BuildDefinition.ExternalParameters.Source)
			}
			// Nothing was built: the provenance says so, and names the
			// image whose layers were kept.
			kept := slices.ContainsFunc(p.BuildDefinition.ResolvedDependencies, func(d attest.ResourceDescriptor) bool { return d.Digest["sha256"] == published })
			if p.BuildDefinition.BuildType != attest.BuildTypeRebase || !kept || p.BuildDefinition.ExternalParameters.BuildArgs != nil {
				t.Errorf("rebase provenance: buildType %s, lists the published image %v, build args %v", p.BuildDefinition.BuildType, kept, p.BuildDefinition.ExternalParameters.BuildArgs)
			}
		}
	}
	if n != 2 {
		t.Errorf("%d provenance statements; want one per platform", n)
	}
}

// A line image built from another commit than its release tag's (the tag
// was moved after the release) cannot be rebased: its provenance would
// name a commit its layers were not built from.
func TestRebaseRefusesAnImageOfAnotherCommit(t *testing.T) {
	w := newWorld(t, regtest.GGCR(), rebasePolicy, "v1.6.2")
	e := w.e
	w.week()
	e.PushBase(t, "2")
	rep, err := w.refresh(func(r *refresh.Request) {
		r.SourceFor = func(ctx context.Context, tag string) (build.Builder, release.Source, error) {
			b, src, err := e.Source(ctx, tag)
			src.Commit = strings.Repeat("9", 40)
			return b, src, err
		}
	})
	l := line(rep, "1.6")
	if !errors.Is(err, refresh.ErrFailed) || l.Status != refresh.StatusFailed || !strings.Contains(l.Error, strings.Repeat("9", 40)) || !strings.Contains(l.Error, "strategy: rebuild") {
		t.Errorf("rebase of an image of another commit: %v %+v", err, l)
	}
}

// A refreshed line checks out its release tag once, whether it is rebuilt
// or rebased: the checkout is a clone of the tree in a real run.
func TestEachLineChecksOutItsTagOnce(t *testing.T) {
	for _, strategy := range []string{"rebuild", "rebase"} {
		t.Run(strategy, func(t *testing.T) {
			w := newWorld(t, regtest.GGCR(), "version: 1\nrefresh:\n  strategy: "+strategy+"\n", "v1.5.3", "v1.6.2")
			w.week()
			w.e.PushBase(t, "2")
			checkouts := map[string]int{}
			var mu sync.Mutex
			rep, err := w.refresh(func(r *refresh.Request) {
				r.SourceFor = func(ctx context.Context, tag string) (build.Builder, release.Source, error) {
					mu.Lock()
					checkouts[tag]++
					mu.Unlock()
					return w.e.Source(ctx, tag)
				}
			})
			if err != nil || statuses(rep) != "1.6=rebuilt 1.5=rebuilt" {
				t.Fatalf("%v %s", err, statuses(rep))
			}
			if checkouts["v1.5.3"] != 1 || checkouts["v1.6.2"] != 1 || len(checkouts) != 2 {
				t.Errorf("checkouts per tag = %v; want each refreshed line's tag once", checkouts)
			}
		})
	}
}

// Under the rebase strategy, a line refreshed although nothing moved
// (--force) is rebuilt: a rebase would find nothing to swap, and skipping
// it would ignore what --force asks for.
func TestRebaseStrategyForcedWithNothingMovedRebuilds(t *testing.T) {
	w := newWorld(t, regtest.GGCR(), rebasePolicy, "v1.6.2")
	e := w.e
	before := e.Digest(e.Repo + ":1.6")
	w.week()
	builds := e.Builds()
	rep, err := w.refresh(func(r *refresh.Request) { r.Force = true })
	if err != nil {
		t.Fatal(err)
	}
	l := line(rep, "1.6")
	if l.Status != refresh.StatusRebuilt || l.Strategy != "rebuild" || e.Builds() == builds || e.Digest(e.Repo+":1.6") == before {
		t.Fatalf("forced refresh under rebase: status %s strategy %s, %d builds, 1.6 moved %v (%s)", l.Status, l.Strategy, e.Builds()-builds, e.Digest(e.Repo+":1.6") != before, l.Reason)
	}
}

// When the base's tag moves to an index whose platform manifests are the
// ones the image already sits on (the index re-annotated), a rebase has no
// layer to swap: the line is rebuilt, which records the base as its tag is
// now, so the next check and refresh agree that it is current.
func TestRebaseStrategyWhenOnlyTheBaseIndexMoved(t *testing.T) {
	w := newWorld(t, regtest.GGCR(), rebasePolicy, "v1.6.2")
	e := w.e
	w.week()
	was := e.Digest(e.Base)
	reannotated := mutate.Annotations(e.Index(e.Base), map[string]string{"org.example.note": "re-annotated"}).(v1.ImageIndex)
	e.Server.Seed(t, e.Base, reannotated)
	if now := e.Digest(e.Base); now == "" || now == was {
		t.Fatalf("setup: the base tag did not move (%s)", now)
	}
	rep, err := w.refresh()
	if err != nil {
		t.Fatal(err)
	}
	if l := line(rep, "1.6"); l.Status != refresh.StatusRebuilt {
		t.Fatalf("refresh after the base index moved: %s (%s)", l.Status, l.Reason)
	}
	check, err := w.refresh(func(r *refresh.Request) { r.CheckOnly = true })
	if err != nil || statuses(check) != "1.6=skipped" {
		t.Errorf("check after the refresh: %v %s", err, statuses(check))
	}
}
