package report

import (
	"fmt"
	"io"

	"github.com/patchline/patchline/pipeline/verification"
)

// VerifyView prints what the deploy gate checked.
type VerifyView struct {
	*verification.Report
}

// WriteTable prints each platform image with its signed SBOM and
// provenance, who signed them and the source the provenance names.
func (v VerifyView) WriteTable(w io.Writer) error {
	r := v.Report
	verdict := "verified"
	if !r.OK {
		verdict = "NOT verified"
	}
	fmt.Fprintf(w, "%s %s (%s)\ntrusting %s\n\n", verdict, r.Image, r.Digest, r.Trust)
	rows := [][]string{{"PLATFORM", "IMAGE", "SBOM", "PROVENANCE", "SOURCE"}}
	for _, p := range r.Platforms {
		sbom, prov, src := "-", "-", "-"
		if p.SBOM != nil {
			sbom = "signed " + p.SBOM.PredicateType
		}
		if p.Provenance != nil {
			prov = "signed " + p.Provenance.PredicateType
		}
		if p.Source != nil {
			src = p.Source.URI
			if p.Source.Ref != "" {
				src += "@" + p.Source.Ref
			}
			if c := p.Source.Commit; c != "" {
				src += " (" + c[:min(len(c), 12)] + ")"
			}
		}
		rows = append(rows, []string{p.Platform, short(p.Digest), sbom, prov, src})
	}
	if err := Columns(w, rows); err != nil {
		return err
	}
	for _, p := range r.Platforms {
		if p.Provenance != nil {
			fmt.Fprintf(w, "%s: signed by %s", p.Platform, p.Provenance.Signer)
			if !p.Provenance.LoggedAt.IsZero() {
				fmt.Fprintf(w, ", logged %s", p.Provenance.LoggedAt.Format("2006-01-02T15:04:05Z"))
			}
			fmt.Fprintln(w)
		}
		for _, prob := range p.Problems {
			fmt.Fprintf(w, "%s: %s\n", p.Platform, prob)
		}
	}
	_, err := fmt.Fprintf(w, "\n%s\n", r.Requests)
	return err
}
