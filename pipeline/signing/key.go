package signing

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"strings"

	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
)

// LoadKey decrypts a private key as `cosign generate-key-pair` writes it:
// PEM of type ENCRYPTED SIGSTORE PRIVATE KEY (or the older ENCRYPTED COSIGN
// PRIVATE KEY), scrypt and secretbox around a PKCS#8 ECDSA P-256 key.
// sigstore/sigstore's cryptoutils does the decryption, as cosign itself
// does. An empty password is a valid one (COSIGN_PASSWORD= ).
//
// The error never contains the key or the password.
func LoadKey(pemKey, password []byte) (*ecdsa.PrivateKey, error) {
	if len(strings.TrimSpace(string(pemKey))) == 0 {
		return nil, fmt.Errorf("%w: the signing key is empty; give the cosign.key that `cosign generate-key-pair` wrote, e.g. --signing-key file:cosign.key", ErrKey)
	}
	if !strings.Contains(string(pemKey), "ENCRYPTED SIGSTORE PRIVATE KEY") && !strings.Contains(string(pemKey), "ENCRYPTED COSIGN PRIVATE KEY") {
		return nil, fmt.Errorf("%w: the signing key is not an encrypted cosign private key (a PEM block \"ENCRYPTED SIGSTORE PRIVATE KEY\"); make one with `cosign generate-key-pair` and pass cosign.key, not cosign.pub", ErrKey)
	}
	// cryptoutils decrypts only when the password is not nil: an empty
	// password must still be an empty slice, or the encrypted bytes go
	// to the PKCS#8 parser and fail with a confusing ASN.1 error.
	if password == nil {
		password = []byte{}
	}
	pk, err := cryptoutils.UnmarshalPEMToPrivateKey(pemKey, cryptoutils.StaticPasswordFunc(password))
	if err != nil {
		if strings.Contains(err.Error(), "decryption failed") {
			return nil, fmt.Errorf("%w: the signing key does not decrypt with the password given; check --signing-password (the COSIGN_PASSWORD it was made with)", ErrKey)
		}
		return nil, fmt.Errorf("%w: the signing key cannot be read: %v", ErrKey, err)
	}
	ec, ok := pk.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%w: the signing key is %T; patchline signs with ECDSA P-256 keys, which `cosign generate-key-pair` makes", ErrKey, pk)
	}
	if ec.Curve != elliptic.P256() {
		return nil, fmt.Errorf("%w: the signing key is on curve %s; patchline signs with ECDSA P-256 keys, which `cosign generate-key-pair` makes", ErrKey, ec.Curve.Params().Name)
	}
	return ec, nil
}

// keypair is a long-lived ECDSA P-256 key in the shape sigstore-go's signer
// takes (it only ships ephemeral keys of its own making).
type keypair struct {
	priv *ecdsa.PrivateKey
	hint []byte
}

// newKeypair wraps priv. The hint is base64(sha256(PKIX public key)): what
// cosign writes into a bundle's verificationMaterial.publicKey.hint, so a
// verifier holding several keys can pick the right one.
func newKeypair(priv *ecdsa.PrivateKey) (*keypair, error) {
	der, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKey, err)
	}
	sum := sha256.Sum256(der)
	return &keypair{priv: priv, hint: []byte(base64.StdEncoding.EncodeToString(sum[:]))}, nil
}

func (k *keypair) GetHashAlgorithm() protocommon.HashAlgorithm {
	return protocommon.HashAlgorithm_SHA2_256
}

func (k *keypair) GetSigningAlgorithm() protocommon.PublicKeyDetails {
	return protocommon.PublicKeyDetails_PKIX_ECDSA_P256_SHA_256
}

func (k *keypair) GetHint() []byte { return k.hint }

// GetKeyAlgorithm names the key type in a Fulcio certificate request; a
// long-lived key never makes one, but the interface asks.
func (k *keypair) GetKeyAlgorithm() string { return "ECDSA" }

func (k *keypair) GetPublicKey() crypto.PublicKey { return &k.priv.PublicKey }

func (k *keypair) GetPublicKeyPem() (string, error) {
	b, err := cryptoutils.MarshalPublicKeyToPEM(&k.priv.PublicKey)
	return string(b), err
}

// SignData signs the SHA-256 of data (for a DSSE bundle, the envelope's
// pre-authentication encoding) and returns the ASN.1 signature and the
// digest signed.
func (k *keypair) SignData(_ context.Context, data []byte) ([]byte, []byte, error) {
	digest := sha256.Sum256(data)
	sig, err := ecdsa.SignASN1(rand.Reader, k.priv, digest[:])
	if err != nil {
		return nil, nil, err
	}
	return sig, digest[:], nil
}
