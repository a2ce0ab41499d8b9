package policy

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/patchline/patchline/pipeline/internal/strictyaml"
	"github.com/patchline/patchline/pipeline/tagname"
	"github.com/patchline/patchline/pipeline/version"
)

// rule says which placeholders a role's template must and must not use.
type rule struct {
	path     string
	needAll  []tagname.Field
	needAny  []tagname.Field
	forbid   []tagname.Field
	why      string
	optional bool
}

var versionFields = []tagname.Field{tagname.FieldVersion, tagname.FieldMajor, tagname.FieldMinor, tagname.FieldPatch, tagname.FieldPrerelease}
var buildFields = []tagname.Field{tagname.FieldBranch, tagname.FieldSHA, tagname.FieldSHA7}

// validator collects the problems of the rules that involve more than one
// key, each at the value it is about.
type validator struct {
	root *yaml.Node
	errs []error
}

// At records a problem with the value written at path, or with the whole
// file when the key was left out and took its default.
func (l *validator) At(path, format string, args ...any) {
	l.errs = append(l.errs, strictyaml.At(l.root, path, format, args...))
}

func (l *validator) checkTemplate(t tagname.Template, r rule) {
	if t.IsZero() {
		if !r.optional {
			l.At(r.path, "required: %s", r.why)
		}
		return
	}
	for _, f := range r.needAll {
		if !t.Uses(f) {
			l.At(r.path, "template %q must use {%s}: %s", t, f, r.why)
		}
	}
	if len(r.needAny) > 0 && !slices.ContainsFunc(r.needAny, t.Uses) {
		var names []string
		for _, f := range r.needAny {
			names = append(names, "{"+string(f)+"}")
		}
		l.At(r.path, "template %q must use one of %s: %s", t, strings.Join(names, " "), r.why)
	}
	for _, f := range r.forbid {
		if t.Uses(f) {
			l.At(r.path, "template %q cannot use {%s}: %s", t, f, r.why)
		}
	}
}

