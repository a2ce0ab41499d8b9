// Package app is what the Dagger functions call: one function per command,
// taking plain values (file contents, tag lists, today's date) and
// returning a rendered report. It holds no Dagger types, so every command's
// behaviour is tested without an engine; .dagger/main.go only turns Dagger
// arguments into these values.
package app

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/patchline/patchline/pipeline/calendar"
	"github.com/patchline/patchline/pipeline/policy"

	"github.com/patchline/patchline/pipeline/internal/safetext"
)

// ErrUsage is wrapped by errors about how a command was called.
var ErrUsage = errors.New("invalid arguments")

// PolicySource says where a command's policy comes from.
type PolicySource struct {
	// Preset names a built-in preset.
	Preset string
	// File is a path in the source directory.
	File string
	// Read returns a file from the source directory; ok is false when the
	// file does not exist.
	Read func(path string) (data []byte, ok bool, err error)
}

// LoadPolicy loads the named preset or file. With neither, it loads
// patchline.yaml from the source directory when there is one, and the
// default preset otherwise.
func LoadPolicy(src PolicySource) (*policy.Policy, error) {
	switch {
	case src.Preset != "" && src.File != "":
		return nil, fmt.Errorf("%w: give --preset or --policy, not both", ErrUsage)
	case src.Preset != "":
		return policy.Preset(src.Preset)
	}
	file := src.File
	if file == "" {
		file = policy.DefaultFile
	}
	if src.Read == nil {
		return policy.Preset("default")
	}
	data, ok, err := src.Read(file)
	if err != nil {
		return nil, fmt.Errorf("reading policy file %s: %w", safetext.Quote(file), err)
	}
	if !ok {
		if src.File == "" {
			return policy.Preset("default")
		}
		return nil, fmt.Errorf("%w: policy file %s is not in the source directory; check --policy (the path is relative to --source) or use --preset %s",
			ErrUsage, safetext.Quote(src.File), strings.Join(policy.PresetNames(), "|"))
	}
	return policy.Parse(file, data)
}

// BuildTime is the time a build is dated at: the day a --date argument
// names (midnight UTC), or, with none, now, which the caller supplies:
// nothing below this point reads the clock.
func BuildTime(arg string, now time.Time) (time.Time, error) {
	if arg == "" {
		if now.IsZero() {
			return time.Time{}, fmt.Errorf("%w: no date and no clock given", ErrUsage)
		}
		return now.UTC(), nil
	}
	d, err := calendar.Parse(arg)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: --date %v", ErrUsage, err)
	}
	return d.Time, nil
}
