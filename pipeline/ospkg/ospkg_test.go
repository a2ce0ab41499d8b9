package ospkg

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/patchline/patchline/pipeline/policy"
)

// recorded is one testdata case: what the image holds, what each command
// printed, and what the check must conclude.
type recorded struct {
	comment  string
	probe    Probe
	runs     map[Step]*Run
	wantJSON string
}

// readCase reads a testdata file: a comment, then sections headed
// "-- name --": probe:<path> (a file of the image), binaries (one path a
// line), <step>.exit, <step>.stdout, <step>.stderr, and want.
func readCase(t *testing.T, path string) recorded {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rc := recorded{probe: Probe{Files: map[string]string{}}, runs: map[Step]*Run{}}
	var name string
	var body []string
	flush := func() {
		text := strings.Join(body, "")
		switch {
		case name == "":
			rc.comment = text
		case strings.HasPrefix(name, "probe:"):
			rc.probe.Files[strings.TrimPrefix(name, "probe:")] = text
		case name == "binaries":
			rc.probe.Binaries = strings.Fields(text)
		case name == "want":
			rc.wantJSON = text
		default:
			step, part, ok := strings.Cut(name, ".")
			if !ok {
				t.Fatalf("%s: section %q", path, name)
			}
			r := rc.runs[Step(step)]
			if r == nil {
				r = &Run{}
				rc.runs[Step(step)] = r
			}
			switch part {
			case "exit":
				n, err := strconv.Atoi(strings.TrimSpace(text))
				if err != nil {
					t.Fatalf("%s: %s: %v", path, name, err)
				}
				r.Exit = n
			case "stdout":
				r.Stdout = text
			case "stderr":
				r.Stderr = text
			}
		}
		body = nil
	}
	for _, l := range strings.SplitAfter(string(data), "\n") {
		if strings.HasPrefix(l, "-- ") && strings.HasSuffix(l, " --\n") {
			flush()
			name = strings.TrimSuffix(strings.TrimPrefix(l, "-- "), " --\n")
			continue
		}
		body = append(body, l)
	}
	flush()
	return rc
}

// want is what a case expects.
type want struct {
	Checked  bool     `json:"checked"`
	Reason   string   `json:"reason"`
	Updates  []string `json:"updates"`
	Held     []string `json:"held"`
	KeptBack []string `json:"kept_back"`
	Error    string   `json:"error"`
}

func summary(u Update) string {
	s := u.String()
	if u.Security {
		s += " security"
	}
	return s
}

// TestRecordedOutputs plans the check of each recorded image, feeds the
// plan's commands their recorded outputs and compares the result.
func TestRecordedOutputs(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*", "*.txtar"))
	if err != nil || len(files) < 20 {
		t.Fatalf("%d testdata files: %v", len(files), err)
	}
	managers := map[string]bool{}
	for _, f := range files {
		t.Run(strings.TrimSuffix(strings.TrimPrefix(f, "testdata"+string(filepath.Separator)), ".txtar"), func(t *testing.T) {
			rc := readCase(t, f)
			var w want
			if err := json.Unmarshal([]byte(rc.wantJSON), &w); err != nil {
				t.Fatalf("want: %v", err)
			}
			pl := PlanFor(rc.probe)
			var runs []Run
			for _, c := range pl.Commands {
				r, ok := rc.runs[c.Step]
				if !ok {
					break // the recording stops where the check stops
				}
				run := *r
				run.Command = c
				runs = append(runs, run)
			}
			for step := range rc.runs {
				if !slices.ContainsFunc(pl.Commands, func(c Command) bool { return c.Step == step }) {
					t.Errorf("the recording has a %s step the plan does not run", step)
				}
			}
			res, err := Parse(pl, rc.probe, runs)
			switch w.Error {
			case "no-network":
				if !errors.Is(err, ErrNoNetwork) || !strings.Contains(err.Error(), "network access") {
					t.Fatalf("want a no-network error, got %v (%+v)", err, res)
				}
				return
			case "check":
				if !errors.Is(err, ErrCheck) || errors.Is(err, ErrNoNetwork) {
					t.Fatalf("want a failed check, got %v (%+v)", err, res)
				}
				return
			case "":
			default:
				t.Fatalf("want error %q", w.Error)
			}
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			managers[string(res.Manager)] = true
			var got []string
			for _, u := range res.Updates {
				got = append(got, summary(u))
			}
			if res.Checked != w.Checked || !slices.Equal(got, w.Updates) || !slices.Equal(res.Held, w.Held) || !slices.Equal(res.KeptBack, w.KeptBack) {
				t.Errorf("result:\n checked %v updates %q held %q kept back %q\nwant:\n checked %v updates %q held %q kept back %q",
					res.Checked, got, res.Held, res.KeptBack, w.Checked, w.Updates, w.Held, w.KeptBack)
			}
			if w.Reason != "" && !strings.Contains(res.Reason, w.Reason) {
				t.Errorf("reason %q; want it to say %q", res.Reason, w.Reason)
			}
		})
	}
	for _, m := range []string{"apt", "apk", "dnf", "microdnf", ""} {
		if !managers[m] {
			t.Errorf("no recorded case for %q", m)
		}
	}
}

