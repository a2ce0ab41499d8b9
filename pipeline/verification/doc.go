// Package verification is the deploy gate: it checks that every platform
// image of a published image carries an SBOM and a SLSA provenance, each a
// Sigstore bundle signed by the key or the CI identity the caller trusts,
// that the provenance is about that very image, and, when asked, that it
// was built from the expected repository and ref.
//
// It reads bundles the way `cosign verify-attestation` does (any referrer
// whose one layer is a Sigstore bundle) and checks them with sigstore-go,
// so an image that passes here also passes cosign, and the other way round.
// Anything unsigned, signed by someone else, or about another image is
// refused with what is wrong and where: a verifier that says only "no"
// leaves the person on call guessing.
//
// Nothing here writes to a registry, and the only network it uses besides
// the registry is Sigstore's TUF repository, when keyless trust is asked
// for without a trusted root file.
package verification
