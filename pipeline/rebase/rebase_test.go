package rebase

import (
	"compress/gzip"
	"context"
	"errors"
	"io"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/patchline/patchline/pipeline/build"
)

// checkRebasedLine asserts everything a rebase of f's app onto f's new base
// must give: per platform the new base's layers then the same app layers,
// the app's own config with inherited values following the new base, OCI
// media types, the new base recorded; the index in the same order with the
// same descriptor annotations, updated.
func checkRebasedLine(t *testing.T, f fixture, out Output) {
	t.Helper()
	if out.Unchanged {
		t.Fatal("Unchanged, want a rebase")
	}
	im, err := out.Index.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if im.MediaType != types.OCIImageIndex {
		t.Errorf("index media type %s, want %s", im.MediaType, types.OCIImageIndex)
	}
	origIM, err := f.app.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	var gotOrder []string
	for _, d := range im.Manifests {
		gotOrder = append(gotOrder, d.Platform.String())
	}
	if want := []string{"linux/amd64", "linux/arm64/v8"}; !slices.Equal(gotOrder, want) {
		t.Errorf("index order %v, want %v", gotOrder, want)
	}
	wantIdxAnn := maps.Clone(origIM.Annotations)
	wantIdxAnn[build.AnnotationBaseDigest] = digestOf(t, f.newBase).String()
	wantIdxAnn[build.AnnotationCreated] = refreshTime.Format(time.RFC3339)
	if !maps.Equal(im.Annotations, wantIdxAnn) {
		t.Errorf("index annotations\n got %v\nwant %v", im.Annotations, wantIdxAnn)
	}

	if len(out.Platforms) != len(platforms) {
		t.Fatalf("%d platform reports, want %d", len(out.Platforms), len(platforms))
	}
	for i, p := range platforms {
		got := imageFor(t, out.Index, p)
		app := imageFor(t, f.app, p)
		oldB, newB := imageFor(t, f.oldBase, p), imageFor(t, f.newBase, p)
		gm, am, nm := manifestOf(t, got), manifestOf(t, app), manifestOf(t, newB)
		gc, ac, nc := configOf(t, got), configOf(t, app), configOf(t, newB)

		// Layers: the new base's, then the app's own, by diff ID and blob.
		wantDiffs := slices.Concat(nc.RootFS.DiffIDs, ac.RootFS.DiffIDs[2:])
		if !slices.Equal(gc.RootFS.DiffIDs, wantDiffs) {
			t.Errorf("%s: diff IDs\n got %v\nwant %v", p, gc.RootFS.DiffIDs, wantDiffs)
		}
		var gotDigests, wantDigests []v1.Hash
		for _, l := range gm.Layers {
			gotDigests = append(gotDigests, l.Digest)
			if l.MediaType != types.OCILayer {
				t.Errorf("%s: layer media type %s, want %s", p, l.MediaType, types.OCILayer)
			}
		}
		for _, l := range slices.Concat(nm.Layers, am.Layers[2:]) {
			wantDigests = append(wantDigests, l.Digest)
		}
		if !slices.Equal(gotDigests, wantDigests) {
			t.Errorf("%s: layer digests\n got %v\nwant %v", p, gotDigests, wantDigests)
		}

		// Media types stay OCI.
		if gm.MediaType != types.OCIManifestSchema1 || gm.Config.MediaType != types.OCIConfigJSON {
			t.Errorf("%s: media types %s / %s, want OCI", p, gm.MediaType, gm.Config.MediaType)
		}

		// The app's own config is kept; inherited values follow the base.
		wantEnv := []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "BASE_VERSION=12.2", "APP_ENV=production"}
		if !slices.Equal(gc.Config.Env, wantEnv) {
			t.Errorf("%s: env %v, want %v", p, gc.Config.Env, wantEnv)
		}
		if !slices.Equal(gc.Config.Entrypoint, []string{"/app/server"}) || gc.Config.Cmd != nil {
			t.Errorf("%s: entrypoint %v cmd %v, want [/app/server] and no cmd", p, gc.Config.Entrypoint, gc.Config.Cmd)
		}
		wantLabels := map[string]string{"org.opencontainers.image.title": "app", "org.opencontainers.image.version": "1.6.0", "vendor": "Debian"}
		if !maps.Equal(gc.Config.Labels, wantLabels) {
			t.Errorf("%s: labels %v, want %v", p, gc.Config.Labels, wantLabels)
		}
		if gc.Config.WorkingDir != "/app" || gc.Config.User != "65532" {
			t.Errorf("%s: workdir %q user %q", p, gc.Config.WorkingDir, gc.Config.User)
		}
		if _, ok := gc.Config.ExposedPorts["8080/tcp"]; !ok {
			t.Errorf("%s: exposed ports %v, want 8080/tcp", p, gc.Config.ExposedPorts)
		}
		if gc.OS != p.OS || gc.Architecture != p.Architecture || gc.Variant != p.Variant {
			t.Errorf("%s: config platform %s/%s/%s", p, gc.OS, gc.Architecture, gc.Variant)
		}
		if !gc.Created.Equal(refreshTime) || gc.Author != "app team" {
			t.Errorf("%s: created %v author %q", p, gc.Created, gc.Author)
		}
		// History: the new base's entries, then the app's (ENV, 2 COPY,
		// ENTRYPOINT), one non-empty entry per layer.
		var by []string
		for _, h := range gc.History {
			by = append(by, h.CreatedBy)
		}
		wantBy := []string{"ADD rootfs-0.tar.xz /", "ADD rootfs-1.tar.xz /", `CMD ["bash"]`, "ENV APP_ENV=production", "COPY app-0 /app/", "COPY app-1 /app/", `ENTRYPOINT ["/app/server"]`}
		if !slices.Equal(by, wantBy) {
			t.Errorf("%s: history %q, want %q", p, by, wantBy)
		}

		// Annotations: the published ones, with the new base and time.
		wantAnn := maps.Clone(am.Annotations)
		wantAnn[build.AnnotationBaseDigest] = digestOf(t, newB).String()
		wantAnn[build.AnnotationCreated] = refreshTime.Format(time.RFC3339)
		if !maps.Equal(gm.Annotations, wantAnn) {
			t.Errorf("%s: manifest annotations\n got %v\nwant %v", p, gm.Annotations, wantAnn)
		}
		if d := descFor(t, out.Index, p); !maps.Equal(d.Annotations, wantAnn) {
			t.Errorf("%s: index entry annotations\n got %v\nwant %v", p, d.Annotations, wantAnn)
		}

		r := out.Platforms[i]
		want := PlatformReport{
			Platform: p, Status: StatusRebased,
			OldBase: digestOf(t, oldB), NewBase: digestOf(t, newB),
			Before: digestOf(t, app), After: digestOf(t, got),
			BaseLayers: 2, AppLayers: 2,
		}
		if !reportEqual(r, want) {
			t.Errorf("%s: report\n got %+v\nwant %+v", p, r, want)
		}
	}
}

