// Package watch records what a published image was built from, and says
// which of it a refresh watches.
//
// A release writes every external image its build used into one
// annotation, dev.patchline.image.inputs, on each platform manifest and
// its index descriptor (and on the index): the image's reference, the
// digest a HEAD of that reference returned (the index digest of a
// multi-platform image), its role in the build (the final base, content
// copied into the final stage, or a builder) and the stages that use it.
// A refresh reads it back from one GET of the published index and asks
// the registry, with one HEAD per distinct image per run, whether each
// watched image still resolves to the recorded digest. Which roles are
// watched is the policy's refresh.watch.
//
// Images published before the annotation existed record only their final
// base (org.opencontainers.image.base.name and base.digest); Read falls
// back to it and says so, and the next rebuild records everything.
package watch
