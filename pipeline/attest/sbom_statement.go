package attest

import (
	"encoding/json"
	"fmt"
)

// NewSBOMStatement wraps an SBOM in an in-toto statement about the given
// platform image(s): the form BuildKit attaches in the index layout, where
// Docker Scout finds the SBOM by its predicateType. The document becomes the
// predicate unchanged apart from whitespace.
func NewSBOMStatement(sbom SBOM, subjects ...Subject) (Statement, error) {
	pt := sbom.Format.PredicateType()
	if pt == "" {
		return Statement{}, fmt.Errorf("%w %q", ErrUnknownSBOMFormat, sbom.Format)
	}
	if !json.Valid(sbom.Document) {
		return Statement{}, fmt.Errorf("%w: %s document is not JSON; parse it with ParseSBOM first", ErrInvalidSBOM, sbom.Format)
	}
	s := Statement{
		Type:          StatementTypeV1,
		Subject:       sortedSubjects(subjects),
		PredicateType: pt,
		Predicate:     json.RawMessage(sbom.Document),
	}
	if err := s.Validate(); err != nil {
		return Statement{}, err
	}
	return s, nil
}