func reportEqual(a, b PlatformReport) bool {
	return a.Platform.Equals(b.Platform) && a.Status == b.Status && a.OldBase == b.OldBase && a.NewBase == b.NewBase &&
		a.Before == b.Before && a.After == b.After && a.BaseLayers == b.BaseLayers && a.AppLayers == b.AppLayers && a.Recompressed == b.Recompressed
}

func TestRebase(t *testing.T) {
	f := newFixture(t, "example.com/base:12")
	out, err := Rebase(context.Background(), f.input(t))
	if err != nil {
		t.Fatal(err)
	}
	checkRebasedLine(t, f, out)
}

func TestRebaseIsDeterministic(t *testing.T) {
	f := newFixture(t, "example.com/base:12")
	a, err := Rebase(context.Background(), f.input(t))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Rebase(context.Background(), f.input(t))
	if err != nil {
		t.Fatal(err)
	}
	if da, db := digestOf(t, a.Index), digestOf(t, b.Index); da != db {
		t.Errorf("two rebases of the same input: %s and %s", da, db)
	}
}

func TestRebaseAgainIsUnchanged(t *testing.T) {
	f := newFixture(t, "example.com/base:12")
	first, err := Rebase(context.Background(), f.input(t))
	if err != nil {
		t.Fatal(err)
	}
	// The second refresh reads the rebased image, whose recorded base is
	// the new base; it has no other old base to hand in.
	in := Input{Index: first.Index, Created: refreshTime.Add(7 * 24 * time.Hour)}
	for _, p := range platforms {
		in.Bases = append(in.Bases, Bases{Platform: p, New: imageFor(t, f.newBase, p)})
	}
	out, err := Rebase(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if !out.Unchanged {
		t.Fatalf("second rebase: Unchanged false, report %+v", out.Platforms)
	}
	if digestOf(t, out.Index) != digestOf(t, first.Index) {
		t.Error("an unchanged rebase must return the index it was given")
	}
	for _, r := range out.Platforms {
		if r.Status != StatusUnchanged || r.Before != r.After {
			t.Errorf("%s: %+v", r.Platform, r)
		}
	}
}

func TestRebaseRefusesImageNotBuiltOnRecordedBase(t *testing.T) {
	old := baseIndex(t, baseSpec{version: "12.1"})
	oldArm := imageFor(t, old, arm64)
	oldLayers, err := oldArm.Layers()
	if err != nil {
		t.Fatal(err)
	}
	// Same first layer as the recorded base, another second one: a fork.
	fork := baseImage(t, arm64, baseSpec{version: "12.1"}, []v1.Layer{oldLayers[0], randomLayers(t, 1, smallLayer)[0]})
	f := fixture{
		oldBase: old,
		newBase: baseIndex(t, baseSpec{version: "12.2"}),
		app:     appIndex(t, old, appSpec{builtOn: map[string]v1.Image{arm64.String(): fork}}),
	}
	_, err = Rebase(context.Background(), f.input(t))
	if !errors.Is(err, ErrNotBuiltOnBase) {
		t.Fatalf("err = %v, want ErrNotBuiltOnBase", err)
	}
	forkDiffs := configOf(t, fork).RootFS.DiffIDs
	oldDiffs := configOf(t, oldArm).RootFS.DiffIDs
	for _, want := range []string{
		"linux/arm64/v8",
		"the image's layer 1 is " + forkDiffs[1].String(),
		"the recorded base's layer 1 is " + oldDiffs[1].String(),
		"this image was not built on the recorded base",
		"use strategy rebuild",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "linux/amd64") {
		t.Errorf("error names linux/amd64, which was built on its base:\n%v", err)
	}
}

func TestRebaseRefusesFewerLayersThanBase(t *testing.T) {
	old := baseIndex(t, baseSpec{version: "12.1"})
	tiny := baseImage(t, amd64, baseSpec{version: "12.1"}, nil)
	f := fixture{
		oldBase: old,
		newBase: baseIndex(t, baseSpec{version: "12.2"}),
		app: appIndex(t, old, appSpec{
			builtOn: map[string]v1.Image{amd64.String(): tiny},
			layers:  func(v1.Platform) []v1.Layer { return randomLayers(t, 1, smallLayer) },
		}),
	}
	_, err := Rebase(context.Background(), f.input(t))
	if !errors.Is(err, ErrNotBuiltOnBase) || !strings.Contains(err.Error(), "the image has 1 layers but the recorded base") {
		t.Fatalf("err = %v, want ErrNotBuiltOnBase naming the layer counts", err)
	}
}

func TestRebaseRefusesMissingAnnotation(t *testing.T) {
	old := baseIndex(t, baseSpec{version: "12.1"})
	f := fixture{
		oldBase: old,
		newBase: baseIndex(t, baseSpec{version: "12.2"}),
		app:     appIndex(t, old, appSpec{noRecord: map[string]bool{amd64.String(): true, arm64.String(): true}}),
	}
	_, err := Rebase(context.Background(), f.input(t))
	if !errors.Is(err, ErrNoRecordedBase) {
		t.Fatalf("err = %v, want ErrNoRecordedBase", err)
	}
	for _, want := range []string{"linux/amd64", "linux/arm64/v8", build.AnnotationBaseDigest, "use strategy rebuild"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
}

func TestRebaseRefusesMalformedOrConflictingRecord(t *testing.T) {
	f := newFixture(t, "")
	for _, tc := range []struct {
		name     string
		manifest string
		entry    string
		want     string
	}{
		{"not a digest", "debian:bookworm", "", "not a digest"},
		{"manifest and entry disagree", digestOf(t, f.oldBase).String(), "sha256:" + strings.Repeat("a", 64), "but its index entry records"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := recordedBase(map[string]string{build.AnnotationBaseDigest: tc.manifest}, v1.Descriptor{
				Annotations: map[string]string{build.AnnotationBaseDigest: cmpOr(tc.entry, tc.manifest)},
			})
			if !errors.Is(err, ErrNoRecordedBase) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want ErrNoRecordedBase saying %q", err, tc.want)
			}
		})
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func TestRebaseRefusesPlatformMismatch(t *testing.T) {
	f := newFixture(t, "")
	in := f.input(t)
	// The new base's amd64 image handed in for arm64.
	in.Bases[1].New = imageFor(t, f.newBase, amd64)
	_, err := Rebase(context.Background(), in)
	if !errors.Is(err, ErrPlatformMismatch) {
		t.Fatalf("err = %v, want ErrPlatformMismatch", err)
	}
	if !strings.Contains(err.Error(), "linux/arm64/v8: platform mismatch: the new base sha256:") || !strings.Contains(err.Error(), "is for linux/amd64") {
		t.Errorf("error does not name both platforms:\n%v", err)
	}
}

func TestRebaseRefusesWrongOldBase(t *testing.T) {
	f := newFixture(t, "")
	in := f.input(t)
	in.Bases[0].Old = imageFor(t, f.newBase, arm64) // not what amd64 records
	_, err := Rebase(context.Background(), in)
	if !errors.Is(err, ErrBaseMismatch) || !strings.Contains(err.Error(), "linux/amd64") {
		t.Fatalf("err = %v, want ErrBaseMismatch for linux/amd64", err)
	}
}

func TestRebaseInputErrors(t *testing.T) {
	f := newFixture(t, "")
	for _, tc := range []struct {
		name string
		edit func(*Input)
		want string
	}{
		{"no index", func(in *Input) { in.Index = nil }, "no image index"},
		{"no time", func(in *Input) { in.Created = time.Time{} }, "no creation time"},
		{"bases missing", func(in *Input) { in.Bases = in.Bases[:1] }, "no bases given for linux/arm64/v8"},
		{"bases twice", func(in *Input) { in.Bases = append(in.Bases, in.Bases[0]) }, "bases given twice for linux/amd64"},
		{"bases for another platform", func(in *Input) {
			in.Bases = append(in.Bases, Bases{Platform: v1.Platform{OS: "linux", Architecture: "s390x"}})
		}, "bases given for linux/s390x, which the index does not have (it has linux/amd64, linux/arm64/v8)"},
		{"annotations for another platform", func(in *Input) {
			in.PlatformAnnotations = map[string]map[string]string{"linux/riscv64": {"x": "y"}}
		}, "PlatformAnnotations for linux/riscv64"},
		{"annotation contradicts the new base", func(in *Input) {
			in.Annotations = map[string]string{build.AnnotationBaseDigest: digestOf(t, f.oldBase).String()}
		}, "contradicts the rebase"},
		{"annotation contradicts the time", func(in *Input) {
			in.PlatformAnnotations = map[string]map[string]string{"linux/arm64": {build.AnnotationCreated: "2020-01-01T00:00:00Z"}}
		}, "contradicts the rebase"},
		{"index base digest left stale", func(in *Input) { in.IndexAnnotations = nil }, "would still name the old base"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := f.input(t)
			tc.edit(&in)
			_, err := Rebase(context.Background(), in)
			if !errors.Is(err, ErrInvalidInput) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want ErrInvalidInput saying %q", err, tc.want)
			}
		})
	}
}

