package eol

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"go.yaml.in/yaml/v3"

	"github.com/patchline/patchline/pipeline/internal/yamlcheck"
	"github.com/patchline/patchline/pipeline/reponame"
)

// Capture group names a pattern may use to say which cycle a reference is.
const (
	groupCycle    = "cycle"
	groupCodename = "codename"
)

func (l *loader) rules(n *yaml.Node, path, product string) []Rule {
	if n.Kind != yaml.SequenceNode {
		l.Add(n, path, "expected a list of rules, each starting with \"- repository:\", found %s", describe(n))
		return nil
	}
	var out []Rule
	for i, item := range n.Content {
		item = yamlcheck.Deref(item)
		if r, ok := l.rule(item, yamlcheck.Index(path, i), product); ok {
			out = append(out, r)
		}
	}
	return out
}

// rule decodes and compiles one matching rule. Globs and patterns are
// compiled here, once, so a bad one is refused with its line instead of
// failing on the first lookup.
func (l *loader) rule(n *yaml.Node, path, product string) (Rule, bool) {
	r := Rule{Product: product, Pos: l.pos(n)}
	before := len(l.Problems)
	var repoNode, tagNode *yaml.Node
	var repoGlobs, tagGlobs []string
	l.Fields(n, path, map[string]yamlcheck.Handler{
		"repository": func(n *yaml.Node, path string) {
			if repoNode != nil {
				l.Add(n, path, "give either repository (globs) or repositoryPattern (a regular expression), not both")
				return
			}
			repoNode = n
			items, nodes, ok := l.stringList(n, path)
			if !ok {
				return
			}
			for i, s := range items {
				g, err := canonicalRepository(s)
				if err != nil {
					l.Add(nodes[i], path, "%v", err)
					continue
				}
				r.Repositories = append(r.Repositories, g)
				repoGlobs = append(repoGlobs, globRE(g, "[^/]"))
			}
		},
		"repositoryPattern": func(n *yaml.Node, path string) {
			if repoNode != nil {
				l.Add(n, path, "give either repository (globs) or repositoryPattern (a regular expression), not both")
				return
			}
			repoNode = n
			if s, ok := l.str(n, path); ok {
				r.RepositoryPattern = s
				r.repo = l.pattern(n, path, s)
			}
		},
		"tags": func(n *yaml.Node, path string) {
			if tagNode != nil {
				l.Add(n, path, "give either tags (globs) or tagPattern (a regular expression), not both")
				return
			}
			tagNode = n
			items, nodes, ok := l.stringList(n, path)
			if !ok {
				return
			}
			for i, s := range items {
				if !tagGlob.MatchString(s) {
					l.Add(nodes[i], path, "tag glob %q may hold letters, digits, '_', '.', '-' and the wildcards * and ?; a tag has no ':' or '/'", s)
					continue
				}
				r.Tags = append(r.Tags, s)
				tagGlobs = append(tagGlobs, globRE(s, "."))
			}
		},
		"tagPattern": func(n *yaml.Node, path string) {
			if tagNode != nil {
				l.Add(n, path, "give either tags (globs) or tagPattern (a regular expression), not both")
				return
			}
			tagNode = n
			if s, ok := l.str(n, path); ok {
				r.TagPattern = s
				r.tag = l.pattern(n, path, s)
			}
		},
		"cycle": func(n *yaml.Node, path string) {
			if s, ok := l.str(n, path); ok {
				r.Cycle = s
			}
		},
	})
	if n.Kind != yaml.MappingNode || len(l.Problems) > before {
		return Rule{}, false
	}
	if repoNode == nil {
		l.Add(n, path, "missing \"repository:\"; name the image repository, e.g. docker.io/library/debian, or give repositoryPattern")
		return Rule{}, false
	}
	if repoGlobs != nil {
		r.repo = regexp.MustCompile("^(?:" + strings.Join(repoGlobs, "|") + ")$")
	}
	if tagGlobs != nil {
		r.tag = regexp.MustCompile("^(?:" + strings.Join(tagGlobs, "|") + ")$")
	}
	l.cycleSource(n, path, &r)
	return r, len(l.Problems) == before
}

