package report

import (
	"fmt"
	"io"

	"github.com/patchline/patchline/pipeline/plan"
)

// PlanView prints a plan.
type PlanView struct {
	*plan.Plan
}

// WriteTable prints the plan's tags, withheld tags and notes.
func (v PlanView) WriteTable(w io.Writer) error {
	p := v.Plan
	switch p.Kind {
	case plan.KindEdge:
		fmt.Fprintf(w, "edge build")
		if p.Branch != "" {
			fmt.Fprintf(w, " of branch %s", p.Branch)
		}
		if p.SHA != "" {
			fmt.Fprintf(w, " at %s", p.SHA)
		}
	default:
		fmt.Fprintf(w, "%s %s (line %s)", p.Kind, p.Version, p.Line)
	}
	fmt.Fprintf(w, " on %s, policy %s\n\n", p.Date, p.Policy)
	if err := PlanTags(w, p); err != nil {
		return err
	}
	return notes(w, p.Notes)
}

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

// MarshalJSON renders the plan itself.
func (v PlanView) MarshalJSON() ([]byte, error) { return marshal(v.Plan) }
