package app

import (
	"context"
	"fmt"

	"github.com/patchline/patchline/pipeline/release"
	"github.com/patchline/patchline/pipeline/report"
	"github.com/patchline/patchline/pipeline/version"
)

// Release publishes a version (see release.Release) and renders the report.
func Release(ctx context.Context, req BuildRequest, ver string) (string, error) {
	format, err := report.ParseFormat(req.Format)
	if err != nil {
		return "", err
	}
	v, err := parseVersion(ver)
	if err != nil {
		return "", err
	}
	return runBuild(ctx, req, format, releaseRevision(req.GitTags, ver), func(ctx context.Context, run prepared) (*release.Report, error) {
		if run.in.Source.Ref == "" {
			run.in.Source.Ref = "refs/tags/" + ver
		}
		return release.Release(ctx, run.in, v, run.released)
	})
}

// Edge publishes a development build (see release.Edge) of the commit sha,
// HEAD when sha is empty. Without a branch it publishes the edge tags that
// need none (edge-sha-<sha7>), as plan shows for the same arguments.
func Edge(ctx context.Context, req BuildRequest, branch, sha string) (string, error) {
	format, err := report.ParseFormat(req.Format)
	if err != nil {
		return "", err
	}
	return runBuild(ctx, req, format, Revision{Commit: sha}, edgeBuild(branch, sha))
}

// parseVersion parses the version a release or a plan is for.
func parseVersion(ver string) (version.Version, error) {
	if ver == "" {
		return version.Version{}, fmt.Errorf("%w: give the version to release, e.g. --version 1.6.0 (on a tag push: --version $GITHUB_REF_NAME)", ErrUsage)
	}
	return version.Parse(ver)
}

// edgeBuild is an edge build of branch at sha, or without a sha at the
// commit checked out (HEAD's).
func edgeBuild(branch, sha string) func(context.Context, prepared) (*release.Report, error) {
	return func(ctx context.Context, run prepared) (*release.Report, error) {
		if sha == "" {
			sha = run.in.Source.Commit
		}
		return release.Edge(ctx, run.in, branch, sha)
	}
}

// runBuild is what release, edge and plan share: it checks out rev, turns
// the request into typed inputs, runs the build and renders its report.
func runBuild(ctx context.Context, req BuildRequest, format report.Format, rev Revision, run func(context.Context, prepared) (*release.Report, error)) (out string, err error) {
	if err := req.checkout(ctx, rev); err != nil {
		return "", err
	}
	pre, err := prepare(ctx, req, true)
	if err != nil {
		return "", err
	}
	defer localNames(pre.local, &out, &err)
	rep, err := run(ctx, pre)
	if err != nil {
		return "", explain(err, req)
	}
	return report.Render(format, report.ReleaseView{Report: rep, Local: localRepository(pre.local)})
}
