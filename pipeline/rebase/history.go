package rebase

import (
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// mutate.Rebase splits the published image's history at the old base's
// history length and its layers at the old base's layer count, walking the
// two together. That is right only when both images' histories have one
// non-empty entry per layer and the published image's history starts with
// the old base's. Images in the wild break both, and mutate.Rebase then
// produces a wrong image without an error (both checked against v0.22.1):
//
//   - an image with no history (some builders write none): the fallback
//     loop compares a 0-based layer index with a 1-based bound, and the
//     first application layer is silently dropped;
//   - an old base with no history under an image that has one (BuildKit
//     fills in history for base layers): the split lands at 0 and the old
//     base's layers are kept on top of the new base's.
//
// So Rebase hands mutate.Rebase histories that hold those two properties:
// each is the image's own when it is consistent, and one synthesised
// entry per layer otherwise, and the application part is cut out of the
// published history explicitly (appHistory). The result is then checked
// layer by layer (checkRebased).

// nonEmpty counts the history entries that stand for a layer.
func nonEmpty(h []v1.History) int {
	n := 0
	for _, e := range h {
		if !e.EmptyLayer {
			n++
		}
	}
	return n
}

// layerHistory returns h when it has exactly one non-empty entry per layer,
// and otherwise one entry per layer that says the history was not recorded.
func layerHistory(h []v1.History, layers int) []v1.History {
	if nonEmpty(h) == layers {
		return h
	}
	return synthHistory(layers)
}

func synthHistory(layers int) []v1.History {
	out := make([]v1.History, layers)
	for i := range out {
		out[i] = v1.History{Comment: "history not recorded in the original image"}
	}
	return out
}

// appHistory returns the history entries of the application's part of the
// published image: what comes after the base's part. base is the base's
// history as handed to mutate.Rebase (consistent with baseLayers layers);
// app is the published image's history; appLayers is how many layers the
// application added.
//
// When the published history starts with the base's history, as builders
// that copy it write it, the cut is at the base history's length, so the
// base's trailing empty entries (its CMD) stay with the base and the
// application's leading ones (its ENV) with the application. Otherwise the
// cut is after the base's last layer entry, and any empty entries between
// it and the first application layer go with the application: they are
// only descriptions. A history that does not have one non-empty entry per
// layer is replaced by synthesised entries.
func appHistory(base, app []v1.History, baseLayers, appLayers int) []v1.History {
	if nonEmpty(app) != baseLayers+appLayers {
		return synthHistory(appLayers)
	}
	if len(app) >= len(base) && historyPrefix(app, base) {
		return app[len(base):]
	}
	seen := 0
	for i, e := range app {
		if seen == baseLayers {
			return app[i:]
		}
		if !e.EmptyLayer {
			seen++
		}
	}
	return nil // appLayers == 0 and nothing after the base's last layer
}

// historyPrefix reports whether h starts with prefix.
func historyPrefix(h, prefix []v1.History) bool {
	for i, p := range prefix {
		e := h[i]
		if e.Author != p.Author || e.CreatedBy != p.CreatedBy || e.Comment != p.Comment ||
			e.EmptyLayer != p.EmptyLayer || !e.Created.Equal(p.Created.Time) {
			return false
		}
	}
	return true
}

// view is an image as mutate.Rebase sees it, which reads nothing of its
// arguments but Layers and ConfigFile: the same image with chosen layers
// and a config with a normalised history.
type view struct {
	v1.Image
	layers []v1.Layer
	config *v1.ConfigFile
}

func (v view) Layers() ([]v1.Layer, error)         { return v.layers, nil }
func (v view) ConfigFile() (*v1.ConfigFile, error) { return v.config.DeepCopy(), nil }