// validate checks the rules that involve more than one key. root is the
// file as parsed, where each problem finds the value it is about.
func validate(root *yaml.Node, p *Policy) error {
	l := &validator{root: root}
	t := &p.Tags
	l.checkTemplate(t.Exact, rule{
		path:    "tags.exact",
		needAll: []tagname.Field{tagname.FieldVersion},
		forbid:  append([]tagname.Field{tagname.FieldDate, tagname.FieldMajor, tagname.FieldMinor, tagname.FieldPatch, tagname.FieldPrerelease}, buildFields...),
		why:     "the exact tag names one version, prerelease included, e.g. \"{version}\" or \"v{version}\"",
	})
	l.checkTemplate(t.Major, rule{
		path:     "tags.major",
		needAll:  []tagname.Field{tagname.FieldMajor},
		forbid:   append([]tagname.Field{tagname.FieldVersion, tagname.FieldMinor, tagname.FieldPatch, tagname.FieldPrerelease, tagname.FieldDate}, buildFields...),
		why:      "the major tag follows a major version, e.g. \"{major}\"",
		optional: true,
	})
	l.checkTemplate(t.Line, rule{
		path:     "tags.line",
		needAll:  []tagname.Field{tagname.FieldMajor, tagname.FieldMinor},
		forbid:   append([]tagname.Field{tagname.FieldVersion, tagname.FieldPatch, tagname.FieldPrerelease, tagname.FieldDate}, buildFields...),
		why:      "the line tag follows a minor line, e.g. \"{major}.{minor}\"",
		optional: true,
	})
	l.checkTemplate(t.Dated, rule{
		path:     "tags.dated",
		needAll:  []tagname.Field{tagname.FieldDate},
		needAny:  []tagname.Field{tagname.FieldVersion, tagname.FieldMinor},
		forbid:   buildFields,
		why:      "a dated tag records one build of a version or line on one day, e.g. \"{version}-{date}\" or \"{major}.{minor}-r{date}\"",
		optional: true,
	})
	if t.Dated.Uses(tagname.FieldMinor) && !t.Dated.Uses(tagname.FieldMajor) {
		l.At("tags.dated", "template %q uses {minor} without {major}; lines of different majors would share tags", t.Dated)
	}
	if t.Dated.Uses(tagname.FieldVersion) && (t.Dated.Uses(tagname.FieldMajor) || t.Dated.Uses(tagname.FieldMinor)) {
		l.At("tags.dated", "template %q uses {version} together with {major} or {minor}; use one or the other", t.Dated)
	}
	for i, e := range t.Edge {
		l.checkTemplate(e, rule{
			path:    fmt.Sprintf("tags.edge[%d]", i),
			needAny: buildFields,
			forbid:  versionFields,
			why:     "edge tags name a development build by branch or commit, e.g. \"edge-{branch}\" or \"edge-sha-{sha7}\"",
		})
	}
	if !t.Exact.IsZero() && t.Exact.String() == t.Line.String() {
		l.At("tags.line", "renders the same tags as tags.exact")
	}

	// Roles.
	if len(t.Aliases) > 0 && !p.NewestLineOnly(RoleAlias) {
		l.At("tags.newest_line_only", "must list alias: aliases (%s) point at the newest supported line only, so a patch to an older line never moves them", strings.Join(t.Aliases, ", "))
	}
	if !t.Dated.IsZero() && !p.IsImmutable(RoleDated) {
		l.At("tags.immutable", "must list dated: a dated tag records one build and is written once (a second build on the same day gets a numbered suffix)")
	}
	if p.Refresh.Exact && p.IsImmutable(RoleExact) {
		l.At("refresh.exact", "true moves the exact tag on every refresh, but tags.immutable lists exact; keep one of the two")
	}
	if p.Release.Dated && t.Dated.IsZero() {
		l.At("release.dated", "true needs a tags.dated template, e.g. \"{version}-{date}\"")
	}
	if t.Line.IsZero() && !p.Refresh.Exact {
		l.At("tags.line", "is empty and refresh.exact is false, so a refresh would move no tag that the next refresh can read its base from; set a line template such as \"{major}.{minor}\" or refresh.exact: true")
	}
	if !t.Line.IsZero() && p.NewestLineOnly(RoleLine) && !p.Refresh.Exact {
		l.At("tags.newest_line_only", "lists line and refresh.exact is false, so an older supported line gets no tag that moves on refresh and that the next refresh can read its base from; remove line, or set refresh.exact: true")
	}
	if p.Refresh.Exact && t.Exact.IsZero() {
		l.At("refresh.exact", "true needs a tags.exact template")
	}
	if p.Refresh.Packages != PackagesIgnore && p.Attestations.SBOM == SBOMNone {
		l.At("refresh.packages", "%s rebuilds a line for OS package updates and compares the rebuilt image's SBOM with the published one to tell whether the updates were installed; set attestations.sbom to spdx or cyclonedx, or refresh.packages: ignore", p.Refresh.Packages)
	}

	// Tag names that collide across roles. The line and major tags follow
	// a line; they must not render a version, which is a release's own
	// tag (line "{major}.{minor}.0" gives 1.6.3 the tag 1.6.0). An alias
	// must not read as a line or major tag either ("1" under major
	// "{major}" would move with two roles).
	sample := tagname.Values{Version: "1.6.3", Major: "1", Minor: "6", Patch: "3"}
	for _, f := range []struct {
		path string
		tmpl tagname.Template
	}{{"tags.line", t.Line}, {"tags.major", t.Major}} {
		path, tmpl := f.path, f.tmpl
		if tmpl.IsZero() {
			continue
		}
		if name, err := tmpl.Render(sample); err == nil {
			if _, err := version.Parse(name); err == nil {
				l.At(path, "template %q renders a version (%s for 1.6.3), the tag a release of that version has; use {major} and {minor} alone, e.g. \"{major}.{minor}\"", tmpl, name)
			}
		}
	}
	for i, a := range t.Aliases {
		for _, tmpl := range []tagname.Template{t.Line, t.Major} {
			if !tmpl.IsZero() && tmpl.Pattern(t.DateFormat, false).MatchString(a) {
				l.At(fmt.Sprintf("tags.aliases[%d]", i), "%q reads as a tag of tags %q, which follows a line; name the alias otherwise, e.g. latest or stable", a, tmpl)
			}
		}
	}
	for _, a := range t.Aliases {
		for _, e := range t.Edge {
			if e.Literal() && e.String() == a {
				l.At("tags.edge", "%q is also an alias", a)
			}
		}
	}

	// Attestations.
	a := p.Attestations
	if a.Any() && len(a.Layouts) == 0 {
		l.At("attestations.layouts", "lists no layout but attestations are on; use [referrers, index], or set sbom: none and provenance: false")
	}
	if a.Signed() {
		// Signatures live in Sigstore bundles attached as referrers; BuildKit's
		// in-index format has no place for one, and a deploy gate needs both
		// an SBOM and a provenance to check.
		switch {
		case !a.Has(LayoutReferrers):
			l.At("attestations.sign", "%s signs the attestations as Sigstore bundles, which are attached as OCI 1.1 referrers; add referrers to attestations.layouts, e.g. [referrers, index]", a.Sign)
		case a.SBOM == SBOMNone || !a.Provenance:
			l.At("attestations.sign", "%s needs both an SBOM and provenance to sign (verify checks both); set sbom: spdx (or cyclonedx) and provenance: true, or sign: none", a.Sign)
		}
	}
	return errors.Join(l.errs...)
}
