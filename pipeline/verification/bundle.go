package verification

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/verify"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/patchline/patchline/pipeline/internal/safetext"
)

// inTotoPayloadType is the DSSE payload type of an in-toto statement.
const inTotoPayloadType = "application/vnd.in-toto+json"

// Verified is a bundle whose signature checked out against a Trust and
// whose statement is about the expected image.
type Verified struct {
	// PredicateType is the statement's, e.g. https://slsa.dev/provenance/v1.
	PredicateType string `json:"predicate_type"`
	// Subjects are the sha256 digests the statement is about.
	Subjects []string `json:"subjects"`
	// Predicate is the statement's predicate, as signed.
	Predicate json.RawMessage `json:"-"`
	// Signer says who signed: "key sha256:..." or the certificate's
	// subject and issuer.
	Signer string `json:"signer"`
	// LoggedAt is the time the transparency log recorded the signature;
	// zero for a key signature, which is not logged.
	LoggedAt time.Time `json:"logged_at,omitzero"`
}

// VerifyBundle checks one Sigstore bundle against t and requires its in-toto
// statement to be about subject. The error wraps ErrMalformed, ErrSignature
// or ErrSubject, and says which.
//
// A statement whose signature verifies but whose subject is another image
// is told apart from a bad signature: that is what an attestation copied
// from another image (or another platform) looks like.
func VerifyBundle(t Trust, bundleJSON []byte, subject v1.Hash) (*Verified, error) {
	b, err := parseBundle(bundleJSON)
	if err != nil {
		return nil, err
	}
	v, idPolicy, err := t.verifier()
	if err != nil {
		return nil, err
	}
	digest, err := hex.DecodeString(subject.Hex)
	if err != nil || subject.Algorithm != "sha256" {
		return nil, fmt.Errorf("%w: image digest %q is not a sha256 digest", ErrUsage, subject)
	}
	res, err := v.Verify(b, verify.NewPolicy(verify.WithArtifactDigest(subject.Algorithm, digest), idPolicy))
	if err != nil {
		// Tell a signature that is fine but about another image from one
		// that is not trusted at all.
		if other, err2 := v.Verify(b, verify.NewPolicy(verify.WithoutArtifactUnsafe(), idPolicy)); err2 == nil && other.Statement != nil {
			got := statementDigests(other)
			return nil, fmt.Errorf("%w: the %s statement is validly signed, but its subject is %s, not this image",
				ErrSubject, safetext.Clip(other.Statement.GetPredicateType()), safetext.Clip(strings.Join(got, ", ")))
		}
		return nil, fmt.Errorf("%w: %s", ErrSignature, explainSignatureError(t, err))
	}
	if res.Statement == nil {
		return nil, fmt.Errorf("%w: the bundle signs no in-toto statement", ErrMalformed)
	}
	out := &Verified{
		PredicateType: res.Statement.GetPredicateType(),
		Subjects:      statementDigests(res),
		Signer:        t.String(),
	}
	if p := res.Statement.GetPredicate(); p != nil {
		if out.Predicate, err = protojson.Marshal(p); err != nil {
			return nil, fmt.Errorf("%w: reading the %s predicate: %v", ErrMalformed, out.PredicateType, err)
		}
	}
	if c := res.Signature; c != nil && c.Certificate != nil {
		out.Signer = c.Certificate.SubjectAlternativeName + " (issuer " + c.Certificate.Issuer + ")"
	}
	for _, ts := range res.VerifiedTimestamps {
		if ts.Type == "Tlog" && (out.LoggedAt.IsZero() || ts.Timestamp.Before(out.LoggedAt)) {
			out.LoggedAt = ts.Timestamp.UTC()
		}
	}
	return out, nil
}

// parseBundle reads bundle JSON as cosign does: sigstore-go's parser, which
// checks the media type and the shape of the verification material, and a
// DSSE envelope carrying an in-toto statement.
func parseBundle(b []byte) (*bundle.Bundle, error) {
	var bun bundle.Bundle
	if err := bun.UnmarshalJSON(b); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if !bun.MinVersion("v0.3") {
		// cosign reads only v0.3 bundles from referrers; accepting older ones
		// here would pass images that cosign refuses.
		v, _ := bun.Version()
		return nil, fmt.Errorf("%w: bundle version %s; cosign reads v0.3 bundles", ErrMalformed, v)
	}
	env, err := bun.Envelope()
	if err != nil || env == nil {
		return nil, fmt.Errorf("%w: the bundle holds no DSSE envelope, so it signs no attestation", ErrMalformed)
	}
	if pt := env.RawEnvelope().PayloadType; pt != inTotoPayloadType {
		return nil, fmt.Errorf("%w: the envelope's payload type is %s, not an in-toto statement (%s)", ErrMalformed, safetext.Quote(pt), inTotoPayloadType)
	}
	return &bun, nil
}

// statementDigests lists the sha256 subjects of a verified statement.
func statementDigests(res *verify.VerificationResult) []string {
	var out []string
	for _, s := range res.Statement.GetSubject() {
		if d := s.GetDigest()["sha256"]; d != "" {
			out = append(out, "sha256:"+d)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// explainSignatureError turns sigstore-go's verification error into what
// went wrong in the terms of the trust asked for.
func explainSignatureError(t Trust, err error) string {
	msg := err.Error()
	var idErr *verify.ErrNoMatchingCertificateIdentity
	switch {
	case !t.Keyless() && strings.Contains(msg, "expected key signature, not certificate"):
		return fmt.Sprintf("it was signed keyless (with a certificate), not with %s; verify it with the certificate identity and issuer instead", t)
	case !t.Keyless():
		return fmt.Sprintf("its signature does not verify with %s: it was signed with another key, or changed after signing (%v)", t, err)
	case errors.As(err, &idErr):
		return fmt.Sprintf("it was signed by another identity than %s (%v)", t, err)
	case strings.Contains(msg, "no certificate"), strings.Contains(msg, "key"):
		return fmt.Sprintf("it was signed with a key, not with a certificate for %s (%v)", t, err)
	}
	return fmt.Sprintf("it does not verify as signed by %s: %v", t, err)
}
