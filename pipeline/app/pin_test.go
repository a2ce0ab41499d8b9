package app

import (
	"errors"
	"strings"
	"testing"

	"github.com/patchline/patchline/pipeline/internal/testing/fixture"
	"github.com/patchline/patchline/pipeline/internal/testing/regtest"
)

func TestPinRewritesOnlyWhatChanged(t *testing.T) {
	e := fixture.New(t, regtest.GGCR())
	tool := e.Server.Ref("library/golang") + ":1.26"
	e.Server.Seed(t, tool, fixture.BaseIndex(t, "7"))
	current := e.Digest(e.Base)
	src := map[string]string{
		"Dockerfile":         "# syntax=docker/dockerfile:1\nARG GO=" + tool + "\nFROM --platform=$BUILDPLATFORM ${GO} AS build\nRUN go build ./...\n\nFROM " + e.Base + "@sha256:" + strings.Repeat("0", 64) + "\nCOPY --from=build /out /app\n",
		"tools/Dockerfile":   "FROM " + e.Base + "@" + current + "\n",
		"scratch.Dockerfile": "FROM scratch\nCOPY x /x\n",
	}
	e.Server.ResetCounts()
	res, err := Pin(ctx, PinRequest{Files: []string{"Dockerfile", "tools/Dockerfile", "scratch.Dockerfile"}, Read: files(src)})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Changed) != 1 {
		t.Fatalf("changed %v; only Dockerfile needed pinning", keysOf(res.Changed))
	}
	got := string(res.Changed["Dockerfile"])
	if !strings.Contains(got, "ARG GO="+tool+"@sha256:") || !strings.Contains(got, "FROM "+e.Base+"@"+current) || !strings.HasPrefix(got, "# syntax=docker/dockerfile:1\n") {
		t.Errorf("pinned Dockerfile:\n%s", got)
	}
	for _, want := range []string{"Dockerfile: rewritten", "tools/Dockerfile: unchanged", "scratch.Dockerfile: unchanged", "sha256:000000000000"} {
		if !strings.Contains(res.Report, want) {
			t.Errorf("report lacks %q:\n%s", want, res.Report)
		}
	}
	if c := e.Server.Counts(); c.HeadManifest != 2 || c.GetManifest != 0 {
		t.Errorf("pin cost %s; want one HEAD per distinct base", c)
	}
	if _, err := Pin(ctx, PinRequest{Files: []string{"nope"}, Read: files(src)}); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("missing file: %v", err)
	}
}

func keysOf(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// pin --file takes paths in the source directory only, and an error
// echoes a path cut to a readable length.
func TestPinRefusesPathsOutsideTheSource(t *testing.T) {
	read := files(map[string]string{})
	for _, f := range []string{"../../etc/passwd", "/etc/passwd", "dir/" + strings.Repeat("x", 1<<20) + "\n\x1b[31m"} {
		_, err := Pin(ctx, PinRequest{Files: []string{f}, Read: read})
		if !errors.Is(err, ErrUsage) || len(err.Error()) > 1024 || strings.Contains(err.Error(), "\x1b") {
			t.Errorf("pin --file %.40q: %.300v (%d bytes)", f, err, len(err.Error()))
		}
	}
}