// cycleSource insists that exactly one thing says which cycle a matching
// reference is: the fixed cycle, or one capture group. Two sources could
// disagree; none leaves the rule unable to answer.
func (l *loader) cycleSource(n *yaml.Node, path string, r *Rule) {
	var sources []string
	if r.Cycle != "" {
		sources = append(sources, fmt.Sprintf("cycle %q", r.Cycle))
	}
	for _, re := range []*regexp.Regexp{r.repo, r.tag} {
		if re == nil {
			continue
		}
		for _, g := range re.SubexpNames() {
			if g == groupCycle || g == groupCodename {
				sources = append(sources, fmt.Sprintf("the group (?P<%s>...)", g))
			}
		}
	}
	switch len(sources) {
	case 1:
	case 0:
		l.Add(n, path, "the rule does not say which cycle it finds; add \"cycle:\" or capture it in tagPattern with (?P<cycle>...) or (?P<codename>...)")
	default:
		l.Add(n, path, "the cycle is given %d times (%s); keep one", len(sources), strings.Join(sources, ", "))
	}
}

// pattern compiles a user's regular expression anchored at both ends, so
// that "3\.20" cannot match "13.201", and checks its group names.
func (l *loader) pattern(n *yaml.Node, path, s string) *regexp.Regexp {
	re, err := regexp.Compile("^(?:" + s + ")$")
	if err != nil {
		// Compile again unanchored so the message quotes the user's text.
		_, err2 := regexp.Compile(s)
		if err2 == nil {
			err2 = err
		}
		l.Add(n, path, "%q is not a regular expression (%v); Go RE2 syntax, e.g. '(?P<cycle>3\\.[0-9]+)(?:-.+)?'", s, strings.TrimPrefix(err2.Error(), "error parsing regexp: "))
		return nil
	}
	count := map[string]int{}
	for _, g := range re.SubexpNames() {
		if g == "" {
			continue
		}
		count[g]++
		if g != groupCycle && g != groupCodename {
			l.Add(n, path, "%q has the group (?P<%s>...); only (?P<cycle>...) and (?P<codename>...) mean something here, leave other groups unnamed", s, g)
			return nil
		}
	}
	if count[groupCycle]+count[groupCodename] > 1 {
		l.Add(n, path, "%q captures the cycle more than once; keep one (?P<cycle>...) or (?P<codename>...) group", s)
		return nil
	}
	return re
}

// tagGlob is the tag grammar plus the wildcards.
var tagGlob = regexp.MustCompile(`^[A-Za-z0-9_.*?-]{1,128}$`)

// globRE turns a glob into a regular expression: * is any run and ? any
// one of the characters class admits; everything else is literal.
func globRE(glob, class string) string {
	var sb strings.Builder
	for _, r := range glob {
		switch r {
		case '*':
			sb.WriteString(class + "*")
		case '?':
			sb.WriteString(class)
		default:
			sb.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	return sb.String()
}

// dockerHub is how Docker Hub is spelled in normalised names: the way
// docker prints it. go-containerregistry says "index.docker.io", which
// nobody writes in a Dockerfile.
const dockerHub = "docker.io"

// canonicalRepository normalises a repository or repository glob the way
// references are normalised, so "debian", "library/debian" and
// "docker.io/debian" all become docker.io/library/debian. A wildcard may
// not stand for the registry: whether "*/app" is a Docker Hub namespace or
// a registry cannot be told.
func canonicalRepository(s string) (string, error) {
	if strings.Contains(s, "@") {
		return "", fmt.Errorf("repository %q has a digest; give the repository alone", s)
	}
	if reponame.HasTag(s) {
		return "", fmt.Errorf("repository %q has a tag; give the repository alone and put tag conditions in tags or tagPattern", s)
	}
	first, rest, nested := strings.Cut(s, "/")
	if nested && strings.ContainsAny(first, "*?") {
		return "", fmt.Errorf("repository %q: a wildcard cannot stand for the registry or the first path component; write it out, or use repositoryPattern", s)
	}
	// Parse with the wildcards replaced by a letter, one for one, then put
	// them back at the same place from the end.
	probe := strings.NewReplacer("*", "x", "?", "x").Replace(s)
	repo, err := name.NewRepository(probe)
	if err != nil {
		return "", fmt.Errorf("repository %q is not an image repository (%v); write it like docker.io/library/debian or gcr.io/distroless/static-debian12", s, err)
	}
	path := repo.RepositoryStr()
	written := s
	if nested && (first == "localhost" || strings.ContainsAny(first, ".:")) {
		written = rest
	}
	path = path[:len(path)-len(written)] + written
	return registryName(repo) + "/" + path, nil
}

func registryName(repo name.Repository) string {
	if reg := repo.RegistryStr(); reg != name.DefaultRegistry {
		return reg
	}
	return dockerHub
}
