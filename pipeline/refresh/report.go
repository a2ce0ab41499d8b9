package refresh

import (
	"strings"

	"github.com/patchline/patchline/pipeline/attest"
	"github.com/patchline/patchline/pipeline/dockerfile"
	"github.com/patchline/patchline/pipeline/plan"
	"github.com/patchline/patchline/pipeline/policy"
	"github.com/patchline/patchline/pipeline/publish"
	"github.com/patchline/patchline/pipeline/registry"
	"github.com/patchline/patchline/pipeline/watch"
)

// Status is what happened to a line.
type Status string

// Line statuses.
const (
	// StatusRebuilt: the base moved (or nothing was recorded) and the line
	// was rebuilt or rebased and published.
	StatusRebuilt Status = "rebuilt"
	// StatusSkipped: the base did not move, and every tag of the line
	// points at its image.
	StatusSkipped Status = "skipped"
	// StatusRepaired: the base did not move, but tags of the line were
	// left behind on another image; they were moved to the line's image
	// without a build.
	StatusRepaired Status = "repaired"
	// StatusStale: the line needs a refresh: its base moved, or tags of
	// it were left behind (check only).
	StatusStale Status = "stale"
	// StatusFailed: the refresh of this line failed; the others went on.
	StatusFailed Status = "failed"
	// StatusUnchanged: the line was rebuilt for OS package updates, but
	// the rebuilt image's SBOM lists the published image's packages: the
	// build did not install them, and nothing was published.
	StatusUnchanged Status = "unchanged"
	// StatusUnpublished: the line's newest release has no image in the
	// repository. A refresh patches published releases; it does not make
	// them, so the line is reported with the command that publishes it
	// and the run does not fail for it.
	StatusUnpublished Status = "unpublished"
	// StatusEOL: the line is past its end of life and is not rebuilt.
	StatusEOL Status = Status(plan.LineEOL)
	// StatusUnsupported: the line is outside the policy's support scope.
	StatusUnsupported Status = Status(plan.LineUnsupported)
)

// BaseEOL is the end-of-life verdict on a base image.
type BaseEOL struct {
	State   string `json:"state"`
	Message string `json:"message"`
}

// PlatformBase is one platform's base digest, recorded and current.
type PlatformBase struct {
	Platform string `json:"platform"`
	Recorded string `json:"recorded,omitempty"`
	Current  string `json:"current,omitempty"`
}

// BaseCheck compares the base recorded in the published image with what
// its tag points at now.
type BaseCheck struct {
	Name      string         `json:"name,omitempty"`
	Recorded  string         `json:"recorded,omitempty"`
	Current   string         `json:"current,omitempty"`
	Platforms []PlatformBase `json:"platforms,omitempty"`
}

// ImageCheck compares one image the published build records with what its
// tag points at now.
type ImageCheck struct {
	Ref    string          `json:"ref"`
	Role   dockerfile.Role `json:"role"`
	Stages []string        `json:"stages,omitempty"`
	// Watched is set when refresh.watch watches the image; an image not
	// watched is not asked about (Current is empty).
	Watched  bool   `json:"watched"`
	Recorded string `json:"recorded"`
	Current  string `json:"current,omitempty"`
	Moved    bool   `json:"moved,omitempty"`
	// Platforms are the manifests of each platform, recorded and now,
	// when the image moved.
	Platforms []PlatformBase `json:"platforms,omitempty"`
}

// KnownFinalOnly is LineReport.Known for an image published before every
// image of the build was recorded.
const KnownFinalOnly = "final base only"

