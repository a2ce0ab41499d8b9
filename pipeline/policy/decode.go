package policy

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/Masterminds/semver/v3"
	"github.com/google/go-containerregistry/pkg/name"
	"go.yaml.in/yaml/v3"

	"github.com/patchline/patchline/pipeline/calendar"
	"github.com/patchline/patchline/pipeline/internal/safetext"
	"github.com/patchline/patchline/pipeline/internal/strictyaml"
	"github.com/patchline/patchline/pipeline/platform"
	"github.com/patchline/patchline/pipeline/reponame"
	"github.com/patchline/patchline/pipeline/tagname"
	"github.com/patchline/patchline/pipeline/version"
)

// document is a policy file as written. Decoding it checks every key and
// each value on its own (the UnmarshalYAML methods below); a key left out
// stays nil and keeps its default (see apply). Rules that involve more
// than one key are validate's.
type document struct {
	Version      *schemaVersion `yaml:"version"`
	Repositories *repositories  `yaml:"repositories"`
	Platforms    *platforms     `yaml:"platforms"`
	Support      struct {
		Constraint  *constraint  `yaml:"constraint"`
		NewestLines *newestLines `yaml:"newest_lines"`
		EOL         *lineEOL     `yaml:"eol"`
	} `yaml:"support"`
	BaseEOL struct {
		WarnDays  *warnDays  `yaml:"warn_days"`
		Overrides *overrides `yaml:"overrides"`
	} `yaml:"base_eol"`
	Tags struct {
		Exact          *template       `yaml:"exact"`
		Major          *template       `yaml:"major"`
		Line           *template       `yaml:"line"`
		Aliases        *aliases        `yaml:"aliases"`
		Dated          *template       `yaml:"dated"`
		DateFormat     *dateFormat     `yaml:"date_format"`
		Edge           *edge           `yaml:"edge"`
		NewestLineOnly *newestLineOnly `yaml:"newest_line_only"`
		Immutable      *immutable      `yaml:"immutable"`
	} `yaml:"tags"`
	Release struct {
		Dated *flag `yaml:"dated"`
	} `yaml:"release"`
	Refresh struct {
		Exact         *flag     `yaml:"exact"`
		Strategy      *strategy `yaml:"strategy"`
		SkipUnchanged *flag     `yaml:"skip_unchanged"`
		Watch         *watch    `yaml:"watch"`
		Packages      *packages `yaml:"packages"`
	} `yaml:"refresh"`
	Attestations struct {
		SBOM       *sbomFormat `yaml:"sbom"`
		Provenance *flag       `yaml:"provenance"`
		Layouts    *layouts    `yaml:"layouts"`
		Sign       *signing    `yaml:"sign"`
	} `yaml:"attestations"`
}

// decode decodes the top level of a policy file into d.
func (d *document) decode(root *yaml.Node) error {
	if root.Kind != yaml.MappingNode {
		return strictyaml.Errorf(root, "a policy is a mapping of keys starting with \"version: 1\", found %s", strictyaml.Describe(root))
	}
	err := words.Decode(root, d)
	if d.Version == nil {
		err = errors.Join(err, strictyaml.In("version", strictyaml.Errorf(root, "missing; add \"version: %d\" at the top so future formats can be told apart", SchemaVersion)))
	}
	return err
}

