package attest

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// DigestSet maps a digest algorithm to a lowercase hex value, as in-toto's
// ResourceDescriptor does: "sha256" for images, "gitCommit" for commits.
type DigestSet map[string]string

// Subject is one artifact a statement is about.
type Subject struct {
	// Name identifies the artifact for humans and policy engines; BuildKit
	// uses the image's package URL, see ImagePURL.
	Name   string    `json:"name"`
	Digest DigestSet `json:"digest"`
}

// NewSubject returns a subject for an image manifest digest.
func NewSubject(name string, digest v1.Hash) Subject {
	return Subject{Name: name, Digest: DigestSet{digest.Algorithm: digest.Hex}}
}

// Statement is an in-toto Statement v1. Predicate holds the predicate JSON
// as is, so an SBOM document travels without being re-modelled.
type Statement struct {
	Type          string          `json:"_type"`
	Subject       []Subject       `json:"subject"`
	PredicateType string          `json:"predicateType"`
	Predicate     json.RawMessage `json:"predicate"`
}

// hexDigest matches the values this package writes into digest sets.
var hexDigest = regexp.MustCompile(`^[0-9a-f]{32,}$`)

// Validate checks the fields every in-toto Statement v1 needs.
func (s Statement) Validate() error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidStatement, fmt.Sprintf(format, args...))
	}
	if s.Type != StatementTypeV1 {
		return fail("_type is %q, want %q", s.Type, StatementTypeV1)
	}
	if len(s.Subject) == 0 {
		return fail("no subject: a statement must name the image digests it is about")
	}
	for i, sub := range s.Subject {
		if len(sub.Digest) == 0 {
			return fail("subject[%d] %q has no digest", i, sub.Name)
		}
		for alg, hex := range sub.Digest {
			if alg == "" || !hexDigest.MatchString(hex) {
				return fail("subject[%d] %q has digest %s:%q, want lowercase hex", i, sub.Name, alg, hex)
			}
		}
	}
	if u, err := url.Parse(s.PredicateType); err != nil || u.Scheme == "" {
		return fail("predicateType %q is not an absolute URI", s.PredicateType)
	}
	if !bytes.HasPrefix(bytes.TrimSpace(s.Predicate), []byte("{")) || !json.Valid(s.Predicate) {
		return fail("predicate of %s is not a JSON object", s.PredicateType)
	}
	return nil
}

// Encode validates s and returns its JSON. Subjects are sorted by name and
// digest and the predicate is compacted, so equal statements encode to the
// same bytes whatever order the caller built them in; HTML characters are
// not escaped, so an SBOM's "Name <mail>" supplier stays readable.
func (s Statement) Encode() ([]byte, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	s.Subject = sortedSubjects(s.Subject)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return nil, fmt.Errorf("%w: encoding %s statement: %w", ErrInvalidStatement, s.PredicateType, err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// DecodeStatement parses and validates an encoded statement.
func DecodeStatement(b []byte) (Statement, error) {
	var s Statement
	if err := json.Unmarshal(b, &s); err != nil {
		return Statement{}, fmt.Errorf("%w: %v", ErrInvalidStatement, err)
	}
	if err := s.Validate(); err != nil {
		return Statement{}, err
	}
	return s, nil
}

// sortedSubjects returns a sorted copy of subs.
func sortedSubjects(subs []Subject) []Subject {
	out := slices.Clone(subs)
	slices.SortStableFunc(out, func(a, b Subject) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(digestKey(a.Digest), digestKey(b.Digest)))
	})
	return out
}

// digestKey renders a digest set in a stable order for sorting.
func digestKey(d DigestSet) string {
	keys := make([]string, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var sb strings.Builder
	for _, k := range keys {
		sb.WriteString(k + ":" + d[k] + ";")
	}
	return sb.String()
}
