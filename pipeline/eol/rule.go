package eol

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"go.yaml.in/yaml/v3"

	"github.com/patchline/patchline/pipeline/internal/safetext"
	"github.com/patchline/patchline/pipeline/internal/strictyaml"
	"github.com/patchline/patchline/pipeline/reponame"
)

// Capture group names a pattern may use to say which cycle a reference is.
const (
	groupCycle    = "cycle"
	groupCodename = "codename"
)

// rules are a product's match rules, in the order they are tried.
type rules []Rule

func (rs *rules) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.SequenceNode {
		return strictyaml.Errorf(n, "expected a list of rules, each starting with \"- repository:\", found %s", describe(n))
	}
	return strictyaml.Each(n, func(item *yaml.Node) error {
		r, err := decodeRule(item)
		if err == nil {
			*rs = append(*rs, r)
		}
		return err
	})
}

// ruleFile is one rule as written.
type ruleFile struct {
	Repository        *repositoryGlobs `yaml:"repository"`
	RepositoryPattern *pattern         `yaml:"repositoryPattern"`
	Tags              *tagGlobs        `yaml:"tags"`
	TagPattern        *pattern         `yaml:"tagPattern"`
	Cycle             *text            `yaml:"cycle"`
}

// decodeRule decodes and compiles one matching rule. Globs and patterns
// are compiled here, once, so a bad one is refused with its line instead
// of failing on the first lookup.
func decodeRule(n *yaml.Node) (Rule, error) {
	var f ruleFile
	err := errors.Join(words.Decode(n, &f), either(n, "repository", "repositoryPattern"), either(n, "tags", "tagPattern"))
	if err != nil {
		return Rule{}, err
	}
	if f.Repository == nil && f.RepositoryPattern == nil {
		return Rule{}, strictyaml.Errorf(n, "missing \"repository:\"; name the image repository, e.g. docker.io/library/debian, or give repositoryPattern")
	}
	r := Rule{Pos: pos(n)}
	if g := f.Repository; g != nil {
		r.Repositories, r.repo = *g, anyOf(*g, "[^/]")
	}
	if p := f.RepositoryPattern; p != nil {
		r.RepositoryPattern, r.repo = p.text, p.re
	}
	if g := f.Tags; g != nil {
		r.Tags, r.tag = *g, anyOf(*g, ".")
	}
	if p := f.TagPattern; p != nil {
		r.TagPattern, r.tag = p.text, p.re
	}
	if f.Cycle != nil {
		r.Cycle = string(*f.Cycle)
	}
	return r, cycleSource(n, &r)
}

// either refuses a rule that writes one condition both ways, as globs
// (key a) and as a regular expression (key b), at the second one.
func either(n *yaml.Node, a, b string) error {
	first := ""
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i].Value
		if k != a && k != b {
			continue
		}
		if first != "" && first != k {
			return strictyaml.In(k, strictyaml.Errorf(strictyaml.Deref(n.Content[i+1]), "give either %s (globs) or %s (a regular expression), not both", a, b))
		}
		first = k
	}
	return nil
}

// cycleSource insists that exactly one thing says which cycle a matching
// reference is: the fixed cycle, or one capture group. Two sources could
// disagree; none leaves the rule unable to answer.
func cycleSource(n *yaml.Node, r *Rule) error {
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
		return nil
	case 0:
		return strictyaml.Errorf(n, "the rule does not say which cycle it finds; add \"cycle:\" or capture it in tagPattern with (?P<cycle>...) or (?P<codename>...)")
	}
	return strictyaml.Errorf(n, "the cycle is given %d times (%s); keep one", len(sources), strings.Join(sources, ", "))
}

// pattern is repositoryPattern or tagPattern: a user's regular
// expression, compiled anchored at both ends, so that "3\.20" cannot match
// "13.201", with its group names checked.
type pattern struct {
	text string
	re   *regexp.Regexp
}

func (p *pattern) UnmarshalYAML(n *yaml.Node) error {
	s, err := str(n)
	if err != nil {
		return err
	}
	re, err := regexp.Compile("^(?:" + s + ")$")
	if err != nil {
		// Compile again unanchored so the message quotes the user's text.
		_, err2 := regexp.Compile(s)
		if err2 == nil {
			err2 = err
		}
		return strictyaml.Errorf(n, "%q is not a regular expression (%v); Go RE2 syntax, e.g. '(?P<cycle>3\\.[0-9]+)(?:-.+)?'", s, strings.TrimPrefix(err2.Error(), "error parsing regexp: "))
	}
	count := map[string]int{}
	for _, g := range re.SubexpNames() {
		if g == "" {
			continue
		}
		count[g]++
		if g != groupCycle && g != groupCodename {
			return strictyaml.Errorf(n, "%q has the group (?P<%s>...); only (?P<cycle>...) and (?P<codename>...) mean something here, leave other groups unnamed", s, g)
		}
	}
	if count[groupCycle]+count[groupCodename] > 1 {
		return strictyaml.Errorf(n, "%q captures the cycle more than once; keep one (?P<cycle>...) or (?P<codename>...) group", s)
	}
	*p = pattern{text: s, re: re}
	return nil
}

// repositoryGlobs are the repository key: repository globs, normalised.
type repositoryGlobs []string

func (g *repositoryGlobs) UnmarshalYAML(n *yaml.Node) error {
	return globs(n, (*[]string)(g), canonicalRepository)
}

// tagGlobs are the tags key: tag globs.
type tagGlobs []string

func (g *tagGlobs) UnmarshalYAML(n *yaml.Node) error {
	return globs(n, (*[]string)(g), func(s string) (string, error) {
		if !tagGlob.MatchString(s) {
			return "", fmt.Errorf("tag glob %q may hold letters, digits, '_', '.', '-' and the wildcards * and ?; a tag has no ':' or '/'", safetext.Clip(s))
		}
		return s, nil
	})
}

// globs reads a glob or a list of them into out, each checked and
// normalised by norm.
func globs(n *yaml.Node, out *[]string, norm func(string) (string, error)) error {
	items, err := stringList(n)
	if err != nil {
		return err
	}
	var errs []error
	for _, item := range items {
		g, err := norm(item.Value)
		if err != nil {
			errs = append(errs, strictyaml.Errorf(item, "%v", err))
			continue
		}
		*out = append(*out, g)
	}
	return errors.Join(errs...)
}

// anyOf matches what any of globs matches, whole; in a glob, * and ?
// stand for runs of and single characters of class.
func anyOf(globs []string, class string) *regexp.Regexp {
	res := make([]string, len(globs))
	for i, g := range globs {
		res[i] = globRE(g, class)
	}
	return regexp.MustCompile("^(?:" + strings.Join(res, "|") + ")$")
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
