package attest

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
)

// cdxSpecVersion matches the CycloneDX versions that have a JSON form (1.2
// onwards; 1.0 and 1.1 were XML only).
var cdxSpecVersion = regexp.MustCompile(`^1\.([0-9]+)$`)

// cdxSerial is the form CycloneDX requires of serialNumber (RFC 4122 URN).
var cdxSerial = regexp.MustCompile(`^urn:uuid:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// validateCycloneDX checks bomFormat, specVersion, the optional serialNumber
// and version, and the shape of components, returning the name of the
// described component and the component count.
func validateCycloneDX(obj map[string]json.RawMessage) (string, int, error) {
	bf, ok, err := stringField(obj, "bomFormat")
	switch {
	case err != nil:
		return "", 0, err
	case !ok:
		if _, spdx := obj["spdxVersion"]; spdx {
			return "", 0, fmt.Errorf("document is SPDX, not CycloneDX: run syft with -o cyclonedx-json, or pass format %q", SPDXJSON)
		}
		return "", 0, fmt.Errorf("bomFormat is missing: not a CycloneDX JSON document")
	case bf != "CycloneDX":
		return "", 0, fmt.Errorf("bomFormat is %q, want \"CycloneDX\"", bf)
	}
	sv, err := requireString(obj, "specVersion")
	if err != nil {
		return "", 0, err
	}
	m := cdxSpecVersion.FindStringSubmatch(sv)
	if m == nil {
		return "", 0, fmt.Errorf("specVersion %q is not a CycloneDX version such as \"1.6\"", sv)
	}
	if minor, _ := strconv.Atoi(m[1]); minor < 2 {
		return "", 0, fmt.Errorf("specVersion %q has no JSON form; CycloneDX JSON starts at 1.2", sv)
	}
	if serial, ok, err := stringField(obj, "serialNumber"); err != nil {
		return "", 0, err
	} else if ok && !cdxSerial.MatchString(serial) {
		return "", 0, fmt.Errorf("serialNumber %q is not a urn:uuid URN", serial)
	}
	if raw, ok := obj["version"]; ok {
		var v int
		if err := json.Unmarshal(raw, &v); err != nil || v < 1 {
			return "", 0, fmt.Errorf("version is %s, want an integer of 1 or more", head(raw))
		}
	}
	comps, err := objectArray(obj, "components")
	if err != nil {
		return "", 0, err
	}
	for i, c := range comps {
		if _, err := requireString(c, "type"); err != nil {
			return "", 0, fmt.Errorf("components[%d]: %w", i, err)
		}
		if _, err := requireString(c, "name"); err != nil {
			return "", 0, fmt.Errorf("components[%d]: %w", i, err)
		}
	}
	var meta struct {
		Component struct {
			Name string `json:"name"`
		} `json:"component"`
	}
	if raw, ok := obj["metadata"]; ok {
		if err := json.Unmarshal(raw, &meta); err != nil {
			return "", 0, fmt.Errorf("metadata is %s, not an object", head(raw))
		}
	}
	return meta.Component.Name, len(comps), nil
}
