// Package policy loads and validates release policies: the declarative
// contract that says which tags a release, a refresh and an edge build get,
// which of them are immutable, which release lines are supported, and how
// images are attested.
//
// Loading is strict on purpose. A policy decides what is written to
// registries that other people pull from, so an unknown key, a template with
// a typo or an impossible combination is refused with the file, line and a
// suggested fix, before anything runs.
package policy

import (
	"github.com/Masterminds/semver/v3"

	"github.com/patchline/patchline/pipeline/calendar"
	"github.com/patchline/patchline/pipeline/platform"
	"github.com/patchline/patchline/pipeline/tagname"
	"github.com/patchline/patchline/pipeline/version"
)

// SchemaVersion is the only policy format version this package reads.
const SchemaVersion = 1

// Role says what a tag means and therefore how it may move.
type Role string

// Tag roles.
const (
	// RoleExact is the full version, e.g. 1.6.0.
	RoleExact Role = "exact"
	// RoleMajor follows the newest line of a major version, e.g. 1.
	RoleMajor Role = "major"
	// RoleLine follows the newest release of a minor line, e.g. 1.6.
	RoleLine Role = "line"
	// RoleAlias is a fixed name such as latest or stable that follows the
	// newest supported line.
	RoleAlias Role = "alias"
	// RoleDated records one build on one day, e.g. 1.6.0-20260204.
	RoleDated Role = "dated"
	// RoleEdge names a development build, e.g. edge-main.
	RoleEdge Role = "edge"
)

// Floating reports whether tags of this role are expected to move from one
// image to another over time.
func (r Role) Floating() bool {
	switch r {
	case RoleMajor, RoleLine, RoleAlias, RoleEdge:
		return true
	}
	return false
}

// Strategy is how a refresh produces the new image of a line.
type Strategy string

// Refresh strategies.
const (
	// StrategyRebuild builds the release's source again on the new base.
	StrategyRebuild Strategy = "rebuild"
	// StrategyRebase swaps the base layers of the published image for the
	// new base's layers, without building. Only correct when the
	// application layers do not depend on the base's content.
	StrategyRebase Strategy = "rebase"
)

// Watch says which of the images a build uses a refresh watches: a line
// whose watched images all still resolve to the digests its published
// image records is up to date.
type Watch string

// What refresh.watch accepts.
const (
	// WatchFinal watches only the final stage's base.
	WatchFinal Watch = "final"
	// WatchContent watches the final base and every image whose files
	// are copied into the final stage, directly or through builder
	// stages (COPY --from).
	WatchContent Watch = "content"
	// WatchAll watches every image the build uses, builder stages and
	// RUN --mount=from images included.
	WatchAll Watch = "all"
)

// Packages says whether a refresh asks the image's own package manager
// for updates when none of its watched images moved.
type Packages string

// What refresh.packages accepts.
const (
	// PackagesIgnore does not look at OS packages: only watched images
	// make a line stale.
	PackagesIgnore Packages = "ignore"
	// PackagesSecurity makes a line stale when its distribution has
	// security updates for the image's packages.
	PackagesSecurity Packages = "security"
	// PackagesAll makes a line stale when any package of the image has
	// an update.
	PackagesAll Packages = "all"
)

// SBOMFormat is the document format of software bills of materials.
type SBOMFormat string

// SBOM formats.
const (
	SBOMSPDX      SBOMFormat = "spdx"      // SPDX 2.3 JSON
	SBOMCycloneDX SBOMFormat = "cyclonedx" // CycloneDX JSON
	SBOMNone      SBOMFormat = "none"      // no SBOM
)

// Layout is a way of attaching attestations to an image.
type Layout string

// Attestation layouts.
const (
	// LayoutReferrers attaches OCI 1.1 artifacts whose subject is the
	// image (read by cosign, Trivy and oras).
	LayoutReferrers Layout = "referrers"
	// LayoutIndex adds BuildKit-style attestation manifests to the image
	// index (read by docker buildx imagetools inspect and Docker Scout).
	LayoutIndex Layout = "index"
)

// Signing is how attestations are signed.
type Signing string

// Signing modes.
const (
	// SignNone attaches unsigned in-toto statements.
	SignNone Signing = "none"
	// SignKey signs with a cosign-format private key (ECDSA P-256, encrypted
	// with a password) that arrives as a secret.
	SignKey Signing = "key"
	// SignKeyless signs with a short-lived Fulcio certificate issued for the
	// CI's OIDC identity, and records each signature in Rekor.
	SignKeyless Signing = "keyless"
)