// LineReport is one line's outcome.
type LineReport struct {
	Line    string `json:"line"`
	Version string `json:"version"`
	Status  Status `json:"status"`
	Reason  string `json:"reason,omitempty"`
	EOL     string `json:"eol,omitempty"`
	// Tag is the tag the published image was read from.
	Tag       string     `json:"read_from,omitempty"`
	Published string     `json:"published,omitempty"`
	Base      *BaseCheck `json:"base,omitempty"`
	BaseEOL   *BaseEOL   `json:"base_eol,omitempty"`
	// Images are every image the published build records, watched or
	// not.
	Images []ImageCheck `json:"images,omitempty"`
	// Known is "final base only" when the published build records only
	// its final base.
	Known string `json:"known,omitempty"`
	// Packages is what the OS package check found, per platform, when the
	// policy asks for one (refresh.packages).
	Packages []PlatformPackages `json:"packages,omitempty"`
	// PackageChanges are the OS packages a rebuild for package updates
	// changed, per platform, from the published and the rebuilt SBOM.
	PackageChanges map[string][]attest.PackageChange `json:"package_changes,omitempty"`
	// Strategy is how the line was refreshed: rebuild or rebase.
	Strategy     policy.Strategy     `json:"strategy,omitempty"`
	Digest       string              `json:"digest,omitempty"`
	Tags         []publish.TagResult `json:"tags,omitempty"`
	Withheld     []plan.Withheld     `json:"withheld,omitempty"`
	Attestations []string            `json:"attestations,omitempty"`
	// Behind lists the tags of the line that did not point at its image.
	Behind []string `json:"behind,omitempty"`
	// Adopted is set when the image a run that stopped part-way published
	// was finished instead of a new build.
	Adopted bool `json:"adopted,omitempty"`
	// Notes say how races with other runs were settled.
	Notes []string `json:"notes,omitempty"`
	Error string   `json:"error,omitempty"`
	// Command publishes an unpublished line.
	Command string `json:"command,omitempty"`

	behindWhy []string
	// moved are the watched images that moved, when that made the line
	// stale.
	moved []watch.Input
	// packageUpdates is set when OS package updates made the line stale.
	packageUpdates bool
	// image is the line's published image as read.
	image *registry.Manifest
}

// onlyFinalMoved reports whether the line is stale because its final base
// moved and nothing else: what a rebase can fix. A line rebuilt although
// nothing moved (--force, skip_unchanged: false) is not: a rebase would
// find nothing to swap.
func (lr *LineReport) onlyFinalMoved() bool {
	if lr.packageUpdates || len(lr.moved) == 0 {
		return false
	}
	for _, m := range lr.moved {
		if m.Role != dockerfile.RoleFinal {
			return false
		}
	}
	return true
}

// setTags records what a publish did in the primary repository, and the
// attestations of every repository.
func (lr *LineReport) setTags(res *publish.Result) {
	if res == nil || len(res.Repositories) == 0 {
		return
	}
	lr.Tags = res.Repositories[0].Tags
	for _, r := range res.Repositories {
		lr.Attestations = append(lr.Attestations, r.Attestations...)
	}
}

func (lr *LineReport) stale(reason string) {
	lr.Status, lr.Reason = StatusStale, reason
}

func (lr *LineReport) fail(err error) {
	lr.Status, lr.Error = StatusFailed, err.Error()
}

// Report is the outcome of a refresh or a check.
type Report struct {
	Policy     string          `json:"policy"`
	Date       string          `json:"date"`
	Repository string          `json:"repository"`
	CheckOnly  bool            `json:"check_only,omitempty"`
	Strategy   policy.Strategy `json:"strategy"`
	Lines      []*LineReport   `json:"lines"`
	Rebuilt    int             `json:"rebuilt"`
	Repaired   int             `json:"repaired"`
	Skipped    int             `json:"skipped"`
	Stale      int             `json:"stale"`
	Failed     int             `json:"failed"`
	// Unchanged counts lines rebuilt for OS package updates that the
	// rebuild did not install.
	Unchanged int `json:"unchanged"`
	// Unpublished counts lines whose newest release was never published.
	Unpublished int `json:"unpublished"`
	// SignedBy says who signed the attestations of the lines rebuilt (a
	// key's fingerprint, or a keyless certificate's identity); empty when
	// nothing was signed.
	SignedBy string          `json:"signed_by,omitempty"`
	Requests registry.Counts `json:"registry_requests"`
}

func (r *Report) count() {
	for _, l := range r.Lines {
		switch l.Status {
		case StatusRebuilt:
			r.Rebuilt++
		case StatusRepaired:
			r.Repaired++
		case StatusSkipped:
			r.Skipped++
		case StatusStale:
			r.Stale++
		case StatusFailed:
			r.Failed++
		case StatusUnchanged:
			r.Unchanged++
		case StatusUnpublished:
			r.Unpublished++
		}
	}
}

func (r *Report) linesWith(s Status) string {
	var out []string
	for _, l := range r.Lines {
		if l.Status == s {
			out = append(out, l.Line)
		}
	}
	return strings.Join(out, ", ")
}

func (r *Report) failedLines() string {
	var parts []string
	if f := r.linesWith(StatusFailed); f != "" {
		parts = append(parts, "line "+f)
	}
	if u := r.linesWith(StatusUnchanged); u != "" {
		parts = append(parts, "line "+u+" (rebuilt for OS package updates that the build did not install)")
	}
	return strings.Join(parts, "; ")
}
func (r *Report) staleLines() string { return "line " + r.linesWith(StatusStale) }
