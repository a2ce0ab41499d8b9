package policy

import (
	"fmt"
	"slices"
	"strings"

	"github.com/Masterminds/semver/v3"
	"github.com/google/go-containerregistry/pkg/name"
	"go.yaml.in/yaml/v3"

	"github.com/patchline/patchline/pipeline/calendar"
	"github.com/patchline/patchline/pipeline/internal/safetext"
	"github.com/patchline/patchline/pipeline/internal/yamlcheck"
	"github.com/patchline/patchline/pipeline/platform"
	"github.com/patchline/patchline/pipeline/reponame"
	"github.com/patchline/patchline/pipeline/tagname"
	"github.com/patchline/patchline/pipeline/version"
)

// policy decodes the top level of a policy document into p.
func (l *loader) policy(root *yaml.Node, p *Policy) {
	if root.Kind != yaml.MappingNode {
		l.Add(root, "", "a policy is a mapping of keys starting with \"version: 1\", found %s", yamlcheck.Describe(root))
		return
	}
	sawVersion := false
	l.fields(root, "", map[string]yamlcheck.Handler{
		"version": func(n *yaml.Node, path string) {
			sawVersion = true
			if v, ok := l.integer(n, path); ok && v != SchemaVersion {
				l.Add(n, path, "this patchline reads policy version %d; found %d", SchemaVersion, v)
			}
		},
		"repositories": func(n *yaml.Node, path string) { p.Repositories = l.repositories(n, path) },
		"platforms": func(n *yaml.Node, path string) {
			if ps := l.platforms(n, path); ps != nil {
				p.Platforms = ps
			}
		},
		"support":      func(n *yaml.Node, path string) { l.support(n, path, &p.Support) },
		"base_eol":     func(n *yaml.Node, path string) { l.baseEOL(n, path, &p.BaseEOL) },
		"tags":         func(n *yaml.Node, path string) { l.tags(n, path, &p.Tags) },
		"release":      func(n *yaml.Node, path string) { l.release(n, path, &p.Release) },
		"refresh":      func(n *yaml.Node, path string) { l.refresh(n, path, &p.Refresh) },
		"attestations": func(n *yaml.Node, path string) { l.attestations(n, path, &p.Attestations) },
	})
	if !sawVersion {
		l.Add(root, "version", "missing; add \"version: %d\" at the top so future formats can be told apart", SchemaVersion)
	}
}

func (l *loader) repositories(n *yaml.Node, path string) []string {
	items, nodes, _ := l.list(n, path)
	var out []string
	seen := map[string]bool{}
	for i, s := range items {
		ip := yamlcheck.Index(path, i)
		repo, err := ParseRepository(s)
		if err != nil {
			l.Add(nodes[i], ip, "%v", err)
			continue
		}
		if seen[repo] {
			l.Add(nodes[i], ip, "%q is listed twice", s)
			continue
		}
		seen[repo] = true
		out = append(out, repo)
	}
	return out
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

func (l *loader) platforms(n *yaml.Node, path string) []platform.Platform {
	items, nodes, ok := l.list(n, path)
	if !ok {
		return nil
	}
	if len(items) == 0 {
		l.Add(n, path, "at least one platform is needed, e.g. [linux/amd64]")
		return nil
	}
	seen := map[string]bool{}
	var out []platform.Platform
	for i, s := range items {
		ip := yamlcheck.Index(path, i)
		pl, err := platform.Parse(s)
		if err != nil {
			l.Add(nodes[i], ip, "%v", err)
			continue
		}
		if seen[pl.Key()] {
			l.Add(nodes[i], ip, "%q is listed twice (arm64 and arm64/v8 are one platform)", s)
			continue
		}
		seen[pl.Key()] = true
		out = append(out, pl)
	}
	return out
}

func (l *loader) support(n *yaml.Node, path string, s *Support) {
	l.fields(n, path, map[string]yamlcheck.Handler{
		"constraint": func(n *yaml.Node, path string) {
			txt, ok := l.str(n, path)
			if !ok || txt == "" {
				return
			}
			c, err := semver.NewConstraint(txt)
			if err != nil {
				l.Add(n, path, "%q is not a semver constraint (%v); write it like \">= 1.4\" or \">= 0.3, < 2\"", txt, err)
				return
			}
			s.Constraint, s.ConstraintText = c, txt
		},
		"newest_lines": func(n *yaml.Node, path string) {
			v, ok := l.integer(n, path)
			if !ok {
				return
			}
			if v < 0 {
				l.Add(n, path, "%d is negative; use 0 for no limit or the number of newest minor lines to support", v)
				return
			}
			s.NewestLines = v
		},
		"eol": func(n *yaml.Node, path string) {
			n = yamlcheck.Deref(n)
			if yamlcheck.IsNull(n) {
				return
			}
			if n.Kind != yaml.MappingNode {
				l.Add(n, path, "expected a mapping of line to date, e.g. \"1.4\": 2026-12-31")
				return
			}
			s.EOL = map[version.Line]calendar.Date{}
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], yamlcheck.Deref(n.Content[i+1])
				child := path + "." + k.Value
				line, err := version.ParseLine(k.Value)
				if err != nil {
					if k.Tag == "!!float" {
						err = fmt.Errorf("%w (YAML read it as a number; quote it)", err)
					}
					l.Add(k, child, "%v", err)
					continue
				}
				if _, dup := s.EOL[line]; dup {
					l.Add(k, child, "line %s is listed twice", line)
					continue
				}
				d, err := calendar.Parse(v.Value)
				if err != nil || v.Kind != yaml.ScalarNode {
					l.Add(v, child, "%q is not a date; write it as YYYY-MM-DD, e.g. 2026-12-31", v.Value)
					continue
				}
				s.EOL[line] = d
			}
		},
	})
}

