package rebase

import (
	"fmt"
	"slices"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
)

// imageJob is the rebase of one platform image whose recorded base is not
// the new base.
type imageJob struct {
	platform    v1.Platform
	image       v1.Image
	manifest    *v1.Manifest
	recorded    v1.Hash
	old, new    v1.Image
	created     time.Time
	annotations map[string]string
}

type imageResult struct {
	image        v1.Image
	digest       v1.Hash
	baseLayers   int
	appLayers    int
	recompressed bool
}

// rebaseImage checks that job.image was built on job.old, swaps job.old's
// layers for job.new's with mutate.Rebase, and makes the result right where
// mutate.Rebase alone does not (see fixImage).
func rebaseImage(j imageJob) (*imageResult, error) {
	newCfg, err := j.new.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("reading the config of the new base: %w", err)
	}
	if got := configPlatform(newCfg); !samePlatform(got, j.platform) {
		nd, _ := j.new.Digest()
		return nil, fmt.Errorf("%w: the new base %s is for %s, not %s; pick the new base's %s image",
			ErrPlatformMismatch, nd, got, j.platform, j.platform)
	}
	if j.old == nil {
		return nil, fmt.Errorf("%w: no old base given; the image records %s", ErrInvalidInput, j.recorded)
	}
	oldDigest, err := j.old.Digest()
	if err != nil {
		return nil, fmt.Errorf("reading the old base: %w", err)
	}
	if oldDigest != j.recorded {
		return nil, fmt.Errorf("%w: the old base given is %s but the image records %s; pass the recorded one",
			ErrBaseMismatch, oldDigest, j.recorded)
	}
	appCfg, err := j.image.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("reading the config of the image: %w", err)
	}
	oldCfg, err := j.old.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("reading the config of the old base %s: %w", oldDigest, err)
	}
	oldManifest, err := j.old.Manifest()
	if err != nil {
		return nil, fmt.Errorf("reading the old base %s: %w", oldDigest, err)
	}
	newManifest, err := j.new.Manifest()
	if err != nil {
		return nil, fmt.Errorf("reading the new base: %w", err)
	}
	appLayers, err := j.image.Layers()
	if err != nil {
		return nil, fmt.Errorf("reading the layers of the image: %w", err)
	}
	newLayers, err := j.new.Layers()
	if err != nil {
		return nil, fmt.Errorf("reading the layers of the new base: %w", err)
	}
	appDiffs, err := diffIDs("the image", appCfg, j.manifest)
	if err != nil {
		return nil, err
	}
	oldDiffs, err := diffIDs("the old base "+oldDigest.String(), oldCfg, oldManifest)
	if err != nil {
		return nil, err
	}
	newDiffs, err := diffIDs("the new base", newCfg, newManifest)
	if err != nil {
		return nil, err
	}
	if len(appLayers) != len(appDiffs) || len(newLayers) != len(newDiffs) {
		return nil, fmt.Errorf("%w: layers and manifests disagree", ErrInvalidInput)
	}

	recompressed, err := builtOn(j.manifest, appDiffs, oldManifest, oldDiffs, oldDigest)
	if err != nil {
		return nil, err
	}
	nOld := len(oldDiffs)
	nApp := len(appDiffs) - nOld

	// Hand mutate.Rebase histories it handles correctly (history.go), and,
	// as the old base's layers, the image's own: their content is the
	// same (checked above by diff ID), and mutate.Rebase compares
	// compressed digests, which would refuse a recompressed base.
	oldHist := layerHistory(oldCfg.History, nOld)
	origCfg := appCfg.DeepCopy()
	origCfg.History = slices.Concat(oldHist, appHistory(oldHist, appCfg.History, nOld, nApp))
	oldView := oldCfg.DeepCopy()
	oldView.History = oldHist
	newView := newCfg.DeepCopy()
	newView.History = layerHistory(newCfg.History, len(newLayers))
	rebased, err := mutate.Rebase(
		view{Image: j.image, layers: appLayers, config: origCfg},
		view{Image: j.old, layers: slices.Clip(appLayers[:nOld]), config: oldView},
		view{Image: j.new, layers: newLayers, config: newView},
	)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInconsistent, err)
	}

	img, err := fixImage(rebased, j, appCfg, oldCfg, newCfg)
	if err != nil {
		return nil, err
	}
	wantDigests := make([]v1.Hash, 0, len(newLayers)+nApp)
	for _, l := range newManifest.Layers {
		wantDigests = append(wantDigests, l.Digest)
	}
	for _, l := range j.manifest.Layers[nOld:] {
		wantDigests = append(wantDigests, l.Digest)
	}
	if err := checkRebased(img, j, slices.Concat(newDiffs, appDiffs[nOld:]), wantDigests); err != nil {
		return nil, err
	}
	digest, err := img.Digest()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInconsistent, err)
	}
	return &imageResult{image: img, digest: digest, baseLayers: len(newLayers), appLayers: nApp, recompressed: recompressed}, nil
}

