package policy

import (
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/patchline/patchline/pipeline/tagname"
	"github.com/patchline/patchline/pipeline/version"
)

func TestPresetsLoad(t *testing.T) {
	names := PresetNames()
	want := []string{"default", "stable-line", "weekly-refresh"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("presets = %v; want %v", names, want)
	}
	for _, n := range names {
		p, err := Preset(n)
		if err != nil {
			t.Fatalf("preset %s: %v", n, err)
		}
		if p.Source != "preset:"+n {
			t.Errorf("source = %q", p.Source)
		}
	}
}

func TestUnknownPreset(t *testing.T) {
	_, err := Preset("weekly")
	if !errors.Is(err, ErrUnknownPreset) || !strings.Contains(err.Error(), "weekly-refresh") {
		t.Errorf("Preset(weekly) = %v; want ErrUnknownPreset listing the presets", err)
	}
}

// The default preset file spells out Default(); a file with only
// "version: 1" gets the same policy.
func TestDefaultsAgree(t *testing.T) {
	fromPreset, err := Preset("default")
	if err != nil {
		t.Fatal(err)
	}
	minimal, err := Parse("min.yaml", []byte("version: 1\n"))
	if err != nil {
		t.Fatal(err)
	}
	def := Default()
	for _, p := range []*Policy{fromPreset, minimal} {
		p.Source = def.Source
		if !reflect.DeepEqual(jsonOf(t, p), jsonOf(t, def)) {
			t.Errorf("policy differs from Default():\n got %s\nwant %s", jsonOf(t, p), jsonOf(t, def))
		}
	}
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestContractPresets(t *testing.T) {
	weekly, _ := Preset("weekly-refresh")
	if !weekly.Refresh.Exact || weekly.IsImmutable(RoleExact) || !weekly.Release.Dated || weekly.Tags.Dated.String() != "{version}-{date}" {
		t.Errorf("weekly-refresh: exact must follow refreshes and dated tags be written on release: %+v", weekly)
	}
	stable, _ := Preset("stable-line")
	if stable.Refresh.Exact || !stable.IsImmutable(RoleExact) || stable.Release.Dated || stable.Tags.Dated.String() != "{major}.{minor}-r{date}" {
		t.Errorf("stable-line: exact immutable, dated line tags on refresh only: %+v", stable)
	}
	if !reflect.DeepEqual(stable.Tags.Aliases, []string{"stable", "latest"}) {
		t.Errorf("stable-line aliases = %v", stable.Tags.Aliases)
	}
}

func TestFullPolicy(t *testing.T) {
	src := `
version: 1
repositories: [ghcr.io/acme/app, docker.io/acme/app]
platforms: [linux/amd64, linux/arm64, linux/arm/v7]
support:
  constraint: ">= 1.4"
  newest_lines: 3
  eol:
    "1.4": 2026-12-31
    "1.5": "2027-06-30"
tags:
  exact: "v{version}"
  major: "{major}"
  line: "{major}.{minor}"
  aliases: [stable, latest]
  dated: "{major}.{minor}-r{date}"
  date_format: YYYY.MM.DD
  edge: ["edge-{branch}"]
  newest_line_only: [alias, major]
  immutable: [exact, dated]
release:
  dated: true
refresh:
  exact: false
  strategy: rebase
  skip_unchanged: false
  watch: all
  packages: security
attestations:
  sbom: cyclonedx
  provenance: false
  layouts: [index]
`
	p, err := Parse("full.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Repositories; !reflect.DeepEqual(got, []string{"ghcr.io/acme/app", "index.docker.io/acme/app"}) {
		t.Errorf("repositories = %v", got)
	}
	if d, ok := p.Support.EOLOf(version.Line{Major: 1, Minor: 5}); !ok || d.String() != "2027-06-30" {
		t.Errorf("eol 1.5 = %v %v", d, ok)
	}
	if !p.Support.Constraint.Check(mustVersion(t, "1.4.0").Semver()) || p.Support.Constraint.Check(mustVersion(t, "1.3.9").Semver()) {
		t.Errorf("constraint not applied")
	}
	if p.Refresh.Strategy != StrategyRebase || p.Refresh.SkipUnchanged || p.Refresh.Watch != WatchAll || p.Refresh.Packages != PackagesSecurity || p.Attestations.SBOM != SBOMCycloneDX || p.Attestations.Provenance {
		t.Errorf("settings not read: %+v %+v", p.Refresh, p.Attestations)
	}
	if !p.NewestLineOnly(RoleMajor) || !p.IsDatedTag("1.6-r2026.02.04") || p.IsDatedTag("1.6.0") {
		t.Errorf("roles or dated matcher wrong")
	}
}

func TestSigningModes(t *testing.T) {
	for _, mode := range []Signing{SignNone, SignKey, SignKeyless} {
		p, err := Parse("sign.yaml", []byte("version: 1\nattestations:\n  sign: "+string(mode)+"\n"))
		if err != nil {
			t.Fatalf("sign: %s: %v", mode, err)
		}
		if p.Attestations.Sign != mode || p.Attestations.Signed() != (mode != SignNone) {
			t.Errorf("sign: %s read as %q (signed %v)", mode, p.Attestations.Sign, p.Attestations.Signed())
		}
	}
	if Default().Attestations.Signed() {
		t.Errorf("the default policy signs; signing needs a key or an OIDC token, so it must be chosen")
	}
}

// TestMalformed feeds broken policies and checks each is refused with the
// line of the problem and words that name the value or the fix.
func TestMalformed(t *testing.T) {
	tests := []struct {
		name, src string
		line      int
		want      []string
	}{
		{"empty file", ``, 0, []string{"empty", "version: 1"}},
		{"not yaml", "version: 1\ntags: [\n", 2, []string{"not valid YAML"}},
		{"not a mapping", "- a\n- b\n", 1, []string{"mapping"}},
		{"two documents", "version: 1\n---\nversion: 1\n", 2, []string{"more than one YAML document"}},
		{"missing version", "platforms: [linux/amd64]\n", 1, []string{"version", "missing"}},
		{"future version", "version: 2\n", 1, []string{"found 2"}},
		{"version string", "version: one\n", 1, []string{"whole number", `"one"`}},
		{"unknown top key", "version: 1\nplatform: [linux/amd64]\n", 2, []string{"unknown key", `did you mean "platforms"`}},
		{"unknown nested key", "version: 1\nsupport:\n  newest_line: 2\n", 3, []string{"support.newest_line", `"newest_lines"`}},
		{"duplicate key", "version: 1\ntags:\n  exact: \"{version}\"\n  exact: \"v{version}\"\n", 4, []string{"written twice", "line 3"}},
		{"merge key", "version: 1\nbase: &b {sbom: spdx}\n", 2, []string{"unknown key"}},
		{"repository with tag", "version: 1\nrepositories: [ghcr.io/acme/app:1.0]\n", 2, []string{"has a tag", `"ghcr.io/acme/app"`}},
		{"repository with digest", "version: 1\nrepositories: [\"ghcr.io/acme/app@sha256:abc\"]\n", 2, []string{"has a digest"}},
		{"repository uppercase", "version: 1\nrepositories: [ghcr.io/Acme/App]\n", 2, []string{`"ghcr.io/Acme/App"`, "lower case", `"acme"`}},
		{"repositories not a list", "version: 1\nrepositories: ghcr.io/acme/app\n", 2, []string{"expected a list", "[ghcr.io/acme/app]"}},
		{"platform no arch", "version: 1\nplatforms: [linux]\n", 2, []string{`"linux"`, "os/arch"}},
		{"platform typo", "version: 1\nplatforms: [linux/amd46]\n", 2, []string{`"amd46"`, "did you mean linux/amd64"}},
		{"platform bad os", "version: 1\nplatforms: [plan9/amd64]\n", 2, []string{`"plan9"`}},
		{"platform arm no variant", "version: 1\nplatforms: [linux/arm]\n", 2, []string{"needs a variant"}},
		{"platform duplicate", "version: 1\nplatforms: [linux/amd64, linux/amd64]\n", 2, []string{"listed twice"}},
		{"platforms empty", "version: 1\nplatforms: []\n", 2, []string{"at least one platform"}},
		{"bad constraint", "version: 1\nsupport:\n  constraint: \">== 1.4\"\n", 3, []string{`">== 1.4"`, "semver constraint"}},
		{"negative newest", "version: 1\nsupport:\n  newest_lines: -1\n", 3, []string{"negative"}},
		{"eol bad line", "version: 1\nsupport:\n  eol:\n    \"1.4.0\": 2026-12-31\n", 4, []string{`"1.4.0"`, "MAJOR.MINOR"}},
		{"eol year only", "version: 1\nsupport:\n  eol:\n    \"1.10\": 2026\n", 4, []string{`"2026"`, "YYYY-MM-DD"}},
		{"eol bad date", "version: 1\nsupport:\n  eol:\n    \"1.4\": 2026-13-01\n", 4, []string{`"2026-13-01"`, "YYYY-MM-DD"}},
		{"eol words date", "version: 1\nsupport:\n  eol:\n    \"1.4\": next year\n", 4, []string{`"next year"`}},
		{"eol duplicate line", "version: 1\nsupport:\n  eol:\n    \"1.4\": 2026-12-31\n    \"v1.4\": 2027-01-01\n", 5, []string{"listed twice"}},
		{"template typo", "version: 1\ntags:\n  line: \"{major}.{minr}\"\n", 3, []string{`{minr}`, "did you mean {minor}"}},
		{"template go syntax", "version: 1\ntags:\n  exact: \"{{.Version}}\"\n", 3, []string{"single braces"}},
		{"exact without version", "version: 1\ntags:\n  exact: \"{major}.{minor}.{patch}\"\n", 3, []string{"must use {version}"}},
		{"exact empty", "version: 1\ntags:\n  exact: \"\"\n", 3, []string{"tags.exact", "required"}},
		{"line with patch", "version: 1\ntags:\n  line: \"{major}.{minor}.{patch}\"\n", 3, []string{"cannot use {patch}"}},
		{"major with minor", "version: 1\ntags:\n  major: \"{major}.{minor}\"\n", 3, []string{"cannot use {minor}"}},
		{"dated without date", "version: 1\ntags:\n  dated: \"{version}-rebuild\"\n", 3, []string{"must use {date}"}},
		{"dated minor without major", "version: 1\ntags:\n  dated: \"{minor}-{date}\"\n", 3, []string{"{minor} without {major}"}},
		{"edge with version", "version: 1\ntags:\n  edge: [\"edge-{version}\"]\n", 3, []string{"must use one of", "cannot use {version}"}},
		{"alias template", "version: 1\ntags:\n  aliases: [\"{major}\"]\n", 3, []string{"looks like a template"}},
		{"alias version", "version: 1\ntags:\n  aliases: [\"1.6\"]\n", 3, []string{"looks like a version"}},
		{"alias bad chars", "version: 1\ntags:\n  aliases: [\"la test\"]\n", 3, []string{`"la test"`}},
		{"alias too long", "version: 1\ntags:\n  aliases: [" + strings.Repeat("a", 129) + "]\n", 3, []string{"129 characters"}},
		{"aliases scalar", "version: 1\ntags:\n  aliases: latest\n", 3, []string{"expected a list", "[latest]"}},
		{"date format", "version: 1\ntags:\n  date_format: \"%Y%m%d\"\n", 3, []string{`"%Y%m%d"`, "YYYY"}},
		{"date format no day", "version: 1\ntags:\n  date_format: YYYYMM\n", 3, []string{"no DD"}},
		{"newest_line_only role", "version: 1\ntags:\n  newest_line_only: [alias, exact]\n", 3, []string{`"exact" cannot be listed here`}},
		{"newest_line_only without alias", "version: 1\ntags:\n  newest_line_only: [major]\n", 3, []string{"must list alias"}},
		{"newest_line_only line without refresh.exact", "version: 1\ntags:\n  newest_line_only: [alias, line]\n", 3, []string{"lists line", "refresh.exact: true"}},
		{"line renders a version", "version: 1\ntags:\n  line: \"{major}.{minor}.0\"\n", 3, []string{`"{major}.{minor}.0"`, "renders a version", "1.6.0"}},
		{"alias reads as a major tag", "version: 1\ntags:\n  major: \"{major}\"\n  aliases: [latest, \"1\"]\n", 4, []string{`"1" reads as a tag of tags "{major}"`}},
		{"immutable floating", "version: 1\ntags:\n  immutable: [exact, dated, line]\n", 3, []string{`"line" cannot be listed here`}},
		{"immutable without dated", "version: 1\ntags:\n  immutable: [exact]\n", 3, []string{"must list dated"}},
		{"refresh exact vs immutable", "version: 1\nrefresh:\n  exact: true\n", 3, []string{"refresh.exact", "immutable lists exact"}},
		{"release dated without template", "version: 1\ntags:\n  dated: \"\"\nrelease:\n  dated: true\n", 5, []string{"needs a tags.dated template"}},
		{"bool as string", "version: 1\nrelease:\n  dated: \"yes\"\n", 3, []string{"true or false"}},
		{"strategy", "version: 1\nrefresh:\n  strategy: rebuilt\n", 3, []string{`"rebuilt"`, "rebuild", "rebase"}},
		{"watch", "version: 1\nrefresh:\n  watch: base\n", 3, []string{`"base"`, "final", "content", "all"}},
		{"packages", "version: 1\nrefresh:\n  packages: critical\n", 3, []string{`"critical"`, "ignore", "security", "all"}},
		{"packages without sbom", "version: 1\nrefresh:\n  packages: security\nattestations:\n  sbom: none\n", 3, []string{"refresh.packages", "attestations.sbom"}},
		{"sbom format", "version: 1\nattestations:\n  sbom: spdx-json\n", 3, []string{`"spdx-json"`, "spdx, cyclonedx or none"}},
		{"layout", "version: 1\nattestations:\n  layouts: [referrer]\n", 3, []string{`"referrer"`}},
		{"no layouts", "version: 1\nattestations:\n  layouts: []\n", 3, []string{"lists no layout"}},
		{"sign mode", "version: 1\nattestations:\n  sign: cosign\n", 3, []string{`"cosign"`, "none", "key", "keyless"}},
		{"sign without referrers", "version: 1\nattestations:\n  sign: key\n  layouts: [index]\n", 3, []string{"attestations.sign", "add referrers to attestations.layouts"}},
		{"sign without sbom", "version: 1\nattestations:\n  sign: keyless\n  sbom: none\n", 3, []string{"attestations.sign", "both an SBOM and provenance"}},
		{"sign without provenance", "version: 1\nattestations:\n  sign: key\n  provenance: false\n", 3, []string{"attestations.sign", "provenance: true"}},
		{"refresh leaves no readable tag", "version: 1\ntags:\n  line: \"\"\n", 3, []string{"tags.line", "refresh.exact: true"}},
		{"support not mapping", "version: 1\nsupport: 2\n", 2, []string{"expected a mapping"}},
		{"base eol negative", "version: 1\nbase_eol:\n  warn_days: -3\n", 3, []string{"-3 is negative"}},
		{"base eol outside source", "version: 1\nbase_eol:\n  overrides: ../eol.yaml\n", 3, []string{`"../eol.yaml"`, "inside the source directory"}},
		{"base eol typo", "version: 1\nbase_eol:\n  warn_day: 3\n", 3, []string{`did you mean "warn_days"`}},
	}
	if len(tests) < 30 {
		t.Fatalf("only %d malformed inputs", len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("patchline.yaml", []byte(tt.src))
			if err == nil {
				t.Fatalf("accepted:\n%s", tt.src)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error does not wrap ErrInvalid: %v", err)
			}
			var perr *Errors
			if !errors.As(err, &perr) || len(perr.Problems) == 0 {
				t.Fatalf("error is not a list of problems: %v", err)
			}
			msg := err.Error()
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error does not mention %q:\n%s", w, msg)
				}
			}
			if tt.line > 0 {
				found := false
				for _, p := range perr.Problems {
					if p.Line == tt.line {
						found = true
					}
				}
				if !found {
					t.Errorf("no problem reported on line %d:\n%s", tt.line, msg)
				}
				if !strings.Contains(msg, "patchline.yaml:") {
					t.Errorf("error does not name the file: %s", msg)
				}
			}
		})
	}
}