func (l *loader) baseEOL(n *yaml.Node, path string, b *BaseEOL) {
	l.fields(n, path, map[string]yamlcheck.Handler{
		"warn_days": func(n *yaml.Node, path string) {
			v, ok := l.integer(n, path)
			if !ok {
				return
			}
			if v < 0 {
				l.Add(n, path, "%d is negative; give the number of days before a base's end of life to start warning, e.g. 30", v)
				return
			}
			b.WarnDays = v
		},
		"overrides": func(n *yaml.Node, path string) {
			s, ok := l.str(n, path)
			if !ok {
				return
			}
			if strings.HasPrefix(s, "/") || strings.HasPrefix(s, "../") || strings.Contains(s, "/../") {
				l.Add(n, path, "%q must be a path inside the source directory, e.g. ops/base-eol.yaml", s)
				return
			}
			b.Overrides = s
		},
	})
}

func (l *loader) template(n *yaml.Node, path string) (tagname.Template, bool) {
	s, ok := l.str(n, path)
	if !ok || s == "" {
		return tagname.Template{}, ok
	}
	t, err := tagname.ParseTemplate(s)
	if err != nil {
		l.Add(n, path, "%v", err)
		return tagname.Template{}, false
	}
	return t, true
}

func (l *loader) roles(n *yaml.Node, path string, allowed []Role) []Role {
	items, nodes, ok := l.list(n, path)
	if !ok {
		return nil
	}
	var out []Role
	for i, s := range items {
		r := Role(s)
		if s == "aliases" {
			r = RoleAlias
		}
		if !slices.Contains(allowed, r) {
			var names []string
			for _, a := range allowed {
				names = append(names, string(a))
			}
			hint := ""
			if sug := tagname.Suggest(s, names); sug != "" {
				hint = fmt.Sprintf("; did you mean %q?", sug)
			}
			l.Add(nodes[i], yamlcheck.Index(path, i), "%q cannot be listed here%s (allowed: %s)", s, hint, strings.Join(names, ", "))
			continue
		}
		if slices.Contains(out, r) {
			l.Add(nodes[i], yamlcheck.Index(path, i), "%q is listed twice", s)
			continue
		}
		out = append(out, r)
	}
	return out
}

