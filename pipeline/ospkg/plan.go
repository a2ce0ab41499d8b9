package ospkg

import (
	"fmt"
	"maps"
	"slices"
	"time"
)

// Manager is a package manager.
type Manager string

// The package managers a check knows.
const (
	Apt      Manager = "apt"
	Apk      Manager = "apk"
	Dnf      Manager = "dnf"
	Microdnf Manager = "microdnf"
)

// Files are what the caller reads from the image before anything runs:
// the distribution and, for apk, the repositories (which branch) and the
// world file (pinned packages). A missing file is left out of Probe.Files.
var Files = []string{
	"/etc/os-release",
	"/usr/lib/os-release",
	"/etc/apk/repositories",
	"/etc/apk/world",
}

// Binaries are the paths the caller checks for: a package manager is only
// asked when the image has it.
var Binaries = []string{
	"/usr/bin/apt-get",
	"/usr/bin/apt-mark",
	"/sbin/apk",
	"/usr/bin/dnf",
	"/usr/bin/dnf5",
	"/usr/bin/microdnf",
	"/usr/bin/rpm",
	"/bin/rpm",
	"/usr/bin/yum",
}

// Probe is what the caller found in the image without running anything.
type Probe struct {
	// Files maps each of Files the image has to its content.
	Files map[string]string `json:"files,omitempty"`
	// Binaries lists each of Binaries the image has.
	Binaries []string `json:"binaries,omitempty"`
}

func (p Probe) has(path string) bool {
	for _, b := range p.Binaries {
		if b == path {
			return true
		}
	}
	return false
}

// OSRelease is the image's os-release, from /etc/os-release or the
// /usr/lib/os-release it usually links to.
func (p Probe) OSRelease() (OSRelease, bool) {
	for _, f := range []string{"/etc/os-release", "/usr/lib/os-release"} {
		if s, ok := p.Files[f]; ok {
			return ParseOSRelease(s), true
		}
	}
	return OSRelease{}, false
}

// Env is the environment every command runs with: untranslated messages
// (the parsers read English) and no prompts.
var Env = map[string]string{"LANG": "C", "LC_ALL": "C", "DEBIAN_FRONTEND": "noninteractive"}

// EnvAskedAt is the variable StepEnv sets to when the check was asked for.
const EnvAskedAt = "PATCHLINE_CHECK_ASKED_AT"

// StepEnv is Env for one check asked for at asked. A container step is
// cached by its inputs; the time makes every check's inputs its own, so
// apt-get update and the rest really run against today's mirrors instead
// of an engine replaying last week's output for the same image.
func StepEnv(asked time.Time) map[string]string {
	env := maps.Clone(Env)
	env[EnvAskedAt] = asked.UTC().Format(time.RFC3339Nano)
	return env
}

// Step names what a command is for, so Parse finds each output.
type Step string

// Steps of a check.
const (
	StepUpdate    Step = "update"    // refresh the package lists
	StepUpgrade   Step = "upgrade"   // what an upgrade would install
	StepSecurity  Step = "security"  // the same, security advisories only
	StepHeld      Step = "held"      // packages held at their version
	StepInstalled Step = "installed" // installed versions (rpm)
)

// Command is one command to run in the image, as root, with Env.
type Command struct {
	Step Step     `json:"step"`
	Args []string `json:"args"`
	// Optional commands may fail (a plugin the image does not have)
	// without failing the check.
	Optional bool `json:"optional,omitempty"`
}

// Run is a command and what it printed.
type Run struct {
	Command
	Exit   int    `json:"exit"`
	Stdout string `json:"stdout"`
	Stderr string `json:"stderr"`
}

// Plan is what to run in an image.
type Plan struct {
	Distro   OSRelease `json:"distro"`
	Manager  Manager   `json:"manager,omitempty"`
	Commands []Command `json:"commands,omitempty"`
	// Unsupported says why the image cannot be checked, when it cannot.
	Unsupported string `json:"unsupported,omitempty"`
}

