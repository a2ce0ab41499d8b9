package daggerbuild

import (
	"strings"
	"testing"

	"github.com/patchline/patchline/pipeline/policy"
)

func TestParseSourceFacts(t *testing.T) {
	f, err := ParseSourceFacts("4f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39 1770141600\n")
	if err != nil || f.Commit != "4f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39" || f.Time.Format("2006-01-02T15:04:05Z") != "2026-02-03T18:00:00Z" {
		t.Errorf("facts = %+v, %v", f, err)
	}
	if _, err := ParseSourceFacts("fatal: not a git repository"); err == nil {
		t.Errorf("git error output accepted")
	}
}

func TestSyftNamesTheDocumentAfterTheImage(t *testing.T) {
	name := "ghcr.io/acme/app@sha256:" + strings.Repeat("a", 64) + " (linux/arm64)"
	for format, output := range map[policy.SBOMFormat]string{policy.SBOMSPDX: "spdx-json", policy.SBOMCycloneDX: "cyclonedx-json"} {
		args, err := syftArgs(format, name)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"scan", "oci-dir:/in", "--quiet", "--output", output, "--source-name", name}
		if strings.Join(args, "\x00") != strings.Join(want, "\x00") {
			t.Errorf("syft %v; want %v", args, want)
		}
	}
	if _, err := syftArgs("xml", name); err == nil {
		t.Errorf("unknown format accepted")
	}
}
