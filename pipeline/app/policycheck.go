package app

import (
	"errors"
	"fmt"

	"github.com/patchline/patchline/pipeline/policy"
	"github.com/patchline/patchline/pipeline/report"
)

// ErrPolicyInvalid is returned by CheckPolicy when the policy has
// problems; the rendered report lists them.
var ErrPolicyInvalid = errors.New("the policy has problems")

// CheckPolicy validates a policy and explains every problem. The report is
// returned in both cases; the error is non-nil when the policy is invalid,
// so that CI fails.
func CheckPolicy(src PolicySource, format string) (string, error) {
	f, err := report.ParseFormat(format)
	if err != nil {
		return "", err
	}
	name := src.File
	if src.Preset != "" {
		name = "preset:" + src.Preset
	}
	if name == "" {
		name = policy.DefaultFile
	}
	p, err := LoadPolicy(src)
	if p != nil {
		name = p.Source
	}
	check, cerr := report.NewPolicyCheck(name, p, err)
	if cerr != nil {
		return "", cerr
	}
	out, rerr := report.Render(f, check)
	if rerr != nil {
		return "", rerr
	}
	if !check.Valid {
		return out, fmt.Errorf("%w:\n%s", ErrPolicyInvalid, out)
	}
	return out, nil
}
