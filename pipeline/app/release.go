package app

import (
	"context"
	"fmt"

	"github.com/patchline/patchline/pipeline/release"
	"github.com/patchline/patchline/pipeline/report"
)

// Release publishes a version (see release.Release) and renders the report.
func Release(ctx context.Context, req BuildRequest, version string) (out string, err error) {
	format, err := report.ParseFormat(req.Format)
	if err != nil {
		return "", err
	}
	if version == "" {
		return "", fmt.Errorf("%w: give the version to release, e.g. --version 1.6.0 (on a tag push: --version $GITHUB_REF_NAME)", ErrUsage)
	}
	if err := req.checkout(ctx, releaseRevision(req.GitTags, version)); err != nil {
		return "", err
	}
	if err := requireSourceURL(req); err != nil {
		return "", err
	}
	in, _, local, err := inputs(ctx, req)
	if err != nil {
		return "", err
	}
	defer localNames(local, &out, &err)
	if in.Source.Ref == "" {
		in.Source.Ref = "refs/tags/" + version
	}
	rep, err := release.Release(ctx, in, version, req.GitTags)
	if err != nil {
		return "", explain(err, req)
	}
	return report.Render(format, report.ReleaseView{Report: rep, Local: localRepository(local)})
}

// Edge publishes a development build (see release.Edge) of the commit sha,
// HEAD when sha is empty. Without a branch it publishes the edge tags that
// need none (edge-sha-<sha7>), as plan shows for the same arguments.
func Edge(ctx context.Context, req BuildRequest, branch, sha string) (out string, err error) {
	format, err := report.ParseFormat(req.Format)
	if err != nil {
		return "", err
	}
	if err := req.checkout(ctx, Revision{Commit: sha}); err != nil {
		return "", err
	}
	if sha == "" {
		sha = req.Source.Commit
	}
	if err := requireSourceURL(req); err != nil {
		return "", err
	}
	in, _, local, err := inputs(ctx, req)
	if err != nil {
		return "", err
	}
	defer localNames(local, &out, &err)
	rep, err := release.Edge(ctx, in, branch, sha)
	if err != nil {
		return "", explain(err, req)
	}
	return report.Render(format, report.ReleaseView{Report: rep, Local: localRepository(local)})
}
