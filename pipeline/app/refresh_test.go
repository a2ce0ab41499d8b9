package app

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/patchline/patchline/pipeline/internal/testing/fixture"
	"github.com/patchline/patchline/pipeline/internal/testing/regtest"
	"github.com/patchline/patchline/pipeline/refresh"
)

func TestRefreshCheckAndRollbackCommands(t *testing.T) {
	e := fixture.New(t, regtest.GGCR())
	tags := []string{"v1.6.2"}
	e.Release(e.Inputs("weekly-refresh"), "v1.6.2", tags)
	req := request(e, "weekly-refresh")
	req.GitTags = tags
	req.Date = "2026-02-11"
	opts := RefreshOptions{SourceFor: e.Source}

	out, err := Check(ctx, req, opts)
	if err != nil || !strings.Contains(out, "skipped  base") {
		t.Fatalf("check before the base moved: %v\n%s", err, out)
	}
	e.PushBase(t, "2")
	out, err = Check(ctx, req, opts)
	if !errors.Is(err, refresh.ErrStale) || !strings.Contains(err.Error(), "stale") || !strings.Contains(out, "RECORDED") || !strings.Contains(out, "base "+e.Base) {
		t.Fatalf("check after the base moved: %v\n%s", err, out)
	}
	out, err = Refresh(ctx, req, opts)
	if err != nil || !strings.Contains(out, "1 rebuilt, 0 repaired, 0 skipped") || !strings.Contains(out, "1.6.2-20260211") || !strings.Contains(out, "registry requests") {
		t.Fatalf("refresh: %v\n%s", err, out)
	}
	req.Format = "json"
	if out, err = Refresh(ctx, req, opts); err != nil || !strings.Contains(out, `"status": "skipped"`) {
		t.Errorf("second refresh: %v\n%s", err, out)
	}
	req.Format = ""
	out, err = Rollback(ctx, req, "1.6", "1.6.2-20260204")
	if err != nil || !strings.Contains(out, "rollback of line 1.6 to 1.6.2-20260204") || !strings.Contains(out, "latest") {
		t.Errorf("rollback: %v\n%s", err, out)
	}
	if _, err := Rollback(ctx, req, "", "x"); err == nil {
		t.Errorf("rollback without a line accepted")
	}
}

func TestBaseEOLWarningInCheck(t *testing.T) {
	e := fixture.New(t, regtest.GGCR())
	tags := []string{"v1.6.2"}
	e.Release(e.Inputs("default"), "v1.6.2", tags)
	// An override that declares the fixture's base (a debian image on the
	// test registry) end of life next week.
	override := "version: 1\nproducts:\n  testdebian:\n    cycles:\n      - cycle: \"12\"\n        releaseDate: 2023-06-10\n        eol: 2026-02-20\n    match:\n      - repository: \"" + strings.Split(e.Base, ":bookworm")[0] + "\"\n        tags: [\"bookworm*\"]\n        cycle: \"12\"\n"
	req := request(e, "")
	req.Policy = PolicySource{File: "patchline.yaml", Read: files(map[string]string{
		"patchline.yaml": "version: 1\nbase_eol:\n  warn_days: 30\n  overrides: ops/eol.yaml\n",
		"ops/eol.yaml":   override,
	})}
	req.GitTags = tags
	out, err := Check(ctx, req, RefreshOptions{SourceFor: e.Source})
	if err != nil {
		t.Fatalf("check: %v\n%s", err, out)
	}
	if !strings.Contains(out, "WARNING") || !strings.Contains(out, "2026-02-20") {
		t.Errorf("no base EOL warning:\n%s", out)
	}
}

func TestRefreshDryRunWritesNothingAndDoesNotFail(t *testing.T) {
	e := fixture.New(t, regtest.GGCR())
	e.Release(e.Inputs("default"), "v1.6.2", []string{"v1.6.2"})
	e.PushBase(t, "2")
	req := request(e, "default")
	req.GitTags = []string{"v1.6.2"}
	e.Server.ResetCounts()
	out, err := Refresh(ctx, req, RefreshOptions{SourceFor: e.Source, DryRun: true})
	if err != nil || !strings.Contains(out, "stale") {
		t.Fatalf("dry run: %v\n%s", err, out)
	}
	if c := e.Server.Counts(); c.PutManifest != 0 || c.BlobUpload != 0 {
		t.Errorf("dry run wrote: %s", c)
	}
}

func TestUnpublishedLineIsReportedWithTheCommandThatPublishesIt(t *testing.T) {
	e := fixture.New(t, regtest.GGCR())
	e.Release(e.Inputs("stable-line"), "v0.3.1", []string{"v0.3.1"})
	req := request(e, "stable-line")
	req.GitTags = []string{"v0.2.0", "v0.3.1"}
	opts := RefreshOptions{SourceFor: e.Source}
	want := "dagger call --preset stable-line --image " + e.Repo + " release --version v0.2.0"
	out, err := Check(ctx, req, opts)
	if err != nil || !strings.Contains(out, "unpublished") || !strings.Contains(out, want) || !strings.Contains(out, "1 unpublished") {
		t.Errorf("check: %v\n%s", err, out)
	}
	builds := e.Builds()
	out, err = Refresh(ctx, req, opts)
	if err != nil || !strings.Contains(out, want) || e.Builds() != builds {
		t.Errorf("refresh: %v (%d builds)\n%s", err, e.Builds()-builds, out)
	}
	req.Format = "json"
	out, err = Refresh(ctx, req, opts)
	if err != nil || !strings.Contains(out, `"status": "unpublished"`) || !strings.Contains(out, `"command": "`+want+`"`) {
		t.Errorf("refresh json: %v\n%s", err, out)
	}
}

// Dagger prints a function's result on stdout only when the function
// succeeds, and its error on stderr. So check in JSON gives its report as
// the result, with the verdict in "ok"; the table fails, for gating.
func TestCheckJSONIsTheResultWithItsVerdict(t *testing.T) {
	e := fixture.New(t, regtest.GGCR())
	tags := []string{"v1.6.2"}
	e.Release(e.Inputs("default"), "v1.6.2", tags)
	req := request(e, "default")
	req.GitTags = tags
	req.Format = "json"
	var got struct {
		OK    *bool `json:"ok"`
		Stale int   `json:"stale"`
		Lines []struct{ Line, Status string }
	}
	out, err := Check(ctx, req, RefreshOptions{})
	if err != nil || json.Unmarshal([]byte(out), &got) != nil || got.OK == nil || !*got.OK {
		t.Fatalf("check of a current line: %v\n%s", err, out)
	}
	e.PushBase(t, "2")
	out, err = Check(ctx, req, RefreshOptions{})
	if err != nil {
		t.Fatalf("check --format json of a stale line failed, so its JSON would go to stderr: %v", err)
	}
	got.OK = nil
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if got.OK == nil || *got.OK || got.Stale != 1 || len(got.Lines) != 1 || got.Lines[0].Status != "stale" {
		t.Errorf("report = %+v\n%s", got, out)
	}
	req.Format = "table"
	if out, err = Check(ctx, req, RefreshOptions{}); !errors.Is(err, refresh.ErrStale) || !strings.Contains(err.Error(), "stale") {
		t.Errorf("check (table) of a stale line: %v\n%s", err, out)
	}
}
