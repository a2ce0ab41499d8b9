// Package attest makes the supply-chain documents patchline publishes next to
// every platform image and attaches them where the tools people use look for
// them.
//
// It covers five things, each in its own file group:
//
//   - SBOM documents (sbom*.go): the SPDX 2.3 or CycloneDX JSON that syft
//     prints in a containerised step arrives here as bytes and is checked
//     before anything is published, so a table printed by mistake never
//     becomes an "SBOM".
//   - in-toto statements (statement.go, provenance*.go): SLSA provenance v1
//     and SBOM statements, built from typed inputs with deterministic output:
//     the same inputs give byte-identical JSON.
//   - the in-index layout (index*.go), as BuildKit writes it, read by
//     `docker buildx imagetools inspect` and Docker Scout: a pure function
//     from one v1.ImageIndex to another.
//   - the OCI 1.1 referrers layout (referrers*.go, fallback.go), read by
//     cosign, Trivy and oras, including the `sha256-<hex>` fallback tag that
//     registries without the referrers API need, kept correct under
//     concurrent writers.
//   - Sigstore bundles as referrers (bundle.go), the layout cosign v3 writes
//     and reads: signed statements travel here as bytes, while making and
//     checking the signatures is pipeline/signing's and
//     pipeline/verification's work.
//
// The package is compiled into the Dagger module on every cold call, so it
// depends on go-containerregistry, patchline's registry client (through
// which every registry request goes) and the standard library only: the
// few in-toto, SLSA, SPDX and CycloneDX fields it needs are small structs
// here. It reads no clock: every time it writes is passed in.
package attest
