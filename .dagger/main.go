// Release container images and keep them patched.
//
// patchline builds images in containerised steps, pins and compares base
// image digests, attaches an SBOM and SLSA provenance, and publishes the tag
// set a declarative release policy calls for: exact, line, dated, stable and
// latest tags for releases, weekly refreshes of every supported line when
// its base image moved, and edge tags for development builds. The same call
// gives the same result on a laptop and on any CI.
//
// Every function reads its policy from --preset (default, weekly-refresh,
// stable-line) or --policy (a file in the source directory); with neither,
// patchline.yaml is used when the source has one, the default preset
// otherwise.
package main

import (
	"context"
	"time"

	"dagger/patchline/internal/dagger"

	"github.com/patchline/patchline/pipeline/app"
)

// Patchline releases container images and keeps them patched.
type Patchline struct{}

// Show the tags a release or an edge build would get, without building or writing anything.
func (m *Patchline) Plan(
	ctx context.Context,
	// Version to plan a release of, e.g. 1.6.0 or v1.6.0.
	// +optional
	version string,
	// Branch to plan an edge build of, e.g. main or feature/login.
	// +optional
	branch string,
	// Commit id of the edge build, e.g. $GITHUB_SHA.
	// +optional
	sha string,
	// Built-in policy preset: default, weekly-refresh or stable-line.
	// +optional
	preset string,
	// Policy file, relative to the source directory. Default: patchline.yaml when present, else the default preset.
	// +optional
	policy string,
	// Build date as YYYY-MM-DD; renders dated tags. Default: today (UTC).
	// +optional
	date string,
	// Output format: table or json.
	// +optional
	// +default="table"
	format string,
	// Source directory; the policy file is read from it.
	// +defaultPath="/"
	source *dagger.Directory,
	// Git repository whose tags are the versions already released.
	// +defaultPath="/"
	repo *dagger.GitRepository,
) (string, error) {
	tags, err := gitTags(ctx, repo)
	if err != nil {
		return "", err
	}
	return app.Plan(app.PlanRequest{
		Policy:  policySource(ctx, source, preset, policy),
		Version: version,
		Branch:  branch,
		SHA:     sha,
		GitTags: tags,
		Date:    date,
		Now:     time.Now(),
		Format:  format,
	})
}

// Check a policy file and explain every problem in it, with file, line and fix.
func (m *Patchline) CheckPolicy(
	ctx context.Context,
	// Built-in preset to check instead of a file.
	// +optional
	preset string,
	// Policy file, relative to the source directory. Default: patchline.yaml.
	// +optional
	policy string,
	// Output format: table or json.
	// +optional
	// +default="table"
	format string,
	// Source directory holding the policy file.
	// +defaultPath="/"
	source *dagger.Directory,
) (string, error) {
	return app.CheckPolicy(policySource(ctx, source, preset, policy), format)
}