func TestStaleUnderEachMode(t *testing.T) {
	res := Result{Checked: true, Updates: []Update{{Name: "libssl3", Security: true}, {Name: "tzdata"}}}
	for mode, want := range map[policy.Packages]string{policy.PackagesIgnore: "", policy.PackagesSecurity: "libssl3", policy.PackagesAll: "libssl3 tzdata"} {
		var names []string
		for _, u := range res.Stale(mode) {
			names = append(names, u.Name)
		}
		if got := strings.Join(names, " "); got != want {
			t.Errorf("%s: %q; want %q", mode, got, want)
		}
	}
}

func TestPlanPicksTheManager(t *testing.T) {
	rel := func(s string) map[string]string { return map[string]string{"/etc/os-release": s} }
	for _, tt := range []struct {
		name     string
		probe    Probe
		manager  Manager
		firstArg string
	}{
		{"debian", Probe{Files: rel("ID=debian\n"), Binaries: []string{"/usr/bin/apt-get"}}, Apt, "apt-get"},
		{"ubuntu", Probe{Files: rel("ID=ubuntu\nID_LIKE=debian\n"), Binaries: []string{"/usr/bin/apt-get", "/usr/bin/apt-mark"}}, Apt, "apt-get"},
		{"alpine", Probe{Files: rel("ID=alpine\n"), Binaries: []string{"/sbin/apk"}}, Apk, "apk"},
		{"fedora", Probe{Files: rel("ID=fedora\n"), Binaries: []string{"/usr/bin/dnf", "/usr/bin/rpm"}}, Dnf, "/usr/bin/rpm"},
		{"fedora with dnf5 only", Probe{Files: rel("ID=fedora\n"), Binaries: []string{"/usr/bin/dnf5", "/usr/bin/rpm"}}, Dnf, "/usr/bin/rpm"},
		{"amazon linux", Probe{Files: rel("ID=\"amzn\"\nID_LIKE=\"fedora\"\n"), Binaries: []string{"/usr/bin/dnf", "/usr/bin/rpm"}}, Dnf, "/usr/bin/rpm"},
		{"rocky", Probe{Files: rel("ID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\n"), Binaries: []string{"/usr/bin/dnf", "/bin/rpm"}}, Dnf, "/bin/rpm"},
		{"ubi minimal", Probe{Files: map[string]string{"/usr/lib/os-release": "ID=\"rhel\"\n"}, Binaries: []string{"/usr/bin/microdnf", "/usr/bin/rpm"}}, Microdnf, "/usr/bin/rpm"},
		{"distroless", Probe{Files: rel("ID=debian\nPRETTY_NAME=\"Distroless\"\n")}, "", ""},
		{"amazon linux 2 (yum)", Probe{Files: rel("ID=\"amzn\"\nVERSION_ID=\"2\"\nPRETTY_NAME=\"Amazon Linux 2\"\n"), Binaries: []string{"/usr/bin/yum", "/usr/bin/rpm"}}, "", ""},
		{"scratch", Probe{}, "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			pl := PlanFor(tt.probe)
			if pl.Manager != tt.manager {
				t.Fatalf("manager %q; want %q (%s)", pl.Manager, tt.manager, pl.Unsupported)
			}
			if tt.manager == "" {
				if pl.Unsupported == "" || !strings.Contains(pl.Unsupported, "cannot check packages") {
					t.Errorf("unsupported %q", pl.Unsupported)
				}
				if slices.Contains(tt.probe.Binaries, "/usr/bin/yum") != strings.Contains(pl.Unsupported, "has yum") {
					t.Errorf("unsupported %q does not say what the image has", pl.Unsupported)
				}
				res, err := Parse(pl, tt.probe, nil)
				if err != nil || res.Checked || res.Reason != pl.Unsupported {
					t.Errorf("an image with no package manager: %+v %v", res, err)
				}
				return
			}
			if pl.Commands[0].Args[0] != tt.firstArg {
				t.Errorf("first command %q", pl.Commands[0].Args)
			}
			// dnf reads a repository it cannot reach as one with no
			// updates when skip_if_unavailable is on, in dnf.conf or in
			// the repository's own file.
			for _, c := range pl.Commands {
				if c.Step == StepUpgrade && tt.manager == Dnf &&
					(!slices.Contains(c.Args, "--setopt=skip_if_unavailable=False") || !slices.Contains(c.Args, "--setopt=*.skip_if_unavailable=False")) {
					t.Errorf("%q lets dnf skip an unreachable repository", c.Args)
				}
			}
		})
	}
}