func (l *loader) tags(n *yaml.Node, path string, t *Tags) {
	l.fields(n, path, map[string]yamlcheck.Handler{
		"exact": func(n *yaml.Node, path string) {
			if v, ok := l.template(n, path); ok {
				t.Exact = v
			}
		},
		"major": func(n *yaml.Node, path string) {
			if v, ok := l.template(n, path); ok {
				t.Major = v
			}
		},
		"line": func(n *yaml.Node, path string) {
			if v, ok := l.template(n, path); ok {
				t.Line = v
			}
		},
		"dated": func(n *yaml.Node, path string) {
			if v, ok := l.template(n, path); ok {
				t.Dated = v
			}
		},
		"aliases": func(n *yaml.Node, path string) {
			items, nodes, ok := l.list(n, path)
			if !ok {
				return
			}
			t.Aliases = nil
			for i, s := range items {
				ip := yamlcheck.Index(path, i)
				switch {
				case strings.ContainsAny(s, "{}"):
					l.Add(nodes[i], ip, "aliases are fixed tags such as latest or stable; %q looks like a template, which belongs in exact, major, line or dated", s)
				case tagname.Validate(s) != nil:
					l.Add(nodes[i], ip, "%v", tagname.Validate(s))
				case looksLikeVersion(s):
					l.Add(nodes[i], ip, "alias %q looks like a version and would be mistaken for a release; choose a name such as stable", s)
				case slices.Contains(t.Aliases, s):
					l.Add(nodes[i], ip, "%q is listed twice", s)
				default:
					t.Aliases = append(t.Aliases, s)
				}
			}
		},
		"date_format": func(n *yaml.Node, path string) {
			s, ok := l.str(n, path)
			if !ok {
				return
			}
			df, err := tagname.ParseDateFormat(s)
			if err != nil {
				l.Add(n, path, "%v", err)
				return
			}
			t.DateFormat = df
		},
		"edge": func(n *yaml.Node, path string) {
			items, nodes, ok := l.list(n, path)
			if !ok {
				return
			}
			t.Edge = nil
			for i, s := range items {
				tt, err := tagname.ParseTemplate(s)
				if err != nil {
					l.Add(nodes[i], yamlcheck.Index(path, i), "%v", err)
					continue
				}
				l.Remember(yamlcheck.Index(path, i), nodes[i])
				t.Edge = append(t.Edge, tt)
			}
		},
		"newest_line_only": func(n *yaml.Node, path string) {
			t.NewestLineOnly = l.roles(n, path, []Role{RoleAlias, RoleMajor, RoleLine})
		},
		"immutable": func(n *yaml.Node, path string) {
			t.Immutable = l.roles(n, path, []Role{RoleExact, RoleDated})
		},
	})
}

func looksLikeVersion(s string) bool {
	if _, err := version.Parse(s); err == nil {
		return true
	}
	_, err := version.ParseLine(s)
	return err == nil
}

func (l *loader) release(n *yaml.Node, path string, r *Release) {
	l.fields(n, path, map[string]yamlcheck.Handler{
		"dated": func(n *yaml.Node, path string) {
			if v, ok := l.boolean(n, path); ok {
				r.Dated = v
			}
		},
	})
}

func (l *loader) refresh(n *yaml.Node, path string, r *Refresh) {
	l.fields(n, path, map[string]yamlcheck.Handler{
		"exact": func(n *yaml.Node, path string) {
			if v, ok := l.boolean(n, path); ok {
				r.Exact = v
			}
		},
		"skip_unchanged": func(n *yaml.Node, path string) {
			if v, ok := l.boolean(n, path); ok {
				r.SkipUnchanged = v
			}
		},
		"strategy": func(n *yaml.Node, path string) {
			s, ok := l.str(n, path)
			if !ok {
				return
			}
			switch Strategy(s) {
			case StrategyRebuild, StrategyRebase:
				r.Strategy = Strategy(s)
			default:
				l.Add(n, path, "%q is not a strategy; use rebuild (build the release again on the new base) or rebase (swap the base layers)", s)
			}
		},
	})
}

func (l *loader) attestations(n *yaml.Node, path string, a *Attestations) {
	l.fields(n, path, map[string]yamlcheck.Handler{
		"sbom": func(n *yaml.Node, path string) {
			s, ok := l.str(n, path)
			if !ok {
				return
			}
			switch SBOMFormat(s) {
			case SBOMSPDX, SBOMCycloneDX, SBOMNone:
				a.SBOM = SBOMFormat(s)
			default:
				l.Add(n, path, "%q is not an SBOM format; use spdx, cyclonedx or none", s)
			}
		},
		"provenance": func(n *yaml.Node, path string) {
			if v, ok := l.boolean(n, path); ok {
				a.Provenance = v
			}
		},
		"sign": func(n *yaml.Node, path string) {
			s, ok := l.str(n, path)
			if !ok {
				return
			}
			switch Signing(s) {
			case SignNone, SignKey, SignKeyless:
				a.Sign = Signing(s)
			default:
				l.Add(n, path, "%q is not a signing mode; use none (unsigned statements), key (a cosign key given as --signing-key) or keyless (a Fulcio certificate for the CI's OIDC identity, logged in Rekor)", s)
			}
		},
		"layouts": func(n *yaml.Node, path string) {
			items, nodes, ok := l.list(n, path)
			if !ok {
				return
			}
			a.Layouts = nil
			for i, s := range items {
				lay := Layout(s)
				switch {
				case lay != LayoutReferrers && lay != LayoutIndex:
					l.Add(nodes[i], yamlcheck.Index(path, i), "%q is not a layout; use referrers (OCI 1.1, read by cosign, Trivy, oras) or index (BuildKit style, read by docker buildx imagetools and Docker Scout)", s)
				case slices.Contains(a.Layouts, lay):
					l.Add(nodes[i], yamlcheck.Index(path, i), "%q is listed twice", s)
				default:
					a.Layouts = append(a.Layouts, lay)
				}
			}
		},
	})
}
