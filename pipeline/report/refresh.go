package report

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/patchline/patchline/pipeline/dockerfile"
	"github.com/patchline/patchline/pipeline/refresh"
	"github.com/patchline/patchline/pipeline/rollback"
)

// RefreshView prints a refresh or a check: every line with its status and
// reason, the base recorded and current per platform, the tags written,
// base end-of-life warnings, and the registry requests made.
type RefreshView struct {
	*refresh.Report
	Local string `json:"local_registry,omitempty"`
}

// WriteTable prints the refresh report.
func (v RefreshView) WriteTable(w io.Writer) error {
	r := v.Report
	what := "refresh"
	if r.CheckOnly {
		what = "check"
	}
	fmt.Fprintf(w, "%s of %s on %s, policy %s, strategy %s\n", what, r.Repository, r.Date, r.Policy, r.Strategy)
	if v.Local != "" {
		fmt.Fprintf(w, "using patchline's local registry as %s (no --image given); open it with: %s\n", v.Local, LocalHint)
	}
	fmt.Fprintln(w)
	rows := [][]string{{"LINE", "VERSION", "STATUS", "REASON"}}
	for _, l := range r.Lines {
		reason := l.Reason
		if l.Error != "" {
			reason = l.Error
		}
		rows = append(rows, []string{l.Line, l.Version, string(l.Status), reason})
	}
	if err := Columns(w, rows); err != nil {
		return err
	}
	if err := imagesTable(w, r); err != nil {
		return err
	}
	if err := packagesTable(w, r); err != nil {
		return err
	}
	for _, l := range r.Lines {
		if len(l.Tags) == 0 {
			continue
		}
		fmt.Fprintf(w, "\nline %s → %s (%s)\n", l.Line, l.Digest, l.Strategy)
		rows := [][]string{{"TAG", "ROLE", "ACTION", "NOTE"}}
		for _, t := range l.Tags {
			note := t.Reason
			if t.Action == "moved" && note == "" {
				note = "was " + short(t.Previous)
			}
			rows = append(rows, []string{t.Name, string(t.Role), string(t.Action), note})
		}
		if err := Columns(w, rows); err != nil {
			return err
		}
	}
	var eols []string
	seen := map[string]bool{}
	for _, l := range r.Lines {
		if l.BaseEOL != nil && l.BaseEOL.State != "ok" && l.BaseEOL.State != "unknown" && !seen[l.BaseEOL.Message] {
			seen[l.BaseEOL.Message] = true
			eols = append(eols, fmt.Sprintf("%s: %s", strings.ToUpper(l.BaseEOL.State), l.BaseEOL.Message))
		}
	}
	if err := notes(w, eols); err != nil {
		return err
	}
	var lineNotes []string
	for _, l := range r.Lines {
		for _, n := range l.Notes {
			lineNotes = append(lineNotes, "line "+l.Line+": "+n)
		}
	}
	if err := notes(w, lineNotes); err != nil {
		return err
	}
	unpublished := ""
	if r.Unpublished > 0 {
		unpublished = fmt.Sprintf(", %d unpublished", r.Unpublished)
	}
	if r.Unchanged > 0 {
		unpublished += fmt.Sprintf(", %d rebuilt without the package updates (not published)", r.Unchanged)
	}
	if r.SignedBy != "" {
		fmt.Fprintf(w, "\nattestations signed by %s\n", r.SignedBy)
	}
	_, err := fmt.Fprintf(w, "\n%d rebuilt, %d repaired, %d skipped, %d stale, %d failed%s; %s\n", r.Rebuilt, r.Repaired, r.Skipped, r.Stale, r.Failed, unpublished, r.Requests)
	return err
}

// MarshalJSON renders the report with the local registry address and the
// verdict: ok is false when a line failed or, in a check, is stale.
func (v RefreshView) MarshalJSON() ([]byte, error) {
	type out struct {
		OK bool `json:"ok"`
		*refresh.Report
		Local string `json:"local_registry,omitempty"`
	}
	r := v.Report
	ok := r.Failed == 0 && r.Unchanged == 0 && !(r.CheckOnly && r.Stale > 0)
	return marshal(out{ok, v.Report, v.Local})
}

// imagesTable lists, per line, the final base on every platform and each
// other watched image: by platform where it moved, as a whole where it did
// not. Images the policy does not watch are in the JSON report only.
func imagesTable(w io.Writer, r *refresh.Report) error {
	var rows [][]string
	for _, l := range r.Lines {
		if l.Base != nil {
			for _, p := range l.Base.Platforms {
				rows = append(rows, []string{l.Line, "base " + l.Base.Name, p.Platform, short(p.Recorded), orDash(short(p.Current))})
			}
			if len(l.Base.Platforms) == 0 {
				rows = append(rows, []string{l.Line, "base " + l.Base.Name, "-", short(l.Base.Recorded), orDash(short(l.Base.Current))})
			}
		}
		for _, img := range l.Images {
			if !img.Watched || img.Role == dockerfile.RoleFinal {
				continue
			}
			what := string(img.Role) + " " + img.Ref
			if img.Moved && len(img.Platforms) > 0 {
				for _, p := range img.Platforms {
					rows = append(rows, []string{l.Line, what, p.Platform, orDash(short(p.Recorded)), orDash(short(p.Current))})
				}
				continue
			}
			rows = append(rows, []string{l.Line, what, "-", short(img.Recorded), orDash(short(img.Current))})
		}
	}
	if len(rows) == 0 {
		return nil
	}
	fmt.Fprintln(w)
	return Columns(w, append([][]string{{"LINE", "IMAGE", "PLATFORM", "RECORDED", "NOW"}}, rows...))
}

// packagesTable lists the OS package updates each line's check found, and
// the packages a rebuild for them changed.
func packagesTable(w io.Writer, r *refresh.Report) error {
	var rows [][]string
	for _, l := range r.Lines {
		for _, p := range l.Packages {
			for _, u := range p.Updates {
				kind := "update"
				if u.Security {
					kind = "security"
				}
				rows = append(rows, []string{l.Line, p.Platform, u.Name, orDash(u.From), u.To, kind})
			}
		}
		for _, p := range slices.Sorted(maps.Keys(l.PackageChanges)) {
			for _, c := range l.PackageChanges[p] {
				rows = append(rows, []string{l.Line, p, c.Name, orDash(c.From), orDash(c.To), "installed by the rebuild"})
			}
		}
	}
	if len(rows) == 0 {
		return nil
	}
	fmt.Fprintln(w)
	return Columns(w, append([][]string{{"LINE", "PLATFORM", "PACKAGE", "INSTALLED", "AVAILABLE", "KIND"}}, rows...))
}

// RollbackView prints a rollback.
type RollbackView struct {
	*rollback.Report
	Local string `json:"local_registry,omitempty"`
}

// WriteTable prints the tags moved.
func (v RollbackView) WriteTable(w io.Writer) error {
	r := v.Report
	fmt.Fprintf(w, "rollback of line %s to %s (%s, %s)\n\n", r.Line, r.Target, r.Version, r.Digest)
	rows := [][]string{{"TAG", "ROLE", "ACTION", "WAS"}}
	for _, t := range r.Tags {
		rows = append(rows, []string{t.Name, string(t.Role), string(t.Action), orDash(short(t.Previous))})
	}
	if err := Columns(w, rows); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n%s\n", r.Requests)
	return err
}

// MarshalJSON renders the report with the local registry address.
func (v RollbackView) MarshalJSON() ([]byte, error) {
	type out struct {
		*rollback.Report
		Local string `json:"local_registry,omitempty"`
	}
	return marshal(out(v))
}
