package attest

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestParseSBOMAcceptsSyftOutput(t *testing.T) {
	for _, tc := range []struct {
		format   Format
		name     string
		packages int
	}{
		{SPDXJSON, "ghcr.io/acme/app", 5},
		{CycloneDXJSON, "ghcr.io/acme/app", 4},
	} {
		t.Run(string(tc.format), func(t *testing.T) {
			s := testSBOM(t, tc.format)
			if s.Format != tc.format || s.Name != tc.name || s.Packages != tc.packages {
				t.Errorf("got format %q name %q packages %d, want %q %q %d", s.Format, s.Name, s.Packages, tc.format, tc.name, tc.packages)
			}
		})
	}
}

func TestParseSBOMKeepsDocumentBytes(t *testing.T) {
	raw := readTestdata(t, "spdx-debian.json")
	s, err := ParseSBOM(SPDXJSON, raw)
	if err != nil {
		t.Fatal(err)
	}
	if string(s.Document) != string(raw) {
		t.Error("document bytes changed")
	}
	raw[0] = 'X'
	if s.Document[0] == 'X' {
		t.Error("SBOM shares the caller's buffer")
	}
}

// edit returns the test document of format f with change applied to its
// top-level object.
func edit(t *testing.T, f Format, change func(map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(testSBOM(t, f).Document, &m); err != nil {
		t.Fatal(err)
	}
	change(m)
	return mustJSON(t, m)
}

func TestParseSBOMRefusesBadDocuments(t *testing.T) {
	spdx := func(change func(map[string]any)) []byte { return edit(t, SPDXJSON, change) }
	cdx := func(change func(map[string]any)) []byte { return edit(t, CycloneDXJSON, change) }
	creationInfo := func(change func(map[string]any)) func(map[string]any) {
		return func(m map[string]any) { change(m["creationInfo"].(map[string]any)) }
	}
	good := string(testSBOM(t, SPDXJSON).Document)

	for _, tc := range []struct {
		name   string
		format Format
		doc    []byte
		want   string
	}{
		{"empty output", SPDXJSON, []byte("  \n"), "document is empty"},
		{"syft table", SPDXJSON, []byte("NAME             VERSION          TYPE\nbase-files       12.4+deb12u11    deb\n"), `not JSON (starts with "NAME             VERSION          TYPE"): syft printed another output format`},
		{"cyclonedx xml", CycloneDXJSON, []byte(`<?xml version="1.0" encoding="UTF-8"?><bom xmlns="http://cyclonedx.org/schema/bom/1.6"/>`), "looks like XML"},
		{"spdx tag-value", SPDXJSON, []byte("SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\n"), "not JSON"},
		{"json array", SPDXJSON, []byte(`[` + good + `]`), "JSON array"},
		{"truncated", SPDXJSON, []byte(good[:len(good)/2]), "not valid JSON"},
		{"two documents", SPDXJSON, []byte(good + good), "not valid JSON"},
		{"byte order mark", SPDXJSON, append([]byte("\xef\xbb\xbf"), good...), "byte order mark"},
		{"spdx 2.2", SPDXJSON, spdx(func(m map[string]any) { m["spdxVersion"] = "SPDX-2.2" }), `spdxVersion is "SPDX-2.2", want "SPDX-2.3"`},
		{"spdx version not a string", SPDXJSON, spdx(func(m map[string]any) { m["spdxVersion"] = 2.3 }), "spdxVersion is 2.3, not a string"},
		{"cyclonedx given as spdx", SPDXJSON, testSBOM(t, CycloneDXJSON).Document, "document is CycloneDX, not SPDX"},
		{"no dataLicense", SPDXJSON, spdx(func(m map[string]any) { delete(m, "dataLicense") }), "dataLicense is missing"},
		{"wrong dataLicense", SPDXJSON, spdx(func(m map[string]any) { m["dataLicense"] = "MIT" }), `dataLicense is "MIT"`},
		{"wrong SPDXID", SPDXJSON, spdx(func(m map[string]any) { m["SPDXID"] = "SPDXRef-Doc" }), `SPDXID is "SPDXRef-Doc"`},
		{"no name", SPDXJSON, spdx(func(m map[string]any) { m["name"] = "" }), "name is empty"},
		{"no namespace", SPDXJSON, spdx(func(m map[string]any) { delete(m, "documentNamespace") }), "documentNamespace is missing"},
		{"relative namespace", SPDXJSON, spdx(func(m map[string]any) { m["documentNamespace"] = "acme/app" }), "not an absolute URI"},
		{"namespace with fragment", SPDXJSON, spdx(func(m map[string]any) { m["documentNamespace"] = "https://acme.example/app#1" }), `without a "#" part`},
		{"no creationInfo", SPDXJSON, spdx(func(m map[string]any) { delete(m, "creationInfo") }), "creationInfo is missing"},
		{"creationInfo not object", SPDXJSON, spdx(func(m map[string]any) { m["creationInfo"] = "today" }), "creationInfo is \"today\", not an object"},
		{"bad created", SPDXJSON, spdx(creationInfo(func(c map[string]any) { c["created"] = "04/02/2026" })), "not an RFC 3339 time"},
		{"no creators", SPDXJSON, spdx(creationInfo(func(c map[string]any) { c["creators"] = []any{} })), "at least one creator"},
		{"bad creator", SPDXJSON, spdx(creationInfo(func(c map[string]any) { c["creators"] = []any{"syft"} })), `"syft" does not start with`},
		{"package without SPDXID", SPDXJSON, spdx(func(m map[string]any) {
			m["packages"].([]any)[1].(map[string]any)["SPDXID"] = ""
		}), "packages[1]: SPDXID is empty"},
		{"packages not array", SPDXJSON, spdx(func(m map[string]any) { m["packages"] = map[string]any{} }), "packages is not an array of objects"},
		{"spdx given as cyclonedx", CycloneDXJSON, testSBOM(t, SPDXJSON).Document, "document is SPDX, not CycloneDX"},
		{"no bomFormat", CycloneDXJSON, cdx(func(m map[string]any) { delete(m, "bomFormat") }), "bomFormat is missing"},
		{"wrong bomFormat", CycloneDXJSON, cdx(func(m map[string]any) { m["bomFormat"] = "cyclonedx" }), `bomFormat is "cyclonedx"`},
		{"no specVersion", CycloneDXJSON, cdx(func(m map[string]any) { delete(m, "specVersion") }), "specVersion is missing"},
		{"specVersion 1.1", CycloneDXJSON, cdx(func(m map[string]any) { m["specVersion"] = "1.1" }), "has no JSON form"},
		{"specVersion garbage", CycloneDXJSON, cdx(func(m map[string]any) { m["specVersion"] = "v1.6" }), `"v1.6" is not a CycloneDX version`},
		{"bad serialNumber", CycloneDXJSON, cdx(func(m map[string]any) { m["serialNumber"] = "1234" }), "not a urn:uuid URN"},
		{"bad version", CycloneDXJSON, cdx(func(m map[string]any) { m["version"] = 0 }), "want an integer of 1 or more"},
		{"components not array", CycloneDXJSON, cdx(func(m map[string]any) { m["components"] = "none" }), "components is not an array of objects"},
		{"component without name", CycloneDXJSON, cdx(func(m map[string]any) {
			delete(m["components"].([]any)[2].(map[string]any), "name")
		}), "components[2]: name is missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseSBOM(tc.format, tc.doc)
			if !errors.Is(err, ErrInvalidSBOM) {
				t.Fatalf("got %v, want an error wrapping ErrInvalidSBOM", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
			if !strings.Contains(err.Error(), string(tc.format)) {
				t.Errorf("error %q does not name the format", err)
			}
		})
	}
}

func TestParseSBOMUnknownFormat(t *testing.T) {
	for _, f := range []string{"spdx-tag-value", "syft-json", ""} {
		if _, err := ParseSBOM(Format(f), []byte(`{}`)); !errors.Is(err, ErrUnknownSBOMFormat) {
			t.Errorf("ParseSBOM(%q): got %v, want ErrUnknownSBOMFormat", f, err)
		}
	}
}

func TestFormatTypes(t *testing.T) {
	if SPDXJSON.MediaType() != "application/spdx+json" || SPDXJSON.PredicateType() != "https://spdx.dev/Document" {
		t.Error("SPDX media or predicate type wrong")
	}
	if CycloneDXJSON.MediaType() != "application/vnd.cyclonedx+json" || CycloneDXJSON.PredicateType() != "https://cyclonedx.org/bom" {
		t.Error("CycloneDX media or predicate type wrong")
	}
}
