package policy

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	policyfiles "github.com/patchline/patchline/policy"

	"github.com/patchline/patchline/pipeline/internal/safetext"
)

// DefaultFile is the policy file looked for at the root of a source
// directory when neither a preset nor a policy file is named.
const DefaultFile = "patchline.yaml"

// PresetNames lists the built-in presets.
func PresetNames() []string {
	entries, err := fs.ReadDir(policyfiles.Presets, "presets")
	if err != nil {
		return nil
	}
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	slices.Sort(names)
	return names
}

// Preset loads a built-in preset by name.
func Preset(name string) (*Policy, error) {
	data, err := fs.ReadFile(policyfiles.Presets, path.Join("presets", name+".yaml"))
	if err != nil {
		return nil, fmt.Errorf("%w %s; choose one of: %s", ErrUnknownPreset, safetext.Quote(name), strings.Join(PresetNames(), ", "))
	}
	p, err := Parse("preset:"+name, data)
	if err != nil {
		return nil, fmt.Errorf("built-in preset %q: %w", name, err)
	}
	return p, nil
}
