package attest

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// spdxVersion is the one SPDX version patchline publishes: 2.3 is what
// syft's spdx-json writes and what Docker Scout and Trivy read.
const spdxVersion = "SPDX-2.3"

// validateSPDX checks the document-level fields SPDX 2.3 requires (clause 6)
// and the shape of packages, returning the document name and package count.
func validateSPDX(obj map[string]json.RawMessage) (string, int, error) {
	v, ok, err := stringField(obj, "spdxVersion")
	switch {
	case err != nil:
		return "", 0, err
	case !ok:
		if _, cdx := obj["bomFormat"]; cdx {
			return "", 0, fmt.Errorf("document is CycloneDX, not SPDX: run syft with -o spdx-json, or pass format %q", CycloneDXJSON)
		}
		return "", 0, fmt.Errorf("spdxVersion is missing: not an SPDX JSON document")
	case v != spdxVersion:
		return "", 0, fmt.Errorf("spdxVersion is %q, want %q: run syft with -o spdx-json@2.3", v, spdxVersion)
	}
	lic, err := requireString(obj, "dataLicense")
	if err != nil {
		return "", 0, err
	}
	if lic != "CC0-1.0" {
		return "", 0, fmt.Errorf("dataLicense is %q; SPDX 2.3 requires \"CC0-1.0\"", lic)
	}
	id, err := requireString(obj, "SPDXID")
	if err != nil {
		return "", 0, err
	}
	if id != "SPDXRef-DOCUMENT" {
		return "", 0, fmt.Errorf("SPDXID is %q; SPDX 2.3 requires \"SPDXRef-DOCUMENT\"", id)
	}
	name, err := requireString(obj, "name")
	if err != nil {
		return "", 0, err
	}
	ns, err := requireString(obj, "documentNamespace")
	if err != nil {
		return "", 0, err
	}
	if u, err := url.Parse(ns); err != nil || u.Scheme == "" || u.Fragment != "" || strings.Contains(ns, "#") {
		return "", 0, fmt.Errorf("documentNamespace %q is not an absolute URI without a \"#\" part", ns)
	}
	if err := validateSPDXCreationInfo(obj); err != nil {
		return "", 0, err
	}
	pkgs, err := objectArray(obj, "packages")
	if err != nil {
		return "", 0, err
	}
	for i, p := range pkgs {
		pid, err := requireString(p, "SPDXID")
		if err != nil {
			return "", 0, fmt.Errorf("packages[%d]: %w", i, err)
		}
		if !strings.HasPrefix(pid, "SPDXRef-") {
			return "", 0, fmt.Errorf("packages[%d]: SPDXID %q does not start with \"SPDXRef-\"", i, pid)
		}
		if _, err := requireString(p, "name"); err != nil {
			return "", 0, fmt.Errorf("packages[%d] (%s): %w", i, pid, err)
		}
	}
	return name, len(pkgs), nil
}

// validateSPDXCreationInfo checks creationInfo.created (an RFC 3339 UTC time)
// and creationInfo.creators (at least one "Tool:", "Organization:" or
// "Person:" entry).
func validateSPDXCreationInfo(obj map[string]json.RawMessage) error {
	raw, ok := obj["creationInfo"]
	if !ok {
		return fmt.Errorf("creationInfo is missing")
	}
	var ci map[string]json.RawMessage
	if err := json.Unmarshal(raw, &ci); err != nil || ci == nil {
		return fmt.Errorf("creationInfo is %s, not an object", head(raw))
	}
	created, err := requireString(ci, "created")
	if err != nil {
		return fmt.Errorf("creationInfo: %w", err)
	}
	if _, err := time.Parse(time.RFC3339, created); err != nil {
		return fmt.Errorf("creationInfo.created %q is not an RFC 3339 time such as 2026-02-04T10:00:00Z", created)
	}
	var creators []string
	if err := json.Unmarshal(ci["creators"], &creators); err != nil || len(creators) == 0 {
		return fmt.Errorf("creationInfo.creators must list at least one creator such as \"Tool: syft-1.18.1\"")
	}
	for _, c := range creators {
		if !strings.HasPrefix(c, "Tool:") && !strings.HasPrefix(c, "Organization:") && !strings.HasPrefix(c, "Person:") {
			return fmt.Errorf("creationInfo.creators entry %q does not start with \"Tool:\", \"Organization:\" or \"Person:\"", c)
		}
	}
	return nil
}
