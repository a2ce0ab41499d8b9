package ospkg

import (
	"fmt"
	"regexp"
	"strings"
)

// aptInst is a line of apt-get -s: "Inst libssl3 [3.0.20-1~deb12u2]
// (3.0.22-1~deb12u2 Debian-Security:12/oldstable-security [amd64])". A new
// package has no [installed version]; the origins are comma-separated
// "Origin:Version/Suite" entries.
var aptInst = regexp.MustCompile(`^Inst (\S+) \[([^\]]+)\] \((\S+) (.*) \[([^\]]+)\]\)`)

// parseApt reads apt-get update, apt-get -s upgrade and apt-mark showhold.
func parseApt(res *Result, runs steps) error {
	up, err := runs.get(StepUpdate)
	if err != nil {
		return err
	}
	if up.Exit != 0 {
		return failed(up, ErrCheck)
	}
	// apt-get update exits 0 when it could not download a list, with a
	// warning; the upgrade that follows then sees no updates.
	for _, l := range lines(up.Stderr + "\n" + up.Stdout) {
		if strings.HasPrefix(l, "W: Failed to fetch") || strings.HasPrefix(l, "W: Some index files failed to download") || strings.HasPrefix(l, "E: ") {
			return fmt.Errorf("%w: apt-get update: %s; the check needs network access to the distribution's mirrors", ErrNoNetwork, firstWarning(up))
		}
	}
	sim, err := runs.get(StepUpgrade)
	if err != nil {
		return err
	}
	if sim.Exit != 0 {
		return failed(sim, ErrCheck)
	}
	held := map[string]bool{}
	if h, ok := runs.optional(StepHeld); ok {
		for _, l := range lines(h.Stdout) {
			if n := strings.TrimSpace(l); n != "" {
				held[n] = true
			}
		}
	}
	summary := false
	inKept := false
	for _, l := range lines(sim.Stdout) {
		switch {
		case strings.HasPrefix(l, "The following packages have been kept back:"), strings.HasPrefix(l, "The following packages have been held back:"):
			inKept = true
			continue
		case inKept && strings.HasPrefix(l, "  "):
			for _, n := range strings.Fields(l) {
				if held[n] {
					res.Held = append(res.Held, n)
				} else {
					res.KeptBack = append(res.KeptBack, n)
				}
			}
			continue
		}
		inKept = false
		if strings.Contains(l, " upgraded, ") && strings.Contains(l, " newly installed, ") {
			summary = true
		}
		m := aptInst.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		res.Updates = append(res.Updates, Update{Name: m[1], From: m[2], To: m[3], Arch: m[5], Source: m[4], Security: aptSecurity(m[4])})
	}
	if !summary {
		return fmt.Errorf("%w: apt-get -s upgrade printed no summary line (\"N upgraded, N newly installed, ...\"): %s", ErrCheck, tail(sim))
	}
	for n := range held {
		if !contains(res.Held, n) {
			res.Held = append(res.Held, n)
		}
	}
	return nil
}

// aptSecurity reports whether any origin of a version is a security
// suite: Debian's label is Debian-Security, and Debian's and Ubuntu's
// security suites end in -security (bookworm-security, noble-security).
func aptSecurity(origins string) bool {
	for _, o := range strings.Split(origins, ",") {
		o = strings.TrimSpace(o)
		label, suite, _ := strings.Cut(o, "/")
		if strings.HasSuffix(suite, "-security") || strings.HasSuffix(strings.SplitN(label, ":", 2)[0], "-Security") {
			return true
		}
	}
	return false
}

func firstWarning(r Run) string {
	for _, l := range lines(r.Stderr + "\n" + r.Stdout) {
		if strings.HasPrefix(l, "W: ") || strings.HasPrefix(l, "E: ") || strings.HasPrefix(l, "Err:") {
			return strings.TrimSpace(l)
		}
	}
	return tail(r)
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
