package attest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
)

// Format is an SBOM document format, named as syft's -o flag names it.
type Format string

// The formats patchline publishes. Both are JSON: the referrers layout
// stores the document as is, and the in-index layout embeds it as the
// predicate of an in-toto statement, which must be JSON.
const (
	SPDXJSON      Format = "spdx-json"
	CycloneDXJSON Format = "cyclonedx-json"
)

// MediaType is the document's IANA media type: the artifactType and layer
// media type of a referrer holding it.
func (f Format) MediaType() string {
	switch f {
	case SPDXJSON:
		return MediaTypeSPDX
	case CycloneDXJSON:
		return MediaTypeCycloneDX
	}
	return ""
}

// PredicateType is the in-toto predicateType of a statement wrapping a
// document of this format.
func (f Format) PredicateType() string {
	switch f {
	case SPDXJSON:
		return PredicateSPDX
	case CycloneDXJSON:
		return PredicateCycloneDX
	}
	return ""
}

// SBOM is a checked SBOM document for one platform image.
type SBOM struct {
	Format Format
	// Document is the document exactly as syft printed it.
	Document []byte
	// Name is the document's own name (SPDX name, CycloneDX
	// metadata.component.name), for reports.
	Name string
	// Packages counts SPDX packages or CycloneDX components, for reports:
	// an SBOM of zero packages usually means syft scanned the wrong thing.
	Packages int
}

// ParseSBOM checks doc as a document of format f and returns it. The checks
// are the ones that catch real mistakes: a table or XML printed instead of
// JSON, the other format, an older SPDX version, and the document-level
// fields every consumer needs. They do not replace a schema validator.
func ParseSBOM(f Format, doc []byte) (SBOM, error) {
	var validate func(map[string]json.RawMessage) (string, int, error)
	switch f {
	case SPDXJSON:
		validate = validateSPDX
	case CycloneDXJSON:
		validate = validateCycloneDX
	default:
		return SBOM{}, fmt.Errorf("%w %q: use %q or %q", ErrUnknownSBOMFormat, f, SPDXJSON, CycloneDXJSON)
	}
	obj, err := decodeObject(f, doc)
	if err != nil {
		return SBOM{}, err
	}
	name, n, err := validate(obj)
	if err != nil {
		return SBOM{}, fmt.Errorf("%w: %s: %w", ErrInvalidSBOM, f, err)
	}
	return SBOM{Format: f, Document: bytes.Clone(doc), Name: name, Packages: n}, nil
}

// decodeObject parses doc as one JSON object, with an error that says what
// the bytes look like instead: the usual cause is syft run without the right
// -o flag, which prints a table.
func decodeObject(f Format, doc []byte) (map[string]json.RawMessage, error) {
	trimmed := bytes.TrimSpace(doc)
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s: %s", ErrInvalidSBOM, f, fmt.Sprintf(format, args...))
	}
	switch {
	case len(trimmed) == 0:
		return nil, fail("document is empty: the scan step wrote nothing; check that syft ran with -o %s", f)
	case bytes.HasPrefix(trimmed, []byte("\xef\xbb\xbf")):
		return nil, fail("document starts with a UTF-8 byte order mark, which JSON forbids")
	case trimmed[0] == '<':
		return nil, fail("document looks like XML (starts with %q): run syft with -o %s", head(trimmed), f)
	case trimmed[0] == '[':
		return nil, fail("document is a JSON array, not an SBOM object")
	case trimmed[0] != '{':
		return nil, fail("document is not JSON (starts with %q): syft printed another output format, such as its table; run it with -o %s", head(trimmed), f)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &obj); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return nil, fail("document is not valid JSON at byte %d: %v", syn.Offset, err)
		}
		return nil, fail("document is not valid JSON: %v", err)
	}
	return obj, nil
}

// head returns the start of b for error messages, cut at the first line end.
func head(b []byte) string {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	const limit = 40
	if len(b) > limit {
		b = b[:limit]
		for len(b) > 0 && !utf8.Valid(b) {
			b = b[:len(b)-1]
		}
	}
	return string(b)
}

// stringField returns obj[key] as a string; present reports whether the key
// exists at all, so callers can say "missing" and "not a string" apart.
func stringField(obj map[string]json.RawMessage, key string) (value string, present bool, err error) {
	raw, ok := obj[key]
	if !ok {
		return "", false, nil
	}
	if err := json.Unmarshal(raw, &value); err != nil {
		return "", true, fmt.Errorf("%s is %s, not a string", key, head(raw))
	}
	return value, true, nil
}

// requireString returns a non-empty string field or an error naming it.
func requireString(obj map[string]json.RawMessage, key string) (string, error) {
	v, ok, err := stringField(obj, key)
	switch {
	case err != nil:
		return "", err
	case !ok:
		return "", fmt.Errorf("%s is missing", key)
	case v == "":
		return "", fmt.Errorf("%s is empty", key)
	}
	return v, nil
}

// objectArray decodes obj[key] as an array of objects; a missing key is an
// empty array.
func objectArray(obj map[string]json.RawMessage, key string) ([]map[string]json.RawMessage, error) {
	raw, ok := obj[key]
	if !ok || string(raw) == "null" {
		return nil, nil
	}
	var items []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fmt.Errorf("%s is not an array of objects", key)
	}
	return items, nil
}
