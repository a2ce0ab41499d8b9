package app

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/patchline/patchline/pipeline/build"
	"github.com/patchline/patchline/pipeline/release"
)

// Revision names a commit of the source repository to build: a git tag, a
// commit id, or neither for HEAD.
type Revision struct {
	Tag    string
	Commit string
}

func (r Revision) String() string {
	switch {
	case r.Tag != "":
		return "tag " + r.Tag
	case r.Commit != "":
		return "commit " + r.Commit
	}
	return "HEAD"
}

// CheckoutFunc returns a builder over the tree of a revision of the source
// repository (without its .git directory) and what that revision says
// about itself: commit, ref and commit time. The URL is the repository's,
// filled in by the caller.
type CheckoutFunc func(ctx context.Context, rev Revision) (build.Builder, release.Source, error)

// checkout sets req's builder and source to the revision: what is built is
// then always the tree of the commit that provenance and annotations name,
// never a working directory with changes of its own. Without a Checkout
// (engine-free callers that build from files), req is left as it is.
func (req *BuildRequest) checkout(ctx context.Context, rev Revision) error {
	if req.Checkout == nil {
		return nil
	}
	b, src, err := req.Checkout(ctx, rev)
	if err != nil {
		return fmt.Errorf("checking out %s of the source repository: %w", rev, err)
	}
	if src.URL == "" {
		src.URL = req.Source.URL
	}
	// The URL goes into provenance in its public form, as prepare gives
	// every other build (refresh's lines come through here, not there).
	if src.URL, err = PublicURL(src.URL); err != nil {
		return err
	}
	req.Builder, req.Source = b, src
	return nil
}

// sourceFor is refresh's view of Checkout: the tree at a release tag.
func (req BuildRequest) sourceFor(ctx context.Context, tag string) (build.Builder, release.Source, error) {
	r := req
	if err := r.checkout(ctx, Revision{Tag: tag}); err != nil {
		return nil, release.Source{}, err
	}
	return r.Builder, r.Source, nil
}

// releaseRevision is what a release of ver builds: the commit of its git
// tag (ver as given, else with or without the v prefix), or HEAD when the
// version is not tagged yet.
func releaseRevision(gitTags []string, ver string) Revision {
	bare := strings.TrimPrefix(ver, "v")
	for _, want := range []string{ver, "v" + bare, bare} {
		for _, t := range gitTags {
			if t == want {
				return Revision{Tag: t}
			}
		}
	}
	return Revision{}
}

// requireSourceURL fails when a command that writes provenance has no
// repository URL to record in it.
func requireSourceURL(req BuildRequest) error {
	if req.DryRun || req.Source.URL != "" {
		return nil
	}
	return fmt.Errorf("%w: the source repository has no URL to record in provenance (--repo has none and the --source directory's .git/config has no origin remote); pass --source-url https://github.com/<owner>/<repo>", ErrUsage)
}

// SourceURL picks the repository URL recorded in annotations and
// provenance: given (--source-url) when set, else the first of remotes
// that is a URL, such as the GitRepository's own URL and the origin remote
// of the source directory's .git/config. Each is put in public form by
// PublicURL. A remote that is not a URL (a local path) is passed over; a
// given URL that is not one is an error. "" means none is known.
func SourceURL(given string, remotes ...string) (string, error) {
	if given != "" {
		u, err := PublicURL(given)
		if err != nil {
			return "", fmt.Errorf("--source-url: %w", err)
		}
		return u, nil
	}
	for _, r := range remotes {
		if u, err := PublicURL(strings.TrimSpace(r)); err == nil && u != "" {
			return u, nil
		}
	}
	return "", nil
}

// OriginURL returns the URL of the origin remote in a git config file
// (.git/config), or "" when it has none. It reads what git itself reads:
// the first url of the [remote "origin"] section (section names are
// case-insensitive, the subsection is not), with quoted values and
// comments.
func OriginURL(gitConfig []byte) string {
	inOrigin := false
	sc := bufio.NewScanner(bytes.NewReader(gitConfig))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if line[0] == '[' {
			end := strings.IndexByte(line, ']')
			if end < 0 {
				inOrigin = false
				continue
			}
			inOrigin = isOriginSection(line[1:end])
			line = strings.TrimSpace(line[end+1:])
			if line == "" {
				continue
			}
		}
		if !inOrigin {
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(key), "url") {
			continue
		}
		return configValue(value)
	}
	return ""
}

// isOriginSection reports whether a section header (without brackets)
// names the origin remote: `remote "origin"`, or the old `remote.origin`.
func isOriginSection(h string) bool {
	h = strings.TrimSpace(h)
	if name, sub, ok := strings.Cut(h, " "); ok {
		return strings.EqualFold(name, "remote") && strings.TrimSpace(sub) == `"origin"`
	}
	return strings.EqualFold(h, "remote.origin")
}

// configValue decodes a git config value: surrounding spaces dropped,
// double quotes joined, backslash escapes resolved, and a comment (# or ;
// outside quotes) cut off.
func configValue(v string) string {
	var b strings.Builder
	quoted := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '"':
			quoted = !quoted
		case c == '\\' && i+1 < len(v):
			i++
			switch v[i] {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			default:
				b.WriteByte(v[i])
			}
		case (c == '#' || c == ';') && !quoted:
			return strings.TrimSpace(b.String())
		default:
			b.WriteByte(c)
		}
	}
	return strings.TrimSpace(b.String())
}
