package refresh_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/patchline/patchline/pipeline/internal/testing/fixture"
	"github.com/patchline/patchline/pipeline/internal/testing/layerbuild"
	"github.com/patchline/patchline/pipeline/internal/testing/regtest"
	"github.com/patchline/patchline/pipeline/internal/testing/testscan"
	"github.com/patchline/patchline/pipeline/ospkg"
	"github.com/patchline/patchline/pipeline/refresh"
)

// aptChecker answers the package check of an image the way apt in it
// would against the mirror: apt-get update and apt-get -s upgrade outputs
// in the recorded format, parsed by ospkg like the engine's. An image
// with no dpkg database has no package manager. Like a persistent engine,
// it replays the answer of a step it ran before with the same inputs (the
// image and the environment daggerbuild gives the commands), so a check
// whose inputs do not change from run to run sees no new update.
type aptChecker struct {
	mirror *fixture.Mirror
	calls  atomic.Int64

	mu     sync.Mutex
	cached map[string]aptAnswer
}

type aptAnswer struct {
	probe ospkg.Probe
	runs  []ospkg.Run
}

func (c *aptChecker) CheckPackages(ctx context.Context, img refresh.PackageImage) (ospkg.Probe, []ospkg.Run, error) {
	c.calls.Add(1)
	d, err := img.Image.Digest()
	if err != nil {
		return ospkg.Probe{}, nil, err
	}
	key := fmt.Sprint(d, ospkg.StepEnv(img.Asked))
	c.mu.Lock()
	defer c.mu.Unlock()
	if a, ok := c.cached[key]; ok {
		return a.probe, a.runs, nil
	}
	probe, runs, err := c.ask(img)
	if err == nil {
		if c.cached == nil {
			c.cached = map[string]aptAnswer{}
		}
		c.cached[key] = aptAnswer{probe, runs}
	}
	return probe, runs, err
}

func (c *aptChecker) ask(img refresh.PackageImage) (ospkg.Probe, []ospkg.Run, error) {
	pkgs, err := testscan.Packages(img.Image)
	if err != nil {
		return ospkg.Probe{}, nil, err
	}
	if len(pkgs) == 0 {
		return ospkg.Probe{}, nil, nil
	}
	probe := ospkg.Probe{Files: map[string]string{"/etc/os-release": fixture.DebianOSRelease}, Binaries: []string{"/usr/bin/apt-get", "/usr/bin/apt-mark"}}
	update, upgrade := c.mirror.AptOutputs(pkgs)
	var runs []ospkg.Run
	for _, cmd := range ospkg.PlanFor(probe).Commands {
		r := ospkg.Run{Command: cmd}
		switch cmd.Step {
		case ospkg.StepUpdate:
			r.Stdout = update
		case ospkg.StepUpgrade:
			r.Stdout = upgrade
		}
		runs = append(runs, r)
	}
	return probe, runs, nil
}

// packagesWorld releases two lines whose Dockerfile upgrades the image's
// packages in a step that declares ARG PATCHLINE_REFRESH (or does not,
// with noArg), built by one engine that caches RUN steps.
func packagesWorld(t *testing.T, impl regtest.Impl, mode string, noArg bool) (*world, *fixture.Mirror) {
	mirror := fixture.NewMirror()
	arg := "ARG PATCHLINE_REFRESH\n"
	if noArg {
		arg = ""
	}
	w := newWorldWith(t, impl, "version: 1\nrefresh:\n  packages: "+mode+"\n", func(e *fixture.Env) {
		e.SetBuildOptions(layerbuild.WithRun(mirror.AptUpgrade), layerbuild.WithCache(layerbuild.NewCache()))
		e.SetDockerfile("FROM " + e.Base + "\n" + arg + "RUN apt-get update && apt-get upgrade -y\nCOPY app/ /app/\nENTRYPOINT [\"/app/run\"]\n")
	}, "v1.5.3", "v1.6.2")
	w.packages = &aptChecker{mirror: mirror}
	return w, mirror
}