func TestAllProblemsReportedAtOnce(t *testing.T) {
	src := "version: 1\nplatforms: [linux/amd46]\nsupport:\n  constraint: \"nope\"\ntags:\n  line: \"{minr}\"\n"
	_, err := Parse("p.yaml", []byte(src))
	var perr *Errors
	if !errors.As(err, &perr) || len(perr.Problems) != 3 {
		t.Fatalf("want 3 problems in one error, got %v", err)
	}
	if !strings.Contains(err.Error(), "3 problems") {
		t.Errorf("summary missing: %v", err)
	}
}

func TestParseRepository(t *testing.T) {
	for in, want := range map[string]string{
		"ghcr.io/acme/app":       "ghcr.io/acme/app",
		"docker.io/acme/app":     "index.docker.io/acme/app",
		"localhost:5000/app":     "localhost:5000/app",
		"registry:5000/team/app": "registry:5000/team/app",
	} {
		got, err := ParseRepository(in)
		if err != nil || got != want {
			t.Errorf("ParseRepository(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	// Docker would read acme/app as Docker Hub's; a release does not
	// guess where it publishes.
	if _, err := ParseRepository("acme/app"); err == nil || !strings.Contains(err.Error(), "docker.io/acme/app") {
		t.Errorf("acme/app: %v, want the explicit spelling suggested", err)
	}
}

// The schema's date_format pattern takes what the loader takes.
func TestSchemaDateFormatPattern(t *testing.T) {
	var schema struct {
		Properties struct {
			Tags struct {
				Properties struct {
					DateFormat struct{ Pattern string } `json:"date_format"`
				}
			}
		}
	}
	data, err := os.ReadFile("../../policy/policy.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &schema); err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(schema.Properties.Tags.Properties.DateFormat.Pattern)
	for _, f := range []string{"YYYYMMDD", "YYYY-MM-DD", "DD.MM.YYYY", "MM_DD_YYYY", "YYYYYYYYMMDD", "YYYYMMDD-", "YYYY--MM-DD", "YYYYMM", "YYYYMMDDDD"} {
		_, err := tagname.ParseDateFormat(f)
		if (err == nil) != re.MatchString(f) {
			t.Errorf("%s: loader error %v, schema match %v", f, err, re.MatchString(f))
		}
	}
}

// YAML tags that ask for a type are refused, not dropped.
func TestYAMLTagsRefused(t *testing.T) {
	_, err := Parse("p.yaml", []byte("version: 1\nrepositories: !!python/object/apply:os.system [\"id\"]\n"))
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "p.yaml:2:") || !strings.Contains(err.Error(), "YAML tag") {
		t.Errorf("err = %v, want the tag refused at line 2", err)
	}
}

func mustVersion(t *testing.T, s string) version.Version {
	t.Helper()
	v, err := version.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// A list with an item that is not a string still has its other items
// checked, and each problem names its own item.
func TestListItemsCheckedTogether(t *testing.T) {
	_, err := Parse("p.yaml", []byte("version: 1\nplatforms: [linux/amd46, {os: linux}]\nrepositories: [[x], ghcr.io/Acme/app]\n"))
	var perr *Errors
	if !errors.As(err, &perr) {
		t.Fatalf("want problems, got %v", err)
	}
	want := []string{
		`p.yaml:2:13: platforms[0]: platform "linux/amd46": unknown architecture "amd46"`,
		`p.yaml:2:26: platforms[1]: expected a string, found a mapping`,
		`p.yaml:3:16: repositories[0]: expected a string, found a list`,
		`p.yaml:3:21: repositories[1]: `,
	}
	if len(perr.Problems) != len(want) {
		t.Fatalf("%d problems, want %d:\n%v", len(perr.Problems), len(want), err)
	}
	for i, w := range want {
		if got := perr.Problems[i].Error(); !strings.HasPrefix(got, w) {
			t.Errorf("problem %d = %q; want it to start %q", i, got, w)
		}
	}
}
