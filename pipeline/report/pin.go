package report

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/patchline/patchline/pipeline/dockerfile"
	"github.com/patchline/patchline/pipeline/registry"
)

// PinnedFile is one Dockerfile's pin result.
type PinnedFile struct {
	File      string              `json:"file"`
	Changed   bool                `json:"changed"`
	Changes   []dockerfile.Change `json:"changes"`
	BuildArgs map[string]string   `json:"build_args,omitempty"`
}

// PinView prints what pin changed.
type PinView struct {
	Files    []PinnedFile    `json:"files"`
	Requests registry.Counts `json:"registry_requests"`
}

// WriteTable prints old → new per reference.
func (v PinView) WriteTable(w io.Writer) error {
	for _, f := range v.Files {
		state := "unchanged"
		if f.Changed {
			state = "rewritten"
		}
		fmt.Fprintf(w, "%s: %s\n", f.File, state)
		rows := [][]string{{"LINE", "REFERENCE", "OLD DIGEST", "NEW DIGEST", "ACTION"}}
		for _, c := range f.Changes {
			action := string(c.Action)
			if c.Reason != "" {
				action += ": " + c.Reason
			}
			ref := c.Old
			if i := strings.Index(ref, "@"); i >= 0 {
				ref = ref[:i]
			}
			rows = append(rows, []string{fmt.Sprint(c.Line), ref, orDash(short(c.OldDigest)), orDash(short(c.NewDigest)), action})
		}
		if err := Columns(w, rows); err != nil {
			return err
		}
		for _, k := range slices.Sorted(maps.Keys(f.BuildArgs)) {
			fmt.Fprintf(w, "pass --build-arg %s=%s (the base comes from this build arg)\n", k, f.BuildArgs[k])
		}
		fmt.Fprintln(w)
	}
	_, err := fmt.Fprintf(w, "%s\n", v.Requests)
	return err
}