func TestParseOSRelease(t *testing.T) {
	r := ParseOSRelease("# comment\nNAME=\"Red Hat Enterprise Linux\"\nID=\"rhel\"\nID_LIKE='fedora centos'\nVERSION_ID=9.4\nPRETTY_NAME=\"RHEL \\\"9\\\"\"\n\nbroken line\n")
	if r.ID != "rhel" || !r.Is("fedora") || !r.Is("centos") || r.VersionID != "9.4" || r.Pretty != `RHEL "9"` || r.Is("debian") {
		t.Errorf("%+v", r)
	}
	if got := (OSRelease{ID: "alpine", VersionID: "3.20.3"}).Name(); got != "alpine 3.20.3" {
		t.Errorf("name %q", got)
	}
}

// A run the plan needs that never came back is an error naming it.
func TestMissingRunIsAnError(t *testing.T) {
	rc := readCase(t, filepath.Join("testdata", "apt", "debian12-security.txtar"))
	pl := PlanFor(rc.probe)
	up := *rc.runs[StepUpdate]
	up.Command = pl.Commands[0]
	_, err := Parse(pl, rc.probe, []Run{up})
	if !errors.Is(err, ErrCheck) || !strings.Contains(err.Error(), "apt-get -s upgrade did not run") {
		t.Errorf("%v", err)
	}
}

// Each check runs with its own time among the variables, and the rest of
// Env unchanged.
func TestStepEnvIsEachChecksOwn(t *testing.T) {
	monday := time.Date(2026, 2, 9, 4, 17, 0, 0, time.UTC)
	a, b := StepEnv(monday), StepEnv(monday.AddDate(0, 0, 7))
	if a[EnvAskedAt] == "" || a[EnvAskedAt] == b[EnvAskedAt] {
		t.Errorf("%s: %q then %q", EnvAskedAt, a[EnvAskedAt], b[EnvAskedAt])
	}
	for k, v := range Env {
		if a[k] != v {
			t.Errorf("%s = %q; want %q", k, a[k], v)
		}
	}
	if _, ok := Env[EnvAskedAt]; ok {
		t.Error("StepEnv changed Env")
	}
}

// dnf 4 lists a lock as name-epoch:version-release.arch; dnf 5 as a
// "Package name:" entry with its conditions under it.
func TestVersionLocksOfDnf4AndDnf5(t *testing.T) {
	dnf4 := "openssl-libs-1:3.2.1-1.fc40.*\n!tzdata-0:2024a-1.fc40.*\n"
	dnf5 := "# Added by 'versionlock add' command on 2026-11-02 10:00:00\nPackage name: openssl-libs\nevr = 1:3.2.1-1.fc40\n"
	for name, out := range map[string]string{"dnf 4": dnf4, "dnf 5": dnf5} {
		if got := versionLocks(out); !slices.Equal(got, []string{"openssl-libs"}) {
			t.Errorf("%s: held %q; want openssl-libs", name, got)
		}
	}
}