// Simulated weeks with OS package updates on a base that does not move,
// on every registry: a security update rebuilds both lines under
// packages: security, and the week after skips them; an update that is
// not a security update is skipped under security and rebuilt under all.
func TestWeeksOSPackageUpdates(t *testing.T) {
	for _, c := range []struct {
		mode             string
		security, others string // statuses after a security update, then another update
	}{
		{mode: "security", security: "rebuilt", others: "skipped"},
		{mode: "all", security: "rebuilt", others: "rebuilt"},
	} {
		for _, impl := range regtest.All() {
			t.Run(c.mode+"/"+impl.Name, func(t *testing.T) {
				w, mirror := packagesWorld(t, impl, c.mode, false)
				e := w.e
				both := func(s string) string { return "1.6=" + s + " 1.5=" + s }
				if rep, err := w.refresh(); err != nil || statuses(rep) != both("skipped") {
					t.Fatalf("nothing new: %v %s", err, statuses(rep))
				}

				// The security suite fixes libssl3; the base image is not
				// rebuilt.
				w.week()
				mirror.Publish("libssl3", "3.0.1-1~deb12u2", true)
				base := e.Digest(e.Base)
				rep, err := w.refresh(func(r *refresh.Request) { r.CheckOnly = true })
				if !errors.Is(err, refresh.ErrStale) || statuses(rep) != both("stale") {
					t.Fatalf("check after the security update: %v %s", err, statuses(rep))
				}
				if l := line(rep, "1.6"); !strings.Contains(l.Reason, "libssl3 3.0.1-1~deb12u1 → 3.0.1-1~deb12u2 (linux/amd64, linux/arm64)") {
					t.Errorf("check reason %q", l.Reason)
				}
				if rep, err = w.refresh(); err != nil || statuses(rep) != both(c.security) {
					t.Fatalf("security update: %v %s", err, statuses(rep))
				}
				l := line(rep, "1.6")
				if got := l.PackageChanges["linux/arm64"]; len(got) != 1 || got[0].String() != "libssl3 3.0.1-1~deb12u1 → 3.0.1-1~deb12u2" {
					t.Errorf("package changes %+v", l.PackageChanges)
				}
				if e.Digest(e.Base) != base || e.Digest(e.Repo+":1.6") != l.Digest || e.Digest(e.Repo+":latest") != l.Digest {
					t.Errorf("tags after the rebuild: 1.6 → %s latest → %s; want %s", e.Digest(e.Repo+":1.6"), e.Digest(e.Repo+":latest"), l.Digest)
				}
				w.week()
				if rep, err = w.refresh(); err != nil || statuses(rep) != both("skipped") {
					t.Fatalf("the week after the security update: %v %s", err, statuses(rep))
				}

				// A point release updates base-files: not a security update.
				w.week()
				mirror.Publish("base-files", "12.4+deb12u1", false)
				if rep, err = w.refresh(); err != nil || statuses(rep) != both(c.others) {
					t.Fatalf("another update: %v %s", err, statuses(rep))
				}
				w.week()
				rep, err = w.refresh()
				if err != nil || statuses(rep) != both("skipped") {
					t.Fatalf("the week after: %v %s", err, statuses(rep))
				}
				if c.mode == "security" && !strings.Contains(line(rep, "1.6").Reason, "no OS package update counts under refresh.packages: security") {
					t.Errorf("reason %q", line(rep, "1.6").Reason)
				}
			})
		}
	}
}

// A Dockerfile whose upgrade step declares no ARG PATCHLINE_REFRESH is
// rebuilt from the engine's cache, so its packages do not change: the
// rebuild is not published, and the report says why.
func TestRebuildThatInstallsNoUpdateIsNotPublished(t *testing.T) {
	w, mirror := packagesWorld(t, regtest.GGCR(), "security", true)
	e := w.e
	before := e.Digest(e.Repo + ":1.6")
	w.week()
	mirror.Publish("libssl3", "3.0.1-1~deb12u2", true)
	tags := len(e.Tags())
	rep, err := w.refresh()
	if !errors.Is(err, refresh.ErrFailed) || statuses(rep) != "1.6=unchanged 1.5=unchanged" || rep.Unchanged != 2 {
		t.Fatalf("%v %s", err, statuses(rep))
	}
	l := line(rep, "1.6")
	if !strings.Contains(l.Reason, "was not published") || !strings.Contains(l.Reason, "ARG PATCHLINE_REFRESH") || !mentions(l.Notes, "declares no ARG PATCHLINE_REFRESH") {
		t.Errorf("reason %q notes %q", l.Reason, l.Notes)
	}
	if e.Digest(e.Repo+":1.6") != before || len(e.Tags()) != tags {
		t.Errorf("a rebuild with the published packages was published")
	}
}

// An image with no package manager cannot be checked: the line is
// skipped and the report says why; it does not fail the run.
func TestImageWithoutPackageManagerIsNotAFailure(t *testing.T) {
	w := newWorldWith(t, regtest.GGCR(), "version: 1\nrefresh:\n  packages: security\n", func(e *fixture.Env) {
		e.SetDockerfile("FROM scratch\nCOPY app/ /app/\n")
	}, "v1.6.2")
	checker := &aptChecker{mirror: fixture.NewMirror()}
	w.packages = checker
	rep, err := w.refresh()
	if err != nil || statuses(rep) != "1.6=skipped" {
		t.Fatalf("%v %s", err, statuses(rep))
	}
	if l := line(rep, "1.6"); !mentions(l.Notes, "cannot check packages") || checker.calls.Load() != 2 {
		t.Errorf("notes %q after %d checks", l.Notes, checker.calls.Load())
	}
}

// refresh.packages needs the container step; without one, each line
// fails with the fix.
func TestPackagesWithoutAChecker(t *testing.T) {
	w := newWorld(t, regtest.GGCR(), "version: 1\nrefresh:\n  packages: all\n", "v1.6.2")
	rep, err := w.refresh()
	if !errors.Is(err, refresh.ErrFailed) || !strings.Contains(line(rep, "1.6").Error, "refresh.packages: ignore") {
		t.Fatalf("%v %+v", err, line(rep, "1.6"))
	}
}
