package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/patchline/patchline/pipeline/release"
)

// ReleaseView prints the outcome of a release or edge build.
type ReleaseView struct {
	*release.Report
	// Local is the repository in the local registry, as people reach it,
	// when the image went there.
	Local string `json:"local_registry,omitempty"`
}

// WriteTable prints tags → digest per repository, the attestations, the
// bases, and what was withheld and why.
func (v ReleaseView) WriteTable(w io.Writer) error {
	r := v.Report
	p := r.Plan
	what := fmt.Sprintf("%s %s", r.Kind, p.Version)
	if p.Version == "" {
		what = fmt.Sprintf("%s build of %s", r.Kind, strings.Join(nonEmpty(p.Branch, p.SHA), " at "))
	}
	if r.DryRun {
		fmt.Fprintf(w, "dry run: %s on %s, policy %s; nothing was built or written\n", what, p.Date, p.Policy)
		if r.Commit != "" {
			fmt.Fprintf(w, "would build commit %s%s\n", r.Commit, refNote(r.Ref))
		}
		fmt.Fprintln(w)
		if err := PlanTags(w, p); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(w, "%s on %s, policy %s\n", what, p.Date, p.Policy)
		if r.Commit != "" {
			fmt.Fprintf(w, "built commit %s%s\n", r.Commit, refNote(r.Ref))
		}
		fmt.Fprintf(w, "image %s", r.Digest)
		if r.Adopted {
			fmt.Fprint(w, " (already published for this revision; finished)")
		}
		fmt.Fprintln(w)
	}
	if v.Local != "" {
		fmt.Fprintf(w, "published to patchline's local registry as %s (no --image given); open it with: %s, then e.g. crane ls %s\n", v.Local, LocalHint, v.Local)
	}
	if r.Publish != nil {
		for _, repo := range r.Publish.Repositories {
			fmt.Fprintf(w, "\n%s\n", repo.Repository)
			rows := [][]string{{"TAG", "ROLE", "ACTION", "DIGEST", "NOTE"}}
			for _, t := range repo.Tags {
				note := t.Reason
				if t.Action == "moved" && note == "" {
					note = "was " + short(t.Previous)
				}
				rows = append(rows, []string{t.Name, string(t.Role), string(t.Action), short(t.Digest), note})
			}
			if err := Columns(w, rows); err != nil {
				return err
			}
			if len(repo.Attestations) > 0 {
				fmt.Fprintf(w, "referrers: %s\n", strings.Join(shortAll(repo.Attestations), " "))
			}
			if r.SignedBy != "" {
				fmt.Fprintf(w, "attestations signed by %s\n", r.SignedBy)
			}
		}
		if len(p.Withheld) > 0 {
			fmt.Fprintln(w)
			rows := [][]string{{"WITHHELD", "ROLE", "REASON"}}
			for _, x := range p.Withheld {
				rows = append(rows, []string{orDash(x.Name), string(x.Role), x.Reason})
			}
			if err := Columns(w, rows); err != nil {
				return err
			}
		}
	}
	if len(r.Platforms) > 0 {
		fmt.Fprintln(w)
		rows := [][]string{{"PLATFORM", "IMAGE", "BASE"}}
		for _, pi := range r.Platforms {
			rows = append(rows, []string{pi.Platform, short(pi.Digest), short(pi.BaseDigest)})
		}
		if err := Columns(w, rows); err != nil {
			return err
		}
	}
	if len(r.Bases) > 0 {
		fmt.Fprintln(w)
		rows := [][]string{{"BASE", "DIGEST", "WAS PINNED TO"}}
		for _, b := range r.Bases {
			name := b.Ref
			if b.Final {
				name += " (final)"
			}
			rows = append(rows, []string{name, b.Digest, orDash(b.Previous)})
		}
		if err := Columns(w, rows); err != nil {
			return err
		}
	}
	if err := notes(w, append(append([]string(nil), p.Notes...), r.Notes...)); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n%s\n", r.Requests)
	return err
}

// MarshalJSON renders the report with the local registry address.
func (v ReleaseView) MarshalJSON() ([]byte, error) {
	type out struct {
		*release.Report
		Local string `json:"local_registry,omitempty"`
	}
	return marshal(out(v))
}

// refNote names the ref a commit was read from, e.g. " (refs/tags/v1.6.0)".
func refNote(ref string) string {
	if ref == "" {
		return ""
	}
	return " (" + ref + ")"
}

func short(d string) string {
	if strings.HasPrefix(d, "sha256:") && len(d) > 19 {
		return d[:19]
	}
	return orDash(d)
}

func shortAll(ds []string) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = short(d)
	}
	return out
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func nonEmpty(xs ...string) []string {
	var out []string
	for _, x := range xs {
		if x != "" {
			out = append(out, x)
		}
	}
	return out
}
