package ospkg

import (
	"fmt"
	"regexp"
	"strings"
)

// apkUpgrade is a line of apk upgrade --simulate: "(1/2) Upgrading busybox
// (1.36.1-r29 -> 1.36.1-r30)", the counter padded to the total's width by
// apk-tools 3 ("( 1/12)"); a package from a tagged repository is named
// name@tag.
var apkUpgrade = regexp.MustCompile(`^\(\s*\d+/\d+\) Upgrading (\S+) \((\S+) -> (\S+)\)`)

// apkBranch matches a repository URL of a stable branch, .../v3.20/main
// or .../latest-stable/main.
var apkBranch = regexp.MustCompile(`/(v\d+\.\d+|latest-stable)/`)

// parseApk reads apk update and apk upgrade --simulate.
func parseApk(res *Result, runs steps, probe Probe) error {
	up, err := runs.get(StepUpdate)
	if err != nil {
		return err
	}
	// apk exits with the number of repositories it could not update.
	if up.Exit != 0 || strings.Contains(up.Stdout, " unavailable, ") {
		if strings.Contains(up.Stderr, "DNS lookup error") || strings.Contains(up.Stderr, "temporary error") ||
			strings.Contains(up.Stderr, "network") || strings.Contains(up.Stdout, " unavailable, ") {
			return fmt.Errorf("%w: apk update: %s; the check needs network access to the distribution's mirrors", ErrNoNetwork, tail(up))
		}
		return failed(up, ErrCheck)
	}
	sim, err := runs.get(StepUpgrade)
	if err != nil {
		return err
	}
	if sim.Exit != 0 {
		return failed(sim, ErrCheck)
	}
	stable, edge := apkBranches(probe.Files["/etc/apk/repositories"])
	switch {
	case stable && !edge:
		res.Note = "Alpine has no separate security repository; on a stable branch every update counts as a security update"
	case edge:
		res.Note = "Alpine edge updates are not counted as security updates; refresh.packages: all rebuilds for them"
	}
	ok := false
	for _, l := range lines(sim.Stdout) {
		if strings.HasPrefix(l, "OK: ") {
			ok = true
		}
		m := apkUpgrade.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		name, tag, tagged := strings.Cut(m[1], "@")
		u := Update{Name: name, From: m[2], To: m[3], Security: stable && !edge && !tagged}
		if tagged {
			u.Source = "@" + tag
		}
		res.Updates = append(res.Updates, u)
	}
	if !ok {
		return fmt.Errorf("%w: apk upgrade --simulate did not end with \"OK: ...\": %s", ErrCheck, tail(sim))
	}
	// A world entry with a version constraint holds its package back:
	// name=1.2.3-r0 and name~1.2 pin it, name<2 caps it. A lower bound
	// (name>=1.2, name>1.2) lets every upgrade through.
	for _, w := range lines(probe.Files["/etc/apk/world"]) {
		w = strings.TrimSpace(w)
		if i := strings.IndexAny(w, "=<>~"); i > 0 && w[i] != '>' {
			res.Held = append(res.Held, w[:i])
		}
	}
	return nil
}

// apkBranches reads /etc/apk/repositories: whether it names a stable
// branch, and whether the image follows edge.
func apkBranches(repos string) (stable, edge bool) {
	for _, l := range lines(repos) {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") || strings.HasPrefix(l, "@") {
			continue
		}
		if strings.Contains(l, "/edge/") {
			edge = true
		}
		if apkBranch.MatchString(l) {
			stable = true
		}
	}
	return stable, edge
}