// apply lays the keys written over p, which holds the defaults.
func (d *document) apply(p *Policy) {
	set(&p.Repositories, (*[]string)(d.Repositories))
	set(&p.Platforms, (*[]platform.Platform)(d.Platforms))
	if c := d.Support.Constraint; c != nil {
		p.Support.Constraint, p.Support.ConstraintText = c.parsed, c.text
	}
	set(&p.Support.NewestLines, (*int)(d.Support.NewestLines))
	set(&p.Support.EOL, (*map[version.Line]calendar.Date)(d.Support.EOL))
	set(&p.BaseEOL.WarnDays, (*int)(d.BaseEOL.WarnDays))
	set(&p.BaseEOL.Overrides, (*string)(d.BaseEOL.Overrides))
	t, dt := &p.Tags, &d.Tags
	set(&t.Exact, (*tagname.Template)(dt.Exact))
	set(&t.Major, (*tagname.Template)(dt.Major))
	set(&t.Line, (*tagname.Template)(dt.Line))
	set(&t.Aliases, (*[]string)(dt.Aliases))
	set(&t.Dated, (*tagname.Template)(dt.Dated))
	set(&t.DateFormat, (*tagname.DateFormat)(dt.DateFormat))
	set(&t.Edge, (*[]tagname.Template)(dt.Edge))
	set(&t.NewestLineOnly, (*[]Role)(dt.NewestLineOnly))
	set(&t.Immutable, (*[]Role)(dt.Immutable))
	set(&p.Release.Dated, (*bool)(d.Release.Dated))
	set(&p.Refresh.Exact, (*bool)(d.Refresh.Exact))
	set(&p.Refresh.Strategy, (*Strategy)(d.Refresh.Strategy))
	set(&p.Refresh.SkipUnchanged, (*bool)(d.Refresh.SkipUnchanged))
	set(&p.Refresh.Watch, (*Watch)(d.Refresh.Watch))
	set(&p.Refresh.Packages, (*Packages)(d.Refresh.Packages))
	set(&p.Attestations.SBOM, (*SBOMFormat)(d.Attestations.SBOM))
	set(&p.Attestations.Provenance, (*bool)(d.Attestations.Provenance))
	set(&p.Attestations.Layouts, (*[]Layout)(d.Attestations.Layouts))
	set(&p.Attestations.Sign, (*Signing)(d.Attestations.Sign))
}

// set copies a key's value over its default when the key was written.
func set[T any](dst, written *T) {
	if written != nil {
		*dst = *written
	}
}

// schemaVersion is "version:", which must be SchemaVersion, so there is
// nothing to keep.
type schemaVersion struct{}

func (schemaVersion) UnmarshalYAML(n *yaml.Node) error {
	v, err := integer(n)
	if err == nil && v != SchemaVersion {
		err = strictyaml.Errorf(n, "this patchline reads policy version %d; found %d", SchemaVersion, v)
	}
	return err
}

// repositories are image repositories in canonical form, each once.
type repositories []string

func (r *repositories) UnmarshalYAML(n *yaml.Node) error {
	seen := map[string]bool{}
	return list(n, func(item *yaml.Node) error {
		repo, err := ParseRepository(item.Value)
		if err != nil {
			return strictyaml.Errorf(item, "%v", err)
		}
		if err := once(seen, repo, item); err != nil {
			return err
		}
		*r = append(*r, repo)
		return nil
	})
}

// ParseRepository checks an image repository name such as
// ghcr.io/acme/app strictly (see package reponame: the registry host must
// be written, and every part must follow the distribution spec's grammar)
// and returns its canonical form, Docker Hub spelled index.docker.io.
// Tags and digests are refused: the policy decides the tags.
func ParseRepository(s string) (string, error) {
	n, err := reponame.Parse(s)
	if err != nil {
		return "", err
	}
	repo, err := name.NewRepository(n.String(), name.StrictValidation)
	if err != nil {
		return "", fmt.Errorf("%w %s: %v; write it like ghcr.io/acme/app or docker.io/acme/app", reponame.ErrInvalid, safetext.Quote(s), err)
	}
	return repo.Name(), nil
}

// platforms are the platforms to build, at least one, each once in any
// spelling.
type platforms []platform.Platform

func (ps *platforms) UnmarshalYAML(n *yaml.Node) error {
	if strictyaml.IsNull(n) || n.Kind == yaml.SequenceNode && len(n.Content) == 0 {
		return strictyaml.Errorf(n, "at least one platform is needed, e.g. [linux/amd64]")
	}
	seen := map[string]bool{}
	return list(n, func(item *yaml.Node) error {
		pl, err := platform.Parse(item.Value)
		if err != nil {
			return strictyaml.Errorf(item, "%v", err)
		}
		if seen[pl.Key()] {
			return strictyaml.Errorf(item, "%q is listed twice (arm64 and arm64/v8 are one platform)", item.Value)
		}
		seen[pl.Key()] = true
		*ps = append(*ps, pl)
		return nil
	})
}

// constraint is support.constraint, parsed and as written. Empty means
// none.
type constraint struct {
	parsed *semver.Constraints
	text   string
}

func (c *constraint) UnmarshalYAML(n *yaml.Node) error {
	txt, err := str(n)
	if err != nil || txt == "" {
		return err
	}
	parsed, err := semver.NewConstraint(txt)
	if err != nil {
		return strictyaml.Errorf(n, "%q is not a semver constraint (%v); write it like \">= 1.4\" or \">= 0.3, < 2\"", txt, err)
	}
	*c = constraint{parsed: parsed, text: txt}
	return nil
}

