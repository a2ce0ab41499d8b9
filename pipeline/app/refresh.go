package app

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/patchline/patchline/pipeline/eol"
	"github.com/patchline/patchline/pipeline/internal/safetext"
	"github.com/patchline/patchline/pipeline/refresh"
	"github.com/patchline/patchline/pipeline/report"
	"github.com/patchline/patchline/pipeline/rollback"
)

// RefreshOptions are the refresh and check arguments.
type RefreshOptions struct {
	// SourceFor returns the source tree of a release tag.
	SourceFor refresh.SourceFunc
	// Lines limits the run to these lines.
	Lines []string
	// Force rebuilds every supported line.
	Force bool
	// DryRun makes the decisions of a refresh and writes nothing; unlike
	// Check it does not fail when lines are stale.
	DryRun bool
}

// Refresh rebuilds every supported line whose base moved (see refresh.Run).
// The report is returned with the error when a line failed, so the caller
// shows both.
func Refresh(ctx context.Context, req BuildRequest, opts RefreshOptions) (string, error) {
	out, err := runRefresh(ctx, req, opts, opts.DryRun)
	if opts.DryRun && errors.Is(err, refresh.ErrStale) {
		return out, nil
	}
	return out, err
}

// Check makes the refresh decisions without building or writing. With the
// table format it fails when a line is stale or failed, with the report in
// the error, so CI can gate on it. With JSON it returns the report, whose
// ok field is the verdict: Dagger prints a function's result on stdout only
// when the function succeeds (an error goes to stderr), and programs read
// the JSON from stdout.
func Check(ctx context.Context, req BuildRequest, opts RefreshOptions) (string, error) {
	out, err := runRefresh(ctx, req, opts, true)
	if format, ferr := report.ParseFormat(req.Format); ferr == nil && format == report.JSON && out != "" &&
		(errors.Is(err, refresh.ErrStale) || errors.Is(err, refresh.ErrFailed)) {
		return out, nil
	}
	return out, err
}

func runRefresh(ctx context.Context, req BuildRequest, opts RefreshOptions, checkOnly bool) (out string, err error) {
	format, err := report.ParseFormat(req.Format)
	if err != nil {
		return "", err
	}
	if opts.SourceFor == nil && req.Checkout != nil {
		opts.SourceFor = req.sourceFor
	}
	if opts.SourceFor == nil && !checkOnly {
		return "", fmt.Errorf("%w: no source for the release tags", ErrUsage)
	}
	pre, err := prepare(ctx, req, !checkOnly)
	if err != nil {
		return "", err
	}
	defer localNames(pre.local, &out, &err)
	in, p := pre.in, pre.in.Policy
	table, err := baseEOLTable(req.Policy, p.BaseEOL.Overrides)
	if err != nil {
		return "", err
	}
	rep, runErr := refresh.Run(ctx, refresh.Request{
		Inputs:    in,
		Released:  pre.released,
		SourceFor: opts.SourceFor,
		Lines:     opts.Lines,
		Force:     opts.Force,
		CheckOnly: checkOnly,
		BaseEOL: func(ref string) *refresh.BaseEOL {
			m, _ := table.Lookup(ref)
			v := eol.Status(m, in.Date, p.BaseEOL.WarnDays)
			return &refresh.BaseEOL{State: string(v.State), Message: v.Message}
		},
		ReleaseCommand: func(tag string) string { return releaseCommand(req, tag) },
		Packages:       req.Packages,
	})
	if rep == nil {
		return "", explain(runErr, req)
	}
	rendered, err := report.Render(format, report.RefreshView{Report: rep, Local: localRepository(pre.local)})
	if err != nil {
		return "", err
	}
	if runErr != nil {
		if errors.Is(runErr, refresh.ErrStale) || errors.Is(runErr, refresh.ErrFailed) {
			return rendered, fmt.Errorf("%w\n\n%s", runErr, rendered)
		}
		return "", explain(runErr, req)
	}
	return rendered, nil
}

// releaseCommand is the command that publishes the release of a git tag
// with the same policy and repositories as this run: the module's
// arguments, then the function's.
func releaseCommand(req BuildRequest, tag string) string {
	args := []string{"dagger", "call"}
	if req.Policy.Preset != "" {
		args = append(args, "--preset", req.Policy.Preset)
	}
	if req.Policy.File != "" {
		args = append(args, "--policy", req.Policy.File)
	}
	for _, img := range req.Images {
		args = append(args, "--image", img)
	}
	return strings.Join(append(args, "release", "--version", tag), " ")
}

// baseEOLTable is the built-in base image EOL table, with the policy's
// override file from the source directory merged over it.
func baseEOLTable(src PolicySource, overrides string) (*eol.Table, error) {
	if overrides == "" || src.Read == nil {
		return eol.Builtin()
	}
	data, ok, err := src.Read(overrides)
	if err != nil {
		return nil, fmt.Errorf("reading base_eol.overrides %s: %w", safetext.Quote(overrides), err)
	}
	if !ok {
		return nil, fmt.Errorf("%w: base_eol.overrides names %s, which is not in the source directory", ErrUsage, safetext.Quote(overrides))
	}
	return eol.Load(overrides, data)
}

// Rollback moves a line's floating tags back to an earlier build of it.
func Rollback(ctx context.Context, req BuildRequest, line, to string) (out string, err error) {
	format, err := report.ParseFormat(req.Format)
	if err != nil {
		return "", err
	}
	if line == "" {
		return "", fmt.Errorf("%w: give the line to roll back, e.g. --line 1.6", ErrUsage)
	}
	pre, err := prepare(ctx, req, false)
	if err != nil {
		return "", err
	}
	defer localNames(pre.local, &out, &err)
	rep, err := rollback.Run(ctx, rollback.Request{Inputs: pre.in, Released: pre.released, Line: line, To: to})
	if err != nil {
		return "", explain(err, req)
	}
	return report.Render(format, report.RollbackView{Report: rep, Local: localRepository(pre.local)})
}
