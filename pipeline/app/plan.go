package app

import (
	"context"
	"fmt"

	"github.com/patchline/patchline/pipeline/release"
	"github.com/patchline/patchline/pipeline/report"
	"github.com/patchline/patchline/pipeline/version"
)

// Plan shows what a release (version) or an edge build (branch, sha) would
// do: the tags with their roles, the tags withheld with the reason, and the
// base images resolved to their current digests. It is a dry run of the
// same code: it reads the registry and writes nothing.
func Plan(ctx context.Context, req BuildRequest, ver, branch, sha string) (string, error) {
	format, err := report.ParseFormat(req.Format)
	if err != nil {
		return "", err
	}
	req.DryRun = true
	if branch != "" || sha != "" {
		if ver != "" {
			return "", fmt.Errorf("%w: give --version to plan a release, or --branch/--sha to plan an edge build, not both", ErrUsage)
		}
		return runBuild(ctx, req, format, Revision{Commit: sha}, edgeBuild(branch, sha))
	}
	if ver == "" {
		return "", fmt.Errorf("%w: give --version to plan a release (e.g. --version 1.6.0), or --branch and --sha to plan an edge build", ErrUsage)
	}
	v, err := version.Parse(ver)
	if err != nil {
		return "", err
	}
	return runBuild(ctx, req, format, releaseRevision(req.GitTags, ver), func(ctx context.Context, run prepared) (*release.Report, error) {
		return release.Release(ctx, run.in, v, run.released)
	})
}
