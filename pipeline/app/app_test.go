package app

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/patchline/patchline/pipeline/registry"
)

var now = time.Date(2026, 2, 4, 12, 0, 0, 0, time.UTC)

// files is a source directory in memory.
func files(m map[string]string) func(string) ([]byte, bool, error) {
	return func(p string) ([]byte, bool, error) {
		s, ok := m[p]
		return []byte(s), ok, nil
	}
}

func TestLoadPolicyChoice(t *testing.T) {
	src := files(map[string]string{
		"patchline.yaml":   "version: 1\ntags:\n  aliases: [stable]\n",
		"ops/release.yaml": "version: 1\ntags:\n  aliases: [prod]\n",
		"ops/broken.yaml":  "version: 1\nplatform: []\n",
	})
	tests := []struct {
		name       string
		ps         PolicySource
		wantSource string
		wantErr    string
	}{
		{"default file", PolicySource{Read: src}, "patchline.yaml", ""},
		{"named file", PolicySource{File: "ops/release.yaml", Read: src}, "ops/release.yaml", ""},
		{"preset", PolicySource{Preset: "stable-line", Read: src}, "preset:stable-line", ""},
		{"no file falls back to default preset", PolicySource{Read: files(nil)}, "preset:default", ""},
		{"both", PolicySource{Preset: "default", File: "x.yaml", Read: src}, "", "not both"},
		{"missing file", PolicySource{File: "nope.yaml", Read: src}, "", `"nope.yaml" is not in the source directory`},
		{"unknown preset", PolicySource{Preset: "weekly", Read: src}, "", "weekly-refresh"},
		{"broken file", PolicySource{File: "ops/broken.yaml", Read: src}, "", `ops/broken.yaml:2:1: platform: unknown key; did you mean "platforms"?`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := LoadPolicy(tt.ps)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v; want it to mention %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Source != tt.wantSource {
				t.Errorf("source = %q; want %q", p.Source, tt.wantSource)
			}
		})
	}
}

func TestCheckPolicy(t *testing.T) {
	src := files(map[string]string{
		"good.yaml": "version: 1\nrepositories: [ghcr.io/acme/app]\n",
		"bad.yaml":  "version: 1\ntags:\n  line: \"{minr}\"\n  immutable: [line]\n",
	})
	out, err := CheckPolicy(PolicySource{File: "good.yaml", Read: src}, "")
	if err != nil || !strings.Contains(out, "good.yaml: valid") || !strings.Contains(out, "ghcr.io/acme/app") {
		t.Errorf("good policy: %v\n%s", err, out)
	}
	out, err = CheckPolicy(PolicySource{File: "bad.yaml", Read: src}, "")
	if !errors.Is(err, ErrPolicyInvalid) {
		t.Fatalf("bad policy passed: %v", err)
	}
	for _, want := range []string{"bad.yaml:3:", "{minr}", "bad.yaml:4:", `"line" cannot be listed here`} {
		if !strings.Contains(out, want) || !strings.Contains(err.Error(), want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	js, err := CheckPolicy(PolicySource{File: "bad.yaml", Read: src}, "json")
	var parsed struct {
		Valid    bool
		Problems []struct{ Line int }
	}
	if jerr := json.Unmarshal([]byte(js), &parsed); jerr != nil || parsed.Valid || len(parsed.Problems) != 2 || err == nil {
		t.Errorf("json report: %v %v\n%s", jerr, err, js)
	}
	if _, err := CheckPolicy(PolicySource{Preset: "stable-line"}, ""); err != nil {
		t.Errorf("preset check: %v", err)
	}
}

// The registry deadlines given as arguments: each keeps its default when
// not given, and a value that is no duration, or a call deadline shorter
// than one request's, is refused naming the argument.
func TestParseTimeouts(t *testing.T) {
	def := registry.DefaultTimeouts()
	for _, tt := range []struct {
		attempt, call string
		want          registry.Timeouts
		refused       string
	}{
		{"", "", def, ""},
		{"5s", "", registry.Timeouts{Attempt: 5 * time.Second, Call: def.Call}, ""},
		{"", "1h", registry.Timeouts{Attempt: def.Attempt, Call: time.Hour}, ""},
		{"2m", "40m", registry.Timeouts{Attempt: 2 * time.Minute, Call: 40 * time.Minute}, ""},
		{"30", "", registry.Timeouts{}, `--registry-timeout "30" is not a positive duration`},
		{"", "-1m", registry.Timeouts{}, `--registry-call-timeout "-1m" is not a positive duration`},
		{"", "10s", registry.Timeouts{}, "--registry-call-timeout 10s is shorter than --registry-timeout 30s"},
	} {
		got, err := ParseTimeouts(tt.attempt, tt.call)
		switch {
		case tt.refused == "" && (err != nil || got != tt.want):
			t.Errorf("%q %q: %+v, %v; want %+v", tt.attempt, tt.call, got, err, tt.want)
		case tt.refused != "" && (!errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), tt.refused)):
			t.Errorf("%q %q: err = %v; want it to say %q", tt.attempt, tt.call, err, tt.refused)
		}
	}
}

// check-policy --format json writes each setting as the policy file
// spells it: a date format as YYYYMMDD, an end-of-life day as YYYY-MM-DD.
func TestCheckPolicyJSONSpellsSettingsAsWritten(t *testing.T) {
	src := files(map[string]string{"p.yaml": "version: 1\nsupport:\n  eol:\n    \"1.6\": 2026-12-31\ntags:\n  date_format: YYYY.MM.DD\n"})
	out, err := CheckPolicy(PolicySource{File: "p.yaml", Read: src}, "json")
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	for _, want := range []string{`"date_format": "YYYY.MM.DD"`, `"1.6": "2026-12-31"`} {
		if !strings.Contains(out, want) {
			t.Errorf("check-policy JSON lacks %s:\n%s", want, out)
		}
	}
}