// newestLines is support.newest_lines.
type newestLines int

func (v *newestLines) UnmarshalYAML(n *yaml.Node) error {
	i, err := count(n, "%d is negative; use 0 for no limit or the number of newest minor lines to support")
	*v = newestLines(i)
	return err
}

// lineEOL is support.eol: release lines, each with its last supported
// day. Empty means none.
type lineEOL map[version.Line]calendar.Date

func (e *lineEOL) UnmarshalYAML(n *yaml.Node) error {
	if strictyaml.IsNull(n) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return strictyaml.Errorf(n, "expected a mapping of line to date, e.g. \"1.4\": 2026-12-31")
	}
	*e = lineEOL{}
	var errs []error
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], strictyaml.Deref(n.Content[i+1])
		errs = append(errs, strictyaml.In(k.Value, e.add(k, v)))
	}
	return errors.Join(errs...)
}

// add decodes one line k and its day v.
func (e lineEOL) add(k, v *yaml.Node) error {
	line, err := version.ParseLine(k.Value)
	if err != nil {
		if k.Tag == "!!float" {
			err = fmt.Errorf("%w (YAML read it as a number; quote it)", err)
		}
		return strictyaml.Errorf(k, "%v", err)
	}
	if _, dup := e[line]; dup {
		return strictyaml.Errorf(k, "line %s is listed twice", line)
	}
	d, err := decodeDate(v)
	if err != nil {
		return err
	}
	e[line] = d
	return nil
}

// decodeDate reads a day written YYYY-MM-DD.
func decodeDate(n *yaml.Node) (calendar.Date, error) {
	d, err := calendar.Parse(n.Value)
	if err != nil || n.Kind != yaml.ScalarNode {
		return calendar.Date{}, strictyaml.Errorf(n, "%q is not a date; write it as YYYY-MM-DD, e.g. 2026-12-31", n.Value)
	}
	return d, nil
}

// warnDays is base_eol.warn_days.
type warnDays int

func (v *warnDays) UnmarshalYAML(n *yaml.Node) error {
	i, err := count(n, "%d is negative; give the number of days before a base's end of life to start warning, e.g. 30")
	*v = warnDays(i)
	return err
}

// overrides is base_eol.overrides: a path inside the source directory.
type overrides string

func (o *overrides) UnmarshalYAML(n *yaml.Node) error {
	s, err := str(n)
	if err != nil {
		return err
	}
	if strings.HasPrefix(s, "/") || strings.HasPrefix(s, "../") || strings.Contains(s, "/../") {
		return strictyaml.Errorf(n, "%q must be a path inside the source directory, e.g. ops/base-eol.yaml", s)
	}
	*o = overrides(s)
	return nil
}

// template is a tag template; empty leaves its role without tags.
type template tagname.Template

func (t *template) UnmarshalYAML(n *yaml.Node) error {
	s, err := str(n)
	if err != nil || s == "" {
		return err
	}
	parsed, err := tagname.ParseTemplate(s)
	if err != nil {
		return strictyaml.Errorf(n, "%v", err)
	}
	*t = template(parsed)
	return nil
}

// aliases are fixed tag names such as latest, each once.
type aliases []string

func (a *aliases) UnmarshalYAML(n *yaml.Node) error {
	seen := map[string]bool{}
	return list(n, func(item *yaml.Node) error {
		s := item.Value
		switch {
		case strings.ContainsAny(s, "{}"):
			return strictyaml.Errorf(item, "aliases are fixed tags such as latest or stable; %q looks like a template, which belongs in exact, major, line or dated", s)
		case tagname.Validate(s) != nil:
			return strictyaml.Errorf(item, "%v", tagname.Validate(s))
		case looksLikeVersion(s):
			return strictyaml.Errorf(item, "alias %q looks like a version and would be mistaken for a release; choose a name such as stable", s)
		}
		if err := once(seen, s, item); err != nil {
			return err
		}
		*a = append(*a, s)
		return nil
	})
}

func looksLikeVersion(s string) bool {
	if _, err := version.Parse(s); err == nil {
		return true
	}
	_, err := version.ParseLine(s)
	return err == nil
}

// dateFormat is tags.date_format.
type dateFormat tagname.DateFormat

