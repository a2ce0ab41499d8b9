package ospkg

import (
	"fmt"
	"regexp"
	"strings"
)

// parseDnf reads rpm -qa, dnf check-update (exit 100: updates listed, 0:
// none, anything else: an error), the same with --security, and dnf
// versionlock list.
func parseDnf(res *Result, runs steps) error {
	installed, err := rpmInstalled(runs)
	if err != nil {
		return err
	}
	up, err := runs.get(StepUpgrade)
	if err != nil {
		return err
	}
	all, err := checkUpdate(up)
	if err != nil {
		return err
	}
	secRun, err := runs.get(StepSecurity)
	if err != nil {
		return err
	}
	sec, err := checkUpdate(secRun)
	if err != nil {
		return err
	}
	security := map[string]bool{}
	for _, u := range sec {
		security[u.Name+"."+u.Arch] = true
	}
	for _, u := range all {
		u.From = installed[u.Name+"."+u.Arch]
		u.Security = security[u.Name+"."+u.Arch]
		res.Updates = append(res.Updates, u)
	}
	if h, ok := runs.optional(StepHeld); ok {
		res.Held = versionLocks(h.Stdout)
	}
	return nil
}

// rpmInstalled reads "name.arch epoch:version-release" lines; an epoch of
// 0 is left out, as rpm and dnf print versions.
func rpmInstalled(runs steps) (map[string]string, error) {
	r, err := runs.get(StepInstalled)
	if err != nil {
		return nil, err
	}
	if r.Exit != 0 {
		return nil, failed(r, ErrCheck)
	}
	out := map[string]string{}
	for _, l := range lines(r.Stdout) {
		f := strings.Fields(l)
		if len(f) != 2 {
			continue
		}
		out[f[0]] = strings.TrimPrefix(f[1], "0:")
	}
	return out, nil
}

// checkUpdate reads dnf check-update: "name.arch  version-release  repo"
// lines. Under the "Obsoleting Packages" heading ("Obsoleting packages"
// in dnf 5) each such line is a package that replaces the installed ones
// indented under it: an update too, which dnf 4 lists there alone (and
// exits 100 for) and dnf 5 lists among the upgrades as well, so each
// package counts once.
func checkUpdate(r Run) ([]Update, error) {
	switch r.Exit {
	case 0:
		return nil, nil
	case 100:
	default:
		if dnfNetwork(r.Stderr) {
			return nil, fmt.Errorf("%w: %s: %s; the check needs network access to the distribution's mirrors", ErrNoNetwork, strings.Join(r.Args, " "), tail(r))
		}
		return nil, failed(r, ErrCheck)
	}
	var out []Update
	seen := map[string]bool{}
	for _, l := range lines(r.Stdout) {
		f := strings.Fields(l)
		if len(f) != 3 || strings.HasPrefix(l, " ") || seen[f[0]] {
			continue
		}
		dot := strings.LastIndexByte(f[0], '.')
		if dot <= 0 {
			continue
		}
		seen[f[0]] = true
		out = append(out, Update{Name: f[0][:dot], Arch: f[0][dot+1:], To: strings.TrimPrefix(f[1], "0:"), Source: f[2]})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: %s exited with 100 (updates available) but listed none: %s", ErrCheck, strings.Join(r.Args, " "), tail(r))
	}
	return out, nil
}

func dnfNetwork(stderr string) bool {
	for _, s := range []string{"Curl error", "Cannot download", "Failed to download metadata", "Could not resolve host", "Cannot prepare internal mirrorlist"} {
		if strings.Contains(stderr, s) {
			return true
		}
	}
	return false
}

// versionLock is an entry of dnf 4's versionlock list:
// name-epoch:version-release.arch.
var versionLock = regexp.MustCompile(`^(.+)-\d+:\S+$`)

// versionLock5 heads an entry of dnf 5's versionlock list, "Package name:
// openssl-libs", followed by its conditions ("evr = 1:3.2.1-1.fc40").
var versionLock5 = regexp.MustCompile(`^Package name:\s*(\S+)$`)

func versionLocks(out string) []string {
	var held []string
	for _, l := range lines(out) {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "!") {
			continue // an exclusion, not a lock
		}
		if m := versionLock5.FindStringSubmatch(l); m != nil {
			held = append(held, m[1])
		} else if m := versionLock.FindStringSubmatch(l); m != nil {
			held = append(held, m[1])
		}
	}
	return held
}

// microdnfLine is a package line of microdnf's transaction table, indented
// under its section: " name-[epoch:]version-release.arch  repo  size".
var microdnfLine = regexp.MustCompile(`^\s+(\S+)\s+(\S+)\s+[\d.]+ \S+$`)

// microdnfReplacing is the line under an upgrade naming what it replaces.
var microdnfReplacing = regexp.MustCompile(`^\s+replacing (\S+)$`)

// parseMicrodnf reads rpm -qa and the transaction microdnf upgrade
// --assumeno prints before it stops.
func parseMicrodnf(res *Result, runs steps) error {
	installed, err := rpmInstalled(runs)
	if err != nil {
		return err
	}
	r, err := runs.get(StepUpgrade)
	if err != nil {
		return err
	}
	if r.Exit != 0 || strings.Contains(r.Stderr, "error: ") {
		if dnfNetwork(r.Stderr) || strings.Contains(r.Stderr, "cannot update repo") {
			return fmt.Errorf("%w: microdnf upgrade: %s; the check needs network access to the distribution's mirrors", ErrNoNetwork, tail(r))
		}
		return failed(r, ErrCheck)
	}
	res.Note = "microdnf has no security advisory filter; every update counts as a security update"
	section := ""
	done := false
	for _, l := range lines(r.Stdout) {
		switch {
		case strings.HasPrefix(l, "Nothing to do."), strings.HasPrefix(l, "Transaction Summary:"):
			done = true
		case l != "" && !strings.HasPrefix(l, " ") && strings.HasSuffix(l, ":"):
			section = l
			continue
		}
		if done || section != "Upgrading:" {
			continue
		}
		if m := microdnfReplacing.FindStringSubmatch(l); m != nil && len(res.Updates) > 0 {
			if name, _, _, ok := splitNEVRA(m[1]); ok && name == res.Updates[len(res.Updates)-1].Name {
				res.Updates[len(res.Updates)-1].From = versionOf(m[1])
			}
			continue
		}
		m := microdnfLine.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		name, arch, evr, ok := splitNEVRA(m[1])
		if !ok {
			continue
		}
		res.Updates = append(res.Updates, Update{Name: name, Arch: arch, From: installed[name+"."+arch], To: evr, Source: m[2], Security: true})
	}
	if !done {
		return fmt.Errorf("%w: microdnf upgrade --assumeno printed no transaction summary: %s", ErrCheck, tail(r))
	}
	return nil
}

// splitNEVRA splits name-[epoch:]version-release.arch.
func splitNEVRA(s string) (name, arch, evr string, ok bool) {
	dot := strings.LastIndexByte(s, '.')
	if dot <= 0 {
		return "", "", "", false
	}
	arch = s[dot+1:]
	rest := s[:dot]
	rel := strings.LastIndexByte(rest, '-')
	if rel <= 0 {
		return "", "", "", false
	}
	ver := strings.LastIndexByte(rest[:rel], '-')
	if ver <= 0 {
		return "", "", "", false
	}
	return rest[:ver], arch, strings.TrimPrefix(rest[ver+1:], "0:"), true
}

func versionOf(nevra string) string {
	_, _, evr, _ := splitNEVRA(nevra)
	return evr
}
