package report

import (
	"fmt"
	"io"

	"github.com/patchline/patchline/pipeline/plan"
)

// PlanTags prints the tag and withheld tables of one plan.
func PlanTags(w io.Writer, p *plan.Plan) error {
	rows := [][]string{{"TAG", "ROLE", "IMMUTABLE", "NOTE"}}
	for _, t := range p.Tags {
		note := t.Note
		if t.Exists && note == "" {
			note = "exists; will move"
			if t.Immutable {
				note = "exists"
			}
		}
		rows = append(rows, []string{t.Name, string(t.Role), YesNo(t.Immutable), note})
	}
	if err := Columns(w, rows); err != nil {
		return err
	}
	if len(p.Withheld) == 0 {
		return nil
	}
	fmt.Fprintln(w)
	rows = [][]string{{"WITHHELD", "ROLE", "REASON"}}
	for _, x := range p.Withheld {
		name := x.Name
		if name == "" {
			name = "-"
		}
		rows = append(rows, []string{name, string(x.Role), x.Reason})
	}
	return Columns(w, rows)
}

func notes(w io.Writer, ns []string) error {
	if len(ns) == 0 {
		return nil
	}
	fmt.Fprintln(w, "\nnotes:")
	for _, n := range ns {
		if _, err := fmt.Fprintf(w, "  - %s\n", n); err != nil {
			return err
		}
	}
	return nil
}