// builtOn checks that the image's layers start with exactly the recorded
// base's layers.
//
// It compares diff IDs, the digests of the uncompressed layer tars listed
// in each config's rootfs: they are the content's identity, and they cost
// no blob download. Compressed digests (the manifest's) are not compared
// for the verdict: the same base layer can legitimately be a different blob
// when a builder or a registry copy compressed it again (other gzip level,
// zstd), and refusing that would be wrong. When it happened, recompressed
// says so. Matching diff IDs with different digests is safe to rebase: the
// new base brings its own blobs.
func builtOn(app *v1.Manifest, appDiffs []v1.Hash, old *v1.Manifest, oldDiffs []v1.Hash, oldDigest v1.Hash) (recompressed bool, err error) {
	if len(appDiffs) < len(oldDiffs) {
		return false, fmt.Errorf("%w: the image has %d layers but the recorded base %s has %d; use strategy rebuild",
			ErrNotBuiltOnBase, len(appDiffs), oldDigest, len(oldDiffs))
	}
	for i, want := range oldDiffs {
		if got := appDiffs[i]; got != want {
			return false, fmt.Errorf("the image's layer %d is %s but the recorded base's layer %d is %s (diff IDs; base %s): %w; use strategy rebuild",
				i, got, i, want, oldDigest, ErrNotBuiltOnBase)
		}
		if app.Layers[i].Digest != old.Layers[i].Digest {
			recompressed = true
		}
	}
	return recompressed, nil
}

// diffIDs returns the diff IDs a config lists, checked against the
// manifest's layer count.
func diffIDs(what string, cf *v1.ConfigFile, m *v1.Manifest) ([]v1.Hash, error) {
	if len(cf.RootFS.DiffIDs) != len(m.Layers) {
		return nil, fmt.Errorf("%w: the config of %s lists %d diff IDs for %d layers", ErrInvalidInput, what, len(cf.RootFS.DiffIDs), len(m.Layers))
	}
	return cf.RootFS.DiffIDs, nil
}

// fixImage turns mutate.Rebase's result into the image a refresh
// publishes. mutate.Rebase (v0.22.1) builds its result on empty.Image with
// the original runtime config and the new base's OS, architecture and OS
// version, and appends the new base's layers and history, then the
// original's layers and history above the old base. Along the way it:
//
//   - writes Docker schema 2 media types for the manifest and config,
//     whatever the original used: the published ones are put back;
//   - drops the manifest annotations: the published ones, updated with the
//     new base digest and creation time and the caller's, are set;
//   - sets `created` to the zero time (0001-01-01): it becomes the refresh
//     time, injected, never read from a clock;
//   - drops the platform variant and OS features (an arm64/v8 or arm/v7
//     image would lose its variant) and the author: variant and features
//     come from the new base, the author from the image;
//   - keeps the runtime config as it was, including what was inherited
//     from the old base: it is merged three ways instead (mergeConfig).
//
// History is kept as mutate.Rebase stitched it: the new base's entries,
// then the image's own above the old base, with their original times.
func fixImage(rebased v1.Image, j imageJob, appCfg, oldCfg, newCfg *v1.ConfigFile) (v1.Image, error) {
	cf, err := rebased.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInconsistent, err)
	}
	cf = cf.DeepCopy()
	cf.Config = mergeConfig(oldCfg.Config, appCfg.Config, newCfg.Config)
	cf.Created = v1.Time{Time: j.created.UTC()}
	cf.Author, cf.Container = appCfg.Author, appCfg.Container
	cf.OS, cf.Architecture, cf.OSVersion = newCfg.OS, newCfg.Architecture, newCfg.OSVersion
	cf.Variant, cf.OSFeatures = newCfg.Variant, slices.Clone(newCfg.OSFeatures)
	img, err := mutate.ConfigFile(rebased, cf)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInconsistent, err)
	}
	img = mutate.MediaType(img, j.manifest.MediaType)
	img = mutate.ConfigMediaType(img, j.manifest.Config.MediaType)
	img, ok := mutate.Annotations(img, j.annotations).(v1.Image)
	if !ok {
		return nil, fmt.Errorf("%w: annotating the rebased image did not return an image", ErrInconsistent)
	}
	return img, nil
}

// checkRebased verifies the rebased image before anyone can publish it:
// the new base's layers then the application's, by digest and by diff ID,
// one history entry per layer, and the published media types.
func checkRebased(img v1.Image, j imageJob, wantDiffs, wantDigests []v1.Hash) error {
	m, err := img.Manifest()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInconsistent, err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInconsistent, err)
	}
	var got []v1.Hash
	for _, l := range m.Layers {
		got = append(got, l.Digest)
	}
	switch {
	case !slices.Equal(got, wantDigests):
		return fmt.Errorf("%w: layers are %v, want %v", ErrInconsistent, got, wantDigests)
	case !slices.Equal(cf.RootFS.DiffIDs, wantDiffs):
		return fmt.Errorf("%w: diff IDs are %v, want %v", ErrInconsistent, cf.RootFS.DiffIDs, wantDiffs)
	case nonEmpty(cf.History) != len(m.Layers):
		return fmt.Errorf("%w: %d history entries for %d layers", ErrInconsistent, nonEmpty(cf.History), len(m.Layers))
	case m.MediaType != j.manifest.MediaType || m.Config.MediaType != j.manifest.Config.MediaType:
		return fmt.Errorf("%w: media types %s/%s, want %s/%s", ErrInconsistent, m.MediaType, m.Config.MediaType, j.manifest.MediaType, j.manifest.Config.MediaType)
	}
	return nil
}