func TestRebaseAnnotationsFromCaller(t *testing.T) {
	f := newFixture(t, "")
	in := f.input(t)
	in.Annotations = map[string]string{"org.example.refresh": "weekly", build.AnnotationCreated: refreshTime.Format(time.RFC3339)}
	in.PlatformAnnotations = map[string]map[string]string{"linux/arm64": {"org.example.arch": "arm"}} // no v8: same platform
	in.IndexAnnotations["org.example.index"] = "yes"
	out, err := Rebase(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	amd := manifestOf(t, imageFor(t, out.Index, amd64)).Annotations
	arm := manifestOf(t, imageFor(t, out.Index, arm64)).Annotations
	if amd["org.example.refresh"] != "weekly" || arm["org.example.refresh"] != "weekly" || arm["org.example.arch"] != "arm" || amd["org.example.arch"] != "" {
		t.Errorf("manifest annotations: amd64 %v, arm64 %v", amd, arm)
	}
	im, err := out.Index.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if im.Annotations["org.example.index"] != "yes" {
		t.Errorf("index annotations %v", im.Annotations)
	}
	// The index entries keep exactly their keys: the caller's additions
	// are on the manifests.
	if _, ok := descFor(t, out.Index, amd64).Annotations["org.example.refresh"]; ok {
		t.Error("index entry gained a key it did not have")
	}
}

// A base that moved on one platform only: the other platform's manifest
// and its attestation are carried over byte for byte; the moved platform's
// attestation describes a manifest no longer in the index and is dropped.
func TestRebasePartlyUnchanged(t *testing.T) {
	old := baseIndex(t, baseSpec{version: "12.1"})
	newArm := baseIndex(t, baseSpec{version: "12.2", platforms: []v1.Platform{arm64}})
	nu := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	nu = mutate.AppendManifests(nu,
		mutate.IndexAddendum{Add: imageFor(t, old, amd64), Descriptor: v1.Descriptor{Platform: &amd64}},
		mutate.IndexAddendum{Add: imageFor(t, newArm, arm64), Descriptor: v1.Descriptor{Platform: &arm64}},
	)
	app := appIndex(t, old, appSpec{attestations: true})
	f := fixture{oldBase: old, newBase: nu, app: app}
	out, err := Rebase(context.Background(), f.input(t))
	if err != nil {
		t.Fatal(err)
	}
	if out.Unchanged {
		t.Fatal("Unchanged, but arm64 moved")
	}
	if out.Platforms[0].Status != StatusUnchanged || out.Platforms[1].Status != StatusRebased {
		t.Fatalf("statuses %s, %s; want unchanged, rebased", out.Platforms[0].Status, out.Platforms[1].Status)
	}
	origIM, _ := app.IndexManifest()
	im, err := out.Index.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(im.Manifests) != 3 || out.DroppedAttestations != 1 {
		t.Fatalf("%d entries, %d attestations dropped; want 3 and 1", len(im.Manifests), out.DroppedAttestations)
	}
	// amd64 and its attestation: the very same entries.
	for _, i := range []int{0, 2} {
		if !descEqual(im.Manifests[i], origIM.Manifests[i]) {
			t.Errorf("entry %d changed:\n got %+v\nwant %+v", i, im.Manifests[i], origIM.Manifests[i])
		}
	}
	if im.Manifests[1].Digest == origIM.Manifests[1].Digest {
		t.Error("arm64 was not rebased")
	}
}

func descEqual(a, b v1.Descriptor) bool {
	return a.Digest == b.Digest && a.Size == b.Size && a.MediaType == b.MediaType && a.ArtifactType == b.ArtifactType &&
		maps.Equal(a.Annotations, b.Annotations) && (a.Platform == nil) == (b.Platform == nil) &&
		(a.Platform == nil || a.Platform.Equals(*b.Platform))
}

// The base layers of an image can be other blobs with the same content: a
// builder or a registry copy compressed them again. mutate.Rebase compares
// compressed digests and refuses; Rebase compares diff IDs, rebases, and
// says so.
func TestRebaseRecompressedBase(t *testing.T) {
	old := baseIndex(t, baseSpec{version: "12.1"})
	recompressed := map[string]v1.Image{}
	for _, p := range platforms {
		base := imageFor(t, old, p)
		layers, err := base.Layers()
		if err != nil {
			t.Fatal(err)
		}
		var again []v1.Layer
		for _, l := range layers {
			l2, err := tarball.LayerFromOpener(l.Uncompressed, tarball.WithCompressionLevel(gzip.NoCompression), tarball.WithMediaType(types.OCILayer))
			if err != nil {
				t.Fatal(err)
			}
			again = append(again, l2)
		}
		recompressed[p.String()] = baseImage(t, p, baseSpec{version: "12.1"}, again)
	}
	f := fixture{
		oldBase: old,
		newBase: baseIndex(t, baseSpec{version: "12.2"}),
		app:     appIndex(t, old, appSpec{builtOn: recompressed}),
	}
	app := imageFor(t, f.app, amd64)
	if _, err := mutate.Rebase(app, imageFor(t, old, amd64), imageFor(t, f.newBase, amd64)); err == nil {
		t.Log("mutate.Rebase no longer refuses a recompressed base; the view of the old base's layers may be unnecessary")
	}
	out, err := Rebase(context.Background(), f.input(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range out.Platforms {
		if r.Status != StatusRebased || !r.Recompressed || r.AppLayers != 2 {
			t.Errorf("%s: %+v, want rebased, recompressed, 2 app layers", r.Platform, r)
		}
	}
}

// The two histories mutate.Rebase gets wrong on its own (history.go): an
// image without history loses its first app layer, and an old base
// without history under an image with one leaves the old base's layers in.
func TestRebaseHistoryPitfalls(t *testing.T) {
	dropHistory := func(_ v1.Platform, img v1.Image) v1.Image {
		return editConfig(t, img, func(cf *v1.ConfigFile) { cf.History = nil })
	}
	// What BuildKit writes over a base without history: an entry per
	// base layer, then the app's.
	fillHistory := func(_ v1.Platform, img v1.Image) v1.Image {
		return editConfig(t, img, func(cf *v1.ConfigFile) {
			cf.History = append([]v1.History{{CreatedBy: "base layer"}, {CreatedBy: "base layer"}}, cf.History...)
		})
	}
	for _, tc := range []struct {
		name string
		base baseSpec
		edit func(v1.Platform, v1.Image) v1.Image
	}{
		{"image without history", baseSpec{version: "12.1"}, dropHistory},
		{"old base without history", baseSpec{version: "12.1", noHistory: true}, fillHistory},
	} {
		t.Run(tc.name, func(t *testing.T) {
			old := baseIndex(t, tc.base)
			f := fixture{
				oldBase: old,
				newBase: baseIndex(t, baseSpec{version: "12.2"}),
				app:     appIndex(t, old, appSpec{edit: tc.edit}),
			}
			// What mutate.Rebase alone makes of it.
			app := imageFor(t, f.app, amd64)
			raw, err := mutate.Rebase(app, imageFor(t, old, amd64), imageFor(t, f.newBase, amd64))
			if err != nil {
				t.Fatal(err)
			}
			if n := len(manifestOf(t, raw).Layers); n == 4 {
				t.Log("mutate.Rebase now gets this case right")
			} else {
				t.Logf("mutate.Rebase alone: %d layers, want 4", n)
			}

			out, err := Rebase(context.Background(), f.input(t))
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range platforms {
				got := configOf(t, imageFor(t, out.Index, p))
				want := slices.Concat(configOf(t, imageFor(t, f.newBase, p)).RootFS.DiffIDs, configOf(t, imageFor(t, f.app, p)).RootFS.DiffIDs[2:])
				if !slices.Equal(got.RootFS.DiffIDs, want) {
					t.Errorf("%s: diff IDs\n got %v\nwant %v", p, got.RootFS.DiffIDs, want)
				}
				if nonEmpty(got.History) != len(want) {
					t.Errorf("%s: %d layer history entries for %d layers", p, nonEmpty(got.History), len(want))
				}
			}
		})
	}
}

// A Docker-typed image stays Docker-typed: the rebase keeps the published
// media types, whatever they are.
func TestRebaseKeepsDockerMediaTypes(t *testing.T) {
	old := baseIndex(t, baseSpec{version: "12.1"})
	docker := func(_ v1.Platform, img v1.Image) v1.Image {
		return mutate.ConfigMediaType(mutate.MediaType(img, types.DockerManifestSchema2), types.DockerConfigJSON)
	}
	f := fixture{oldBase: old, newBase: baseIndex(t, baseSpec{version: "12.2"}), app: appIndex(t, old, appSpec{edit: docker})}
	out, err := Rebase(context.Background(), f.input(t))
	if err != nil {
		t.Fatal(err)
	}
	m := manifestOf(t, imageFor(t, out.Index, arm64))
	if m.MediaType != types.DockerManifestSchema2 || m.Config.MediaType != types.DockerConfigJSON {
		t.Errorf("media types %s / %s, want Docker's", m.MediaType, m.Config.MediaType)
	}
}

func TestRebaseCanceled(t *testing.T) {
	f := newFixture(t, "")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Rebase(ctx, f.input(t)); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

// Rebase reads no layer blob: every layer of the inputs refuses to be read.
func TestRebaseReadsNoLayerContent(t *testing.T) {
	f := newFixture(t, "")
	in := f.input(t)
	for i := range in.Bases {
		in.Bases[i].Old = sealed{in.Bases[i].Old}
		in.Bases[i].New = sealed{in.Bases[i].New}
	}
	out, err := Rebase(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := out.Index.RawManifest(); err != nil {
		t.Fatal(err)
	}
}

// sealed is an image whose layers refuse to hand out their content.
type sealed struct{ v1.Image }

func (s sealed) Layers() ([]v1.Layer, error) {
	ls, err := s.Image.Layers()
	var out []v1.Layer
	for _, l := range ls {
		out = append(out, sealedLayer{l})
	}
	return out, err
}

type sealedLayer struct{ v1.Layer }

func (sealedLayer) Compressed() (io.ReadCloser, error) {
	return nil, errors.New("layer content read")
}

func (sealedLayer) Uncompressed() (io.ReadCloser, error) {
	return nil, errors.New("layer content read")
}
