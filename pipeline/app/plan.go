package app

import (
	"context"
	"fmt"

	"github.com/patchline/patchline/pipeline/release"
	"github.com/patchline/patchline/pipeline/report"
)

// Plan shows what a release (version) or an edge build (branch, sha) would
// do: the tags with their roles, the tags withheld with the reason, and the
// base images resolved to their current digests. It is a dry run of the
// same code: it reads the registry and writes nothing.
func Plan(ctx context.Context, req BuildRequest, version, branch, sha string) (out string, err error) {
	format, err := report.ParseFormat(req.Format)
	if err != nil {
		return "", err
	}
	edge := branch != "" || sha != ""
	switch {
	case version != "" && edge:
		return "", fmt.Errorf("%w: give --version to plan a release, or --branch/--sha to plan an edge build, not both", ErrUsage)
	case version == "" && !edge:
		return "", fmt.Errorf("%w: give --version to plan a release (e.g. --version 1.6.0), or --branch and --sha to plan an edge build", ErrUsage)
	}
	req.DryRun = true
	rev := releaseRevision(req.GitTags, version)
	if edge {
		rev = Revision{Commit: sha}
	}
	if err := req.checkout(ctx, rev); err != nil {
		return "", err
	}
	if edge && sha == "" {
		sha = req.Source.Commit
	}
	in, _, local, err := inputs(ctx, req)
	if err != nil {
		return "", err
	}
	defer localNames(local, &out, &err)
	var rep *release.Report
	if edge {
		rep, err = release.Edge(ctx, in, branch, sha)
	} else {
		rep, err = release.Release(ctx, in, version, req.GitTags)
	}
	if err != nil {
		return "", explain(err, req)
	}
	return report.Render(format, report.ReleaseView{Report: rep, Local: localRepository(local)})
}
