package ospkg

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/patchline/patchline/pipeline/policy"
)

var (
	// ErrNoNetwork is returned when the package manager could not reach
	// the distribution's mirrors: without fresh lists it would report no
	// updates, which would be untrue.
	ErrNoNetwork = errors.New("the package manager could not reach the distribution's mirrors")
	// ErrCheck is returned when the package manager failed or printed
	// something the check cannot read.
	ErrCheck = errors.New("the package check failed")
)

// Update is one package the manager would upgrade.
type Update struct {
	Name string `json:"name"`
	Arch string `json:"arch,omitempty"`
	From string `json:"from,omitempty"`
	To   string `json:"to"`
	// Source is where the new version comes from, as the manager says it
	// (an apt suite, a dnf repository).
	Source string `json:"source,omitempty"`
	// Security is set when the update fixes a security issue, as far as
	// the manager can tell (see the package documentation).
	Security bool `json:"security"`
}

// String renders "name from → to".
func (u Update) String() string {
	if u.From == "" {
		return u.Name + " → " + u.To
	}
	return u.Name + " " + u.From + " → " + u.To
}

// Result is what a check found in one image.
type Result struct {
	Distro  string  `json:"distro,omitempty"`
	Manager Manager `json:"manager,omitempty"`
	// Checked is false when the image has no package manager; Reason
	// then says so.
	Checked bool     `json:"checked"`
	Reason  string   `json:"reason,omitempty"`
	Updates []Update `json:"updates,omitempty"`
	// Held are packages held at their version (apt-mark hold, an apk
	// world pin, dnf versionlock): not counted.
	Held []string `json:"held,omitempty"`
	// KeptBack are packages apt would not upgrade without installing or
	// removing others: not counted, since apt-get upgrade leaves them.
	KeptBack []string `json:"kept_back,omitempty"`
	// Note says how security updates were told, where that is not from
	// the distribution's own advisories.
	Note string `json:"note,omitempty"`
}

// Stale returns the updates that make an image stale under mode.
func (r Result) Stale(mode policy.Packages) []Update {
	var out []Update
	for _, u := range r.Updates {
		if mode == policy.PackagesAll || (mode == policy.PackagesSecurity && u.Security) {
			out = append(out, u)
		}
	}
	return out
}

// Parse reads the runs of a plan into a result. A plan whose image has no
// package manager gives an unchecked result and no error.
func Parse(pl Plan, probe Probe, runs []Run) (Result, error) {
	res := Result{Distro: pl.Distro.Name(), Manager: pl.Manager}
	if pl.Unsupported != "" {
		res.Reason = pl.Unsupported
		return res, nil
	}
	byStep := steps{plan: pl, runs: map[Step]Run{}}
	for _, r := range runs {
		byStep.runs[r.Step] = r
	}
	var err error
	switch pl.Manager {
	case Apt:
		err = parseApt(&res, byStep)
	case Apk:
		err = parseApk(&res, byStep, probe)
	case Dnf:
		err = parseDnf(&res, byStep)
	case Microdnf:
		err = parseMicrodnf(&res, byStep)
	default:
		err = fmt.Errorf("%w: no parser for %q", ErrCheck, pl.Manager)
	}
	if err != nil {
		return res, err
	}
	res.Checked = true
	sort.Slice(res.Updates, func(i, j int) bool { return res.Updates[i].Name < res.Updates[j].Name })
	sort.Strings(res.Held)
	sort.Strings(res.KeptBack)
	return res, nil
}

// steps are the runs of a plan by step.
type steps struct {
	plan Plan
	runs map[Step]Run
}

// get returns the run of a step, or an error when the step was planned
// but did not run (the caller stopped early).
func (s steps) get(step Step) (Run, error) {
	if r, ok := s.runs[step]; ok {
		return r, nil
	}
	for _, c := range s.plan.Commands {
		if c.Step == step {
			return Run{}, fmt.Errorf("%w: %s did not run", ErrCheck, strings.Join(c.Args, " "))
		}
	}
	return Run{}, fmt.Errorf("%w: no %s step in the plan", ErrCheck, step)
}

// optional returns the run of an optional step, if it ran and succeeded.
func (s steps) optional(step Step) (Run, bool) {
	r, ok := s.runs[step]
	return r, ok && r.Exit == 0
}

// failed describes a command that exited with an error: its command line,
// exit code and the last lines it printed on stderr (or stdout).
func failed(r Run, sentinel error) error {
	return fmt.Errorf("%w: %s exited with %d: %s", sentinel, strings.Join(r.Args, " "), r.Exit, tail(r))
}

func tail(r Run) string {
	text := strings.TrimSpace(r.Stderr)
	if text == "" {
		text = strings.TrimSpace(r.Stdout)
	}
	lines := strings.Split(text, "\n")
	if len(lines) > 3 {
		lines = lines[len(lines)-3:]
	}
	out := strings.Join(lines, " / ")
	if len(out) > 400 {
		out = out[:400] + "…"
	}
	return out
}

func lines(s string) []string {
	return strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
}
