package eol

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/patchline/patchline/pipeline/reponame"
)

// Match is what Lookup found for an image reference.
type Match struct {
	// Ref is the reference normalised: Docker Hub spelled docker.io, its
	// official images under library/, the tag kept and a digest dropped
	// ("docker.io/library/debian:bookworm-slim"). A reference pinned by
	// digest alone keeps its digest, having nothing else to show.
	Ref string `json:"ref"`
	// Product is the product a rule led to; empty when no rule did.
	Product string `json:"product,omitempty"`
	// Cycle is the product's cycle, with its dates. When a rule matched
	// but the table does not list what it captured, only Name or Codename
	// is set.
	Cycle Cycle `json:"cycle"`
	// Rule is the rule that matched, nil when none did.
	Rule *Rule `json:"rule,omitempty"`
	// Known is Lookup's answer: the product and cycle were found.
	Known bool `json:"known"`
	// Reason says why nothing was found, for the report; empty when Known.
	Reason string `json:"reason,omitempty"`
}

// Label names the matched cycle for a report: "debian 12 (bookworm)".
func (m Match) Label() string { return m.Cycle.Label(m.Product) }

// Lookup finds the product and cycle of an image reference such as
// "debian:bookworm-slim", "docker.io/library/node:20-alpine" or
// "python:3.12-slim@sha256:...". The reference is normalised with
// go-containerregistry's name package, so the spellings of one image
// match the same rules; a digest is ignored, since the tag is what names
// the release.
//
// Rules are tried in order and the first whose cycle the table lists
// wins. A rule that matches but captures a cycle the table does not list
// (debian:9, debian:sid) does not stop the search; if nothing else
// answers, the Match says which rule came closest and why. Lookup reports
// false with a Reason for everything it cannot place, including floating
// tags such as latest, stable or edge.
func (t *Table) Lookup(ref string) (Match, bool) {
	repo, tag, display, err := normalise(ref)
	if err != nil {
		return Match{Ref: ref, Reason: err.Error()}, false
	}
	var nearest *Match
	repoProduct := ""
	for i := range t.rules {
		r := t.rules[i]
		rm := r.repo.FindStringSubmatch(repo)
		if rm == nil {
			continue
		}
		if repoProduct == "" {
			repoProduct = r.Product
		}
		var tm []string
		if r.tag != nil {
			if tag == "" {
				continue
			}
			if tm = r.tag.FindStringSubmatch(tag); tm == nil {
				continue
			}
		}
		byCodename, want := false, r.Cycle
		if v, ok := captured(r.repo, rm, groupCycle); ok {
			want = v
		} else if v, ok := captured(r.tag, tm, groupCycle); ok {
			want = v
		} else if v, ok := captured(r.repo, rm, groupCodename); ok {
			byCodename, want = true, v
		} else if v, ok := captured(r.tag, tm, groupCodename); ok {
			byCodename, want = true, v
		}
		if want == "" {
			continue // the capture group was optional and took no part
		}
		p := t.products[r.Product]
		c, ok := p.cycle(want)
		if byCodename {
			c, ok = p.byCodename(want)
		}
		if ok {
			return Match{Ref: display, Product: r.Product, Cycle: c, Rule: &r, Known: true}, true
		}
		if nearest == nil {
			nearest = &Match{Ref: display, Product: r.Product, Rule: &r}
			if byCodename {
				nearest.Cycle.Codename = want
				nearest.Reason = fmt.Sprintf("tag %q names no %s release the end-of-life table knows: %q is not the codename of a listed cycle (names such as stable, lts or latest move between releases); use a release tag, or add the cycle in an override file", tag, r.Product, want)
			} else {
				nearest.Cycle.Name = want
				nearest.Reason = fmt.Sprintf("%s %s is not in the end-of-life table (the rule at %s led to it); add the cycle under products.%s.cycles in an override file", r.Product, want, r.Pos, r.Product)
			}
		}
	}
	if nearest != nil {
		return *nearest, false
	}
	m := Match{Ref: display}
	switch {
	case repoProduct != "" && tag == "":
		m.Reason = fmt.Sprintf("%s is pinned by digest alone, so nothing tells which %s release it is; keep the tag next to the digest (name:tag@sha256:...)", display, repoProduct)
	case repoProduct != "":
		m.Reason = fmt.Sprintf("tag %q names no %s release the end-of-life table knows; tags such as latest, stable or edge move between releases, so use a release tag, or add a rule in an override file", tag, repoProduct)
	default:
		m.Reason = fmt.Sprintf("no end-of-life rule covers %s; add the product and a match rule in an override file", reponame.Of(display))
	}
	return m, false
}

// captured returns what the named group captured, if re has it and it
// took part in the match.
func captured(re *regexp.Regexp, m []string, group string) (string, bool) {
	if re == nil || m == nil {
		return "", false
	}
	i := re.SubexpIndex(group)
	if i < 0 || i >= len(m) || m[i] == "" {
		return "", false
	}
	return m[i], true
}

// normalise parses an image reference into its canonical repository and
// tag. The tag is kept next to a digest, as Renovate writes pins; a
// reference with neither gets "latest", as docker pull does.
func normalise(ref string) (repo, tag, display string, err error) {
	bad := func(err error) (string, string, string, error) {
		return "", "", "", fmt.Errorf("%q is not an image reference (%v)", ref, err)
	}
	if strings.TrimSpace(ref) == "" {
		return bad(fmt.Errorf("it is empty"))
	}
	base, digest, pinned := strings.Cut(ref, "@")
	if pinned {
		if _, err := name.NewDigest(ref); err != nil {
			return bad(err)
		}
	}
	var r name.Repository
	switch {
	case reponame.HasTag(base) || !pinned:
		t, err := name.NewTag(base)
		if err != nil {
			return bad(err)
		}
		r, tag = t.Context(), t.TagStr()
	default:
		r, err = name.NewRepository(base)
		if err != nil {
			return bad(err)
		}
	}
	repo = registryName(r) + "/" + r.RepositoryStr()
	if tag == "" {
		return repo, "", repo + "@" + digest, nil
	}
	return repo, tag, repo + ":" + tag, nil
}