func (f *dateFormat) UnmarshalYAML(n *yaml.Node) error {
	s, err := str(n)
	if err != nil {
		return err
	}
	df, err := tagname.ParseDateFormat(s)
	if err != nil {
		return strictyaml.Errorf(n, "%v", err)
	}
	*f = dateFormat(df)
	return nil
}

// edge are the templates of development builds' tags.
type edge []tagname.Template

func (e *edge) UnmarshalYAML(n *yaml.Node) error {
	return list(n, func(item *yaml.Node) error {
		t, err := tagname.ParseTemplate(item.Value)
		if err != nil {
			return strictyaml.Errorf(item, "%v", err)
		}
		*e = append(*e, t)
		return nil
	})
}

// newestLineOnly and immutable list tag roles, each from the roles that
// the rule can apply to.
type (
	newestLineOnly []Role
	immutable      []Role
)

func (r *newestLineOnly) UnmarshalYAML(n *yaml.Node) error {
	return roles(n, (*[]Role)(r), RoleAlias, RoleMajor, RoleLine)
}

func (r *immutable) UnmarshalYAML(n *yaml.Node) error {
	return roles(n, (*[]Role)(r), RoleExact, RoleDated)
}

// roles reads a list of roles from allowed into out; "aliases" is alias.
func roles(n *yaml.Node, out *[]Role, allowed ...Role) error {
	var names []string
	for _, a := range allowed {
		names = append(names, string(a))
	}
	seen := map[Role]bool{}
	return list(n, func(item *yaml.Node) error {
		s := item.Value
		r := Role(s)
		if s == "aliases" {
			r = RoleAlias
		}
		if !slices.Contains(allowed, r) {
			hint := ""
			if sug := tagname.Suggest(s, names); sug != "" {
				hint = fmt.Sprintf("; did you mean %q?", sug)
			}
			return strictyaml.Errorf(item, "%q cannot be listed here%s (allowed: %s)", s, hint, strings.Join(names, ", "))
		}
		if err := once(seen, r, item); err != nil {
			return err
		}
		*out = append(*out, r)
		return nil
	})
}

// strategy is refresh.strategy.
type strategy Strategy

func (v *strategy) UnmarshalYAML(n *yaml.Node) error {
	return oneOf(n, (*Strategy)(v), "%q is not a strategy; use rebuild (build the release again on the new base) or rebase (swap the base layers)", StrategyRebuild, StrategyRebase)
}

// watch is refresh.watch.
type watch Watch

func (v *watch) UnmarshalYAML(n *yaml.Node) error {
	return oneOf(n, (*Watch)(v), "%q is not a watch setting; use final (the final stage's base), content (also every image whose files are copied into the final stage) or all (also builder stages)", WatchFinal, WatchContent, WatchAll)
}

// packages is refresh.packages.
type packages Packages

func (v *packages) UnmarshalYAML(n *yaml.Node) error {
	return oneOf(n, (*Packages)(v), "%q is not a packages setting; use ignore (do not look at OS packages), security (rebuild for security updates) or all (rebuild for any update)", PackagesIgnore, PackagesSecurity, PackagesAll)
}

// sbomFormat is attestations.sbom.
type sbomFormat SBOMFormat

func (v *sbomFormat) UnmarshalYAML(n *yaml.Node) error {
	return oneOf(n, (*SBOMFormat)(v), "%q is not an SBOM format; use spdx, cyclonedx or none", SBOMSPDX, SBOMCycloneDX, SBOMNone)
}

// layouts are attestations.layouts, each once.
type layouts []Layout

func (ls *layouts) UnmarshalYAML(n *yaml.Node) error {
	seen := map[Layout]bool{}
	return list(n, func(item *yaml.Node) error {
		var l Layout
		if err := oneOf(item, &l, "%q is not a layout; use referrers (OCI 1.1, read by cosign, Trivy, oras) or index (BuildKit style, read by docker buildx imagetools and Docker Scout)", LayoutReferrers, LayoutIndex); err != nil {
			return err
		}
		if err := once(seen, l, item); err != nil {
			return err
		}
		*ls = append(*ls, l)
		return nil
	})
}

// signing is attestations.sign.
type signing Signing

func (v *signing) UnmarshalYAML(n *yaml.Node) error {
	return oneOf(n, (*Signing)(v), "%q is not a signing mode; use none (unsigned statements), key (a cosign key given as --signing-key) or keyless (a Fulcio certificate for the CI's OIDC identity, logged in Rekor)", SignNone, SignKey, SignKeyless)
}
