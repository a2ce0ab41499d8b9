package sigstoretest

import (
	"crypto/elliptic"
	"testing"

	"github.com/sigstore/sigstore/pkg/cryptoutils"
)

// KeyPair returns a new key pair in the files `cosign generate-key-pair`
// writes: cosign.key (ECDSA P-256, PKCS#8, encrypted with password as
// ENCRYPTED SIGSTORE PRIVATE KEY) and cosign.pub.
func KeyPair(t testing.TB, password string) (private, public []byte) {
	t.Helper()
	priv, pub, err := cryptoutils.GeneratePEMEncodedECDSAKeyPair(elliptic.P256(), cryptoutils.StaticPasswordFunc([]byte(password)))
	if err != nil {
		t.Fatal(err)
	}
	return priv, pub
}
