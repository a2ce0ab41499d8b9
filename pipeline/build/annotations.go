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
)