// PlanFor decides from a probe which package manager to ask, and how.
// An image with no package manager gets a plan with Unsupported set.
func PlanFor(p Probe) Plan {
	rel, hasRelease := p.OSRelease()
	pl := Plan{Distro: rel}
	rpm := "/usr/bin/rpm"
	if !p.has(rpm) {
		rpm = "/bin/rpm"
	}
	rpmQuery := Command{Step: StepInstalled, Args: []string{rpm, "-qa", "--qf", "%{NAME}.%{ARCH} %{EPOCHNUM}:%{VERSION}-%{RELEASE}\\n"}}
	switch {
	case p.has("/usr/bin/apt-get") && (rel.Is("debian") || rel.Is("ubuntu") || !hasRelease):
		pl.Manager = Apt
		pl.Commands = []Command{
			{Step: StepUpdate, Args: []string{"apt-get", "update"}},
			{Step: StepUpgrade, Args: []string{"apt-get", "-s", "upgrade"}},
		}
		if p.has("/usr/bin/apt-mark") {
			pl.Commands = append(pl.Commands, Command{Step: StepHeld, Args: []string{"apt-mark", "showhold"}, Optional: true})
		}
	case p.has("/sbin/apk"):
		pl.Manager = Apk
		pl.Commands = []Command{
			{Step: StepUpdate, Args: []string{"apk", "update"}},
			{Step: StepUpgrade, Args: []string{"apk", "upgrade", "--simulate"}},
		}
	case (p.has("/usr/bin/dnf") || p.has("/usr/bin/dnf5")) && (p.has("/usr/bin/rpm") || p.has("/bin/rpm")):
		dnf := "dnf"
		if !p.has("/usr/bin/dnf") {
			dnf = "dnf5"
		}
		pl.Manager = Dnf
		// A repository that cannot be reached is skipped, and read as
		// having no updates, when skip_if_unavailable is on: in dnf.conf
		// (Debian's dnf, Azure Linux) or in the repository's own file,
		// which only the repoid-glob form overrides.
		strict := []string{"--setopt=skip_if_unavailable=False", "--setopt=*.skip_if_unavailable=False"}
		pl.Commands = []Command{
			rpmQuery,
			{Step: StepUpgrade, Args: slices.Concat([]string{dnf, "-q"}, strict, []string{"check-update"})},
			{Step: StepSecurity, Args: slices.Concat([]string{dnf, "-q", "--security"}, strict, []string{"check-update"})},
			{Step: StepHeld, Args: []string{dnf, "-q", "versionlock", "list"}, Optional: true},
		}
	case p.has("/usr/bin/microdnf") && (p.has("/usr/bin/rpm") || p.has("/bin/rpm")):
		pl.Manager = Microdnf
		pl.Commands = []Command{
			rpmQuery,
			{Step: StepUpgrade, Args: []string{"microdnf", "upgrade", "--assumeno"}},
		}
	default:
		pl.Unsupported = unsupported(rel, hasRelease, p)
	}
	return pl
}

func unsupported(rel OSRelease, hasRelease bool, p Probe) string {
	if !hasRelease {
		return "the image has no /etc/os-release and no package manager (a scratch or distroless image): cannot check packages"
	}
	if p.has("/usr/bin/yum") {
		return fmt.Sprintf("%s has yum without dnf (Amazon Linux 2, CentOS 7), which the check does not ask; only dnf, dnf5 and microdnf are asked (Amazon Linux 2023, RHEL 8 and later, Fedora): cannot check packages", rel.Name())
	}
	what := "no package manager"
	switch {
	case rel.Is("debian") || rel.Is("ubuntu"):
		what = "no apt-get"
	case rel.Is("alpine"):
		what = "no apk"
	case rel.Is("fedora") || rel.Is("rhel") || rel.Is("centos") || rel.Is("amzn"):
		what = "no dnf, microdnf or rpm"
	}
	return fmt.Sprintf("%s has %s (a distroless or package-less image): cannot check packages", rel.Name(), what)
}
