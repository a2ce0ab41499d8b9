// Package pipeline is the Go library behind patchline. Each subpackage has
// one concern:
//
//	version      strict release versions and release lines
//	tagname      tag validity, branch sanitising, tag templates, date formats
//	platform     target platforms: the one type and how each place writes them
//	calendar     calendar days (YYYY-MM-DD): the one date type
//	policy       loading and validating release policies
//	plan         pure planners: which tags a build gets and why others are withheld
//	dockerfile   the base images of a Dockerfile and their roles, and pinning them to digests
//	watch        the record of every image a build used, and which of them a refresh watches
//	ospkg        asking an image's package manager what it would upgrade, from its outputs
//	registry     a registry client: HEAD resolution, retries, request counting
//	build        the Builder interface and the annotations every build stamps
//	daggerbuild  the Dagger builder, the syft scanner, the OS package step, the local registry service
//	ocitar       reading the OCI layout a Dagger build exports
//	attest       SBOM checks, SLSA provenance, the referrers and in-index layouts
//	signing      signing statements as Sigstore bundles, with a cosign key or keyless
//	verification the deploy gate: signed SBOM and provenance on every platform image
//	publish      writing content and tags in the order that keeps readers safe
//	release      the release and edge flows
//	refresh      the weekly refresh and the check of every supported line
//	rebase       the rebase refresh strategy (swap base layers, no build)
//	rollback     moving a line's floating tags back to an earlier build
//	eol          end-of-life dates of base images
//	report       tables and JSON for every result
//	app          one function per Dagger function, on plain values
//
// Two internal packages serve several of them: strictyaml decodes policy
// and end-of-life files into typed structs and reports every problem with
// its file, line and fix; safetext cuts and scrubs the values messages echo.
//
// Code that only tests use lives under internal/testing: in-process
// registries with faults (regtest), a Builder that runs without an engine
// (layerbuild), a scanner for its images (testscan), whole test worlds
// (fixture), a private Sigstore (sigstoretest) and the cosign CLI
// (cosigntest). Only daggerbuild imports dagger.io/dagger, and only signing
// and verification import the Sigstore libraries; imports_test.go keeps it
// that way, keeps internal/testing out of what the module compiles, and
// keeps heavy libraries out of it too.
package pipeline
