package app

import (
	"fmt"
	"time"

	"github.com/patchline/patchline/pipeline/plan"
	"github.com/patchline/patchline/pipeline/report"
)

// PlanRequest is the input of the plan command.
type PlanRequest struct {
	Policy PolicySource
	// Version plans a release; Branch and SHA plan an edge build.
	Version string
	Branch  string
	SHA     string
	// GitTags are the source repository's tags: the versions released.
	GitTags []string
	// Date is the --date argument; Now is used when it is empty.
	Date   string
	Now    time.Time
	Format string
}

// Plan prints the tags a release or edge build would get.
func Plan(req PlanRequest) (string, error) {
	format, err := report.ParseFormat(req.Format)
	if err != nil {
		return "", err
	}
	pl, err := planOf(req)
	if err != nil {
		return "", err
	}
	return report.Render(format, report.PlanView{Plan: pl})
}

func planOf(req PlanRequest) (*plan.Plan, error) {
	edge := req.Branch != "" || req.SHA != ""
	switch {
	case req.Version != "" && edge:
		return nil, fmt.Errorf("%w: give --version to plan a release, or --branch/--sha to plan an edge build, not both", ErrUsage)
	case req.Version == "" && !edge:
		return nil, fmt.Errorf("%w: give --version to plan a release (e.g. --version 1.6.0), or --branch and --sha to plan an edge build", ErrUsage)
	}
	p, err := LoadPolicy(req.Policy)
	if err != nil {
		return nil, err
	}
	day, err := Day(req.Date, req.Now)
	if err != nil {
		return nil, err
	}
	if edge {
		return plan.ForEdge(p, plan.EdgeInput{Branch: req.Branch, SHA: req.SHA, Date: day})
	}
	return plan.ForRelease(p, plan.ReleaseInput{Version: req.Version, Released: req.GitTags, Date: day})
}
