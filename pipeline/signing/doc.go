// Package signing signs patchline's in-toto statements as Sigstore bundles
// and attaches them to the images they are about, in the layout cosign v3
// writes: one DSSE-signed bundle per statement, as an OCI 1.1 referrer of
// each platform image.
//
// Two ways to sign, as a release policy's attestations.sign chooses:
//
//   - key: with a cosign-format private key (ECDSA P-256, encrypted with a
//     password), decrypted with sigstore/sigstore's cryptoutils. Nothing is
//     logged publicly; verifiers need the matching cosign.pub.
//   - keyless: with a fresh key per run and a short-lived Fulcio certificate
//     issued for the CI's OIDC identity (GitHub Actions' workflow, say), each
//     signature recorded in Rekor. Verifiers need the identity and issuer.
//
// Every signature is made by sigstore-go; nothing here is hand-written
// cryptography. Keys, passwords and tokens stay inside a Signer: errors are
// scrubbed of them before they leave the package, since an error ends up
// on a CI log.
package signing
