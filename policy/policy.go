// Package policy holds the release policy presets, the JSON Schema of policy
// files and the base image end-of-life table. They are embedded so that the
// Dagger module, the command line and the tests all read the same bytes; the
// Go code that loads and checks them lives in pipeline/policy.
package policy

import "embed"

// Presets holds one YAML policy per preset, in presets/<name>.yaml.
//
//go:embed presets/*.yaml
var Presets embed.FS

// Schema is the JSON Schema of policy files, for editors.
//
//go:embed policy.schema.json
var Schema []byte

// EOL holds the base image end-of-life tables, in eol/<name>.yaml; the Go
// code that loads them lives in pipeline/eol.
//
//go:embed eol/*.yaml
var EOL embed.FS
