package build

// OCI annotation keys patchline writes on every platform manifest and on
// the index. Refresh reads the base keys back from the published image, so
// writing and reading use these same constants.
const (
	AnnotationVersion    = "org.opencontainers.image.version"
	AnnotationRevision   = "org.opencontainers.image.revision"
	AnnotationCreated    = "org.opencontainers.image.created"
	AnnotationSource     = "org.opencontainers.image.source"
	AnnotationBaseName   = "org.opencontainers.image.base.name"
	AnnotationBaseDigest = "org.opencontainers.image.base.digest"

	// AnnotationBuilt is when the image was built (RFC 3339), on the index
	// only. org.opencontainers.image.created is the commit time, so that a
	// rebuild of one commit says the same; this one tells a refreshed build
	// of a version from the release build of that version, so a re-run of
	// the release does not move floating tags back to the older build.
	AnnotationBuilt = "dev.patchline.image.built"
)
