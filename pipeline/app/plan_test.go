package app

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/patchline/patchline/pipeline/internal/testing/fixture"
	"github.com/patchline/patchline/pipeline/internal/testing/regtest"
	"github.com/patchline/patchline/pipeline/plan"
	"github.com/patchline/patchline/pipeline/release"
)

var ctx = context.Background()

func request(e *fixture.Env, preset string) BuildRequest {
	return BuildRequest{
		Policy:  PolicySource{Preset: preset},
		Images:  []string{e.Repo},
		Builder: e.Builder,
		Scanner: e.Scanner,
		Now:     now,
		Source:  release.Source{URL: "git@github.com:acme/app.git", Commit: fixture.Commit, Created: now},
		Settle:  -1,
	}
}

func TestPlanTableShowsTagsWithheldAndBases(t *testing.T) {
	e := fixture.New(t, regtest.GGCR())
	req := request(e, "stable-line")
	req.GitTags = []string{"v1.6.2", "v1.5.3", "nightly"}
	out, err := Plan(ctx, req, "v1.5.4", "", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"dry run: release 1.5.4 on 2026-02-04, policy preset:stable-line; nothing was built or written",
		"1.5.4 ", "exact", "latest", "1.5.4 is not on the newest supported line; latest stays on 1.6",
		"library/debian:bookworm-slim (final)", e.Digest(e.Base),
		"registry requests",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
	if n := e.Server.Counts(); n.PutManifest != 0 || n.BlobUpload != 0 || e.Builder.Builds() != 0 {
		t.Errorf("plan wrote or built: %s", n)
	}
}

func TestPlanJSONEdge(t *testing.T) {
	e := fixture.New(t, regtest.GGCR())
	req := request(e, "default")
	req.Date, req.Format = "2026-03-01", "json"
	out, err := Plan(ctx, req, "", "feature/Big_Thing#2", "abcdef0123")
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Plan   plan.Plan
		DryRun bool `json:"dry_run"`
		Bases  []release.Base
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if !got.DryRun || got.Plan.Kind != plan.KindEdge || got.Plan.Date != "2026-03-01" || got.Plan.Tags[0].Name != "edge-feature..Big_Thing-2-0edebcb" || len(got.Bases) != 1 {
		t.Errorf("plan = %+v", got)
	}
}

func TestPlanUsageErrors(t *testing.T) {
	e := fixture.New(t, regtest.GGCR())
	tests := []struct {
		mod                  func(*BuildRequest)
		version, branch, sha string
		want                 string
	}{
		{nil, "", "", "", "give --version"},
		{nil, "1.0.0", "main", "", "not both"},
		{nil, "1.0", "", "", "all three numbers"},
		{func(r *BuildRequest) { r.Date = "04/02/2026" }, "1.0.0", "", "", "YYYY-MM-DD"},
		{func(r *BuildRequest) { r.Format = "yaml" }, "1.0.0", "", "", `"yaml": use table or json`},
		{nil, "", "bad..branch", "", "bad..branch"},
		{func(r *BuildRequest) { r.Images = []string{"ghcr.io/acme/app:1.0"} }, "1.0.0", "", "", "has a tag"},
		{func(r *BuildRequest) { r.Platforms = []string{"linux/amd46"} }, "1.0.0", "", "", "did you mean linux/amd64"},
		{func(r *BuildRequest) { r.BuildArgs = []string{"NOVALUE"} }, "1.0.0", "", "", "NAME=VALUE"},
		{func(r *BuildRequest) { r.Username = "robot" }, "1.0.0", "", "", "--username and --password together"},
		{func(r *BuildRequest) { r.Dockerfile = "missing.Dockerfile" }, "1.0.0", "", "", "missing.Dockerfile"},
		{func(r *BuildRequest) { r.Source.Commit = "abc123" }, "1.0.0", "", "", "full lowercase commit"},
		{func(r *BuildRequest) { r.Images = nil }, "1.0.0", "", "", "give --image"},
	}
	for _, tt := range tests {
		req := request(e, "default")
		if tt.mod != nil {
			tt.mod(&req)
		}
		_, err := Plan(ctx, req, tt.version, tt.branch, tt.sha)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Plan(%q, %q, %q) = %v; want an error mentioning %q", tt.version, tt.branch, tt.sha, err, tt.want)
		}
	}
}
