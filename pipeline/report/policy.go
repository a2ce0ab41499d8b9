package report

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/patchline/patchline/pipeline/platform"
	"github.com/patchline/patchline/pipeline/policy"
)

// PolicyCheck is the outcome of checking a policy file.
type PolicyCheck struct {
	Source   string           `json:"source"`
	Valid    bool             `json:"valid"`
	Problems []policy.Problem `json:"problems,omitempty"`
	Policy   *policy.Policy   `json:"policy,omitempty"`
}

// NewPolicyCheck builds the check result from Parse's outcome. An error
// that is not a list of problems is returned as is.
func NewPolicyCheck(source string, p *policy.Policy, err error) (*PolicyCheck, error) {
	if err == nil {
		return &PolicyCheck{Source: source, Valid: true, Policy: p}, nil
	}
	var perr *policy.Errors
	if !errors.As(err, &perr) {
		return nil, err
	}
	return &PolicyCheck{Source: source, Problems: perr.Problems}, nil
}

// WriteTable prints every problem, or a summary of a valid policy.
func (c *PolicyCheck) WriteTable(w io.Writer) error {
	if !c.Valid {
		fmt.Fprintf(w, "%s: %d problem(s)\n", c.Source, len(c.Problems))
		for _, p := range c.Problems {
			fmt.Fprintf(w, "  %s\n", p.Error())
		}
		return nil
	}
	p := c.Policy
	fmt.Fprintf(w, "%s: valid\n\n", c.Source)
	repos := "(none: --image or the local registry)"
	if len(p.Repositories) > 0 {
		repos = strings.Join(p.Repositories, ", ")
	}
	scope := "all lines"
	if p.Support.NewestLines > 0 {
		scope = fmt.Sprintf("newest %d lines", p.Support.NewestLines)
	}
	if p.Support.ConstraintText != "" {
		scope += fmt.Sprintf(", %s", p.Support.ConstraintText)
	}
	var roles []string
	for _, r := range p.Tags.Immutable {
		roles = append(roles, string(r))
	}
	rows := [][]string{
		{"repositories", repos},
		{"platforms", strings.Join(platform.Strings(p.Platforms), ", ")},
		{"supported", scope},
		{"exact", p.Tags.Exact.String()},
		{"major", orNone(p.Tags.Major.String())},
		{"line", orNone(p.Tags.Line.String())},
		{"aliases", orNone(strings.Join(p.Tags.Aliases, ", "))},
		{"dated", orNone(p.Tags.Dated.String()) + " (date " + p.Tags.DateFormat.String() + ")"},
		{"immutable", strings.Join(roles, ", ")},
		{"release.dated", YesNo(p.Release.Dated)},
		{"refresh", fmt.Sprintf("strategy %s, moves exact: %s, skip unchanged: %s, watches %s, OS packages: %s", p.Refresh.Strategy, YesNo(p.Refresh.Exact), YesNo(p.Refresh.SkipUnchanged), p.Refresh.Watch, p.Refresh.Packages)},
		{"attestations", fmt.Sprintf("sbom %s, provenance %s, layouts %v, sign %s", p.Attestations.SBOM, YesNo(p.Attestations.Provenance), p.Attestations.Layouts, p.Attestations.Sign)},
	}
	return Columns(w, rows)
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