// Policy is a validated release policy.
type Policy struct {
	// Source says where the policy came from: "preset:<name>" or a path.
	Source string `json:"source"`
	// Repositories are the image repositories every tag is published to;
	// the first is the primary one that existing tags are read from.
	Repositories []string `json:"repositories,omitempty"`
	// Platforms are built for every release, e.g. linux/amd64.
	Platforms []platform.Platform `json:"platforms"`

	Support      Support      `json:"support"`
	BaseEOL      BaseEOL      `json:"base_eol"`
	Tags         Tags         `json:"tags"`
	Release      Release      `json:"release"`
	Refresh      Refresh      `json:"refresh"`
	Attestations Attestations `json:"attestations"`
}

// Support says which release lines are kept patched.
type Support struct {
	// Constraint, when set, limits supported lines to those whose newest
	// release satisfies it, e.g. ">= 1.4".
	Constraint *semver.Constraints `json:"-"`
	// ConstraintText is Constraint as written.
	ConstraintText string `json:"constraint,omitempty"`
	// NewestLines, when above zero, keeps only the newest N minor lines.
	NewestLines int `json:"newest_lines"`
	// EOL maps a line to its last supported day.
	EOL map[version.Line]calendar.Date `json:"eol,omitempty"`
}

// BaseEOL says how base images are judged against their end of life.
type BaseEOL struct {
	// WarnDays warns about a base this many days before its end of life.
	WarnDays int `json:"warn_days"`
	// Overrides is a file in the source directory, in the shape of
	// policy/eol/base-images.yaml, merged over the built-in table.
	Overrides string `json:"overrides,omitempty"`
}

// Tags holds the tag templates and rules for every build kind.
type Tags struct {
	Exact      tagname.Template   `json:"exact"`
	Major      tagname.Template   `json:"major"`
	Line       tagname.Template   `json:"line"`
	Aliases    []string           `json:"aliases"`
	Dated      tagname.Template   `json:"dated"`
	DateFormat tagname.DateFormat `json:"date_format"`
	Edge       []tagname.Template `json:"edge"`
	// NewestLineOnly lists roles that only the newest supported line gets.
	NewestLineOnly []Role `json:"newest_line_only"`
	// Immutable lists roles whose tags are never rewritten with other
	// content.
	Immutable []Role `json:"immutable"`
}

// Release holds settings for release builds.
type Release struct {
	// Dated also writes the dated tag on release, not only on refresh.
	Dated bool `json:"dated"`
}

// Refresh holds settings for scheduled rebuilds.
type Refresh struct {
	// Exact moves the exact version tag to the refreshed image.
	Exact bool `json:"exact"`
	// Strategy is rebuild or rebase.
	Strategy Strategy `json:"strategy"`
	// SkipUnchanged skips a line whose base digest has not moved.
	SkipUnchanged bool `json:"skip_unchanged"`
	// Watch is which images of the build a refresh watches.
	Watch Watch `json:"watch"`
	// Packages is whether OS package updates make a line stale.
	Packages Packages `json:"packages"`
}

// Attestations says what is attached to every published image.
type Attestations struct {
	SBOM       SBOMFormat `json:"sbom"`
	Provenance bool       `json:"provenance"`
	Layouts    []Layout   `json:"layouts"`
	// Sign says whether the referrers layout carries the statements as
	// signed Sigstore bundles; the in-index layout has no place for a
	// signature and stays unsigned.
	Sign Signing `json:"sign"`
}

// IsImmutable reports whether tags of role r are immutable in this policy.
func (p *Policy) IsImmutable(r Role) bool { return hasRole(p.Tags.Immutable, r) }

// NewestLineOnly reports whether only the newest supported line gets tags of
// role r.
func (p *Policy) NewestLineOnly(r Role) bool { return hasRole(p.Tags.NewestLineOnly, r) }

// Has reports whether the policy attaches any attestation in layout l.
func (a Attestations) Has(l Layout) bool {
	for _, x := range a.Layouts {
		if x == l {
			return true
		}
	}
	return false
}

// Any reports whether the policy attaches any attestation at all.
func (a Attestations) Any() bool { return a.SBOM != SBOMNone || a.Provenance }

// Signed reports whether the policy signs its attestations.
func (a Attestations) Signed() bool { return a.Sign == SignKey || a.Sign == SignKeyless }

// EOLOf returns the EOL date of a line and whether one is set.
func (s Support) EOLOf(l version.Line) (calendar.Date, bool) {
	d, ok := s.EOL[l]
	return d, ok
}

// IsDatedTag reports whether tag has the shape of this policy's dated tags
// (including numbered collision suffixes).
func (p *Policy) IsDatedTag(tag string) bool {
	if p.Tags.Dated.IsZero() {
		return false
	}
	return p.Tags.Dated.Pattern(p.Tags.DateFormat, true).MatchString(tag)
}

// IsExactTag reports whether tag has the shape of this policy's exact
// tags, the tag a release version gets.
func (p *Policy) IsExactTag(tag string) bool {
	if p.Tags.Exact.IsZero() {
		return false
	}
	return p.Tags.Exact.Pattern(p.Tags.DateFormat, false).MatchString(tag)
}

func hasRole(rs []Role, r Role) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}
