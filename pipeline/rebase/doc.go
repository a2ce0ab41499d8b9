// Package rebase is the rebase refresh strategy: when a release policy says
// `refresh.strategy: rebase`, a refresh whose base image moved does not
// rebuild the application. It swaps the base layers of the published image
// for the layers of the new base, platform by platform, with
// go-containerregistry's mutate.Rebase, and publishes the result. No engine
// runs and no layer blob is downloaded: everything needed is in manifests
// and configs, and the registry mounts or already has every layer.
//
// This is only correct when the application layers do not depend on the
// base's content (a static binary, files copied in; not packages installed
// by RUN against the base's libraries). That is the user's call, made in
// the policy. What this package guarantees is that it never produces an
// image it cannot vouch for: it refuses, with the platform, layer and
// digests in the message, when
//
//   - a platform manifest does not record the base it was built on
//     (org.opencontainers.image.base.digest), or the old base handed in is
//     not that one;
//   - the image's layers do not start with exactly the recorded base's
//     layers, compared by diff ID;
//   - the new base has no image for the platform, or one for another
//     platform.
//
// A platform whose recorded base already is the new base is left as it is,
// and a line where that holds for every platform comes back as
// Output.Unchanged rather than as an error, so a second refresh right after
// a successful one does nothing.
//
// Fetch reads what Rebase needs from a registry with as few requests as
// there are manifests and configs to read; Rebase itself makes none.
package rebase
