package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/patchline/patchline/pipeline/attest"
	"github.com/patchline/patchline/pipeline/build"
	"github.com/patchline/patchline/pipeline/internal/safetext"
	"github.com/patchline/patchline/pipeline/platform"
	"github.com/patchline/patchline/pipeline/policy"
	"github.com/patchline/patchline/pipeline/refresh"
	"github.com/patchline/patchline/pipeline/registry"
	"github.com/patchline/patchline/pipeline/release"
	"github.com/patchline/patchline/pipeline/signing"
	"github.com/patchline/patchline/pipeline/version"
)

// Version is patchline's own version, recorded as the builder in
// provenance. It is bumped when patchline is released.
const Version = "0.1.0"

// LocalRepository is the repository used in the local registry.
const LocalRepository = "app"

// BuildRequest holds what the release, edge and refresh commands share.
type BuildRequest struct {
	Policy PolicySource
	// Images override the policy's repositories, e.g. ghcr.io/acme/app.
	Images []string
	// Username and Password authenticate to the registry of every image
	// repository. The password is plaintext read from a Dagger secret in
	// the one step that authenticates; it is never logged or reported.
	Username string
	Password string
	// DockerConfig is the content of a Docker config.json (from a secret):
	// credentials per registry host, for mirrors on several registries
	// and for private base images.
	DockerConfig string
	Platforms    []string
	Dockerfile   string
	Target       string
	BuildArgs    []string
	DryRun       bool
	Format       string
	Date         string
	Now          time.Time
	// Clock stamps provenance start and finish times; Now when nil.
	Clock func() time.Time
	// Source is the revision Builder builds, for callers without a
	// Checkout; with one, only its URL (the repository's) is used.
	Source release.Source
	// Checkout returns the tree of a revision of the source repository.
	// Release, plan and edge build the commit they record (the release
	// tag's, or the edge build's) with it, and refresh each line's release
	// tag; when nil, Builder and Source are used as they are.
	Checkout CheckoutFunc
	GitTags  []string
	// StartLocalRegistry starts patchline's local registry and returns its
	// host:port; it is called only when no repository is given.
	StartLocalRegistry func(ctx context.Context) (string, error)
	Builder            build.Builder
	Scanner            release.Scanner
	// Packages runs the OS package check a refresh makes when the policy
	// sets refresh.packages (pipeline/daggerbuild runs it in the engine).
	Packages         refresh.PackageChecker
	PatchlineVersion string
	Tools            []attest.Image
	InvocationID     string
	// Timeouts bound every registry request and call (see
	// registry.Timeouts); the zero value means registry.DefaultTimeouts.
	Timeouts registry.Timeouts
	// Settle is the longest pause before written tags are read back (see
	// release.Inputs.Settle); zero means the default.
	Settle time.Duration
	// Signing signs the attestations when the policy says so.
	Signing SigningRequest
}

var fullCommit = regexp.MustCompile(`^[0-9a-f]{40}([0-9a-f]{24})?$`)

// prepared is a command's request turned into typed values: every
// argument is parsed here, once, and nothing below parses it again.
type prepared struct {
	in release.Inputs
	// released are the versions the git tags name, each with its tag.
	released version.Set
	// local is the local registry's host:port when images go there.
	local string
}

// prepare checks a request and turns it into release inputs. Everything
// that can be wrong with the arguments is found here, before any registry
// is written to. A command that writes provenance (attested) needs the
// repository URL to record in it, and signs it as the policy asks.
func prepare(ctx context.Context, req BuildRequest, attested bool) (prepared, error) {
	var out prepared
	if attested {
		if err := requireSourceURL(req); err != nil {
			return out, err
		}
	}
	p, err := LoadPolicy(req.Policy)
	if err != nil {
		return out, err
	}
	day, err := BuildTime(req.Date, req.Now)
	if err != nil {
		return out, err
	}
	platforms, err := parsePlatforms(req.Platforms)
	if err != nil {
		return out, err
	}
	var signer *signing.Signer
	if attested && !req.DryRun {
		// Only a command that writes attestations signs them: plan, check,
		// rollback and dry runs neither need the signing arguments nor
		// look at them, whatever the policy signs with.
		if signer, err = newSigner(req.Signing, p); err != nil {
			return out, err
		}
	}
	args, err := build.ParseArgs(req.BuildArgs)
	if err != nil {
		return out, fmt.Errorf("%w: %v", ErrUsage, err)
	}
	if req.Source.Commit != "" && !fullCommit.MatchString(req.Source.Commit) {
		return out, fmt.Errorf("%w: source commit %s is not a full lowercase commit id", ErrUsage, safetext.Quote(req.Source.Commit))
	}
	src := req.Source
	src.URL, err = PublicURL(src.URL)
	if err != nil {
		return out, err
	}
	repos, err := repositories(p, req.Images)
	if err != nil {
		return out, err
	}
	opts := timeoutOptions(req.Timeouts)
	if req.Password != "" || req.Username != "" {
		if req.Password == "" || req.Username == "" {
			return out, fmt.Errorf("%w: give --username and --password together (the password as a secret, e.g. --password env:REGISTRY_TOKEN)", ErrUsage)
		}
		if len(repos) == 0 {
			return out, fmt.Errorf("%w: --username and --password are for an image repository; give --image too", ErrUsage)
		}
		if err := registry.CheckUsername(req.Username); err != nil {
			return out, fmt.Errorf("%w: --username: %v", ErrUsage, err)
		}
		for _, host := range hosts(repos) {
			opts = append(opts, registry.WithCredentials(host, req.Username, req.Password))
		}
	}
	var loggedIn []string
	if req.Username != "" {
		loggedIn = hosts(repos)
	}
	cfgOpts, err := dockerConfigOptions(req.DockerConfig, loggedIn...)
	if err != nil {
		return out, err
	}
	opts = append(opts, cfgOpts...)
	if len(repos) == 0 {
		if req.StartLocalRegistry == nil {
			return out, fmt.Errorf("%w: no image repository: give --image or list repositories in the policy", release.ErrNoRepository)
		}
		out.local, err = req.StartLocalRegistry(ctx)
		if err != nil {
			return out, err
		}
		repos = []string{out.local + "/" + LocalRepository}
		host, _, _ := strings.Cut(out.local, "/")
		opts = append(opts, registry.WithInsecure(host))
	}
	client, err := registry.New(opts...)
	if err != nil {
		return out, err
	}
	clock := req.Clock
	if clock == nil {
		clock = func() time.Time { return req.Now }
	}
	invocation := req.InvocationID
	if invocation == "" {
		invocation = randomID()
	}
	if strings.Contains(invocation, "://") {
		// A CI run's URL, recorded in public provenance.
		invocation = safetext.URL(invocation)
	}
	patchline := req.PatchlineVersion
	if patchline == "" {
		patchline = Version
	}
	dockerfile := req.Dockerfile
	if dockerfile == "" {
		dockerfile = "Dockerfile"
	}
	if err := checkSourcePath(dockerfile); err != nil {
		return out, fmt.Errorf("%w: --dockerfile %v", ErrUsage, err)
	}
	out.in = release.Inputs{
		Policy:           p,
		Registry:         client,
		Builder:          req.Builder,
		Scanner:          req.Scanner,
		Repositories:     repos,
		Dockerfile:       dockerfile,
		Target:           req.Target,
		BuildArgs:        args,
		Platforms:        platforms,
		Source:           src,
		Date:             day,
		Clock:            clock,
		PatchlineVersion: patchline,
		Tools:            req.Tools,
		InvocationID:     invocation,
		DryRun:           req.DryRun,
		Settle:           req.Settle,
		Signer:           signer,
	}
	out.released = version.FromTags(req.GitTags, p.IsDatedTag)
	return out, nil
}

// parsePlatforms parses --platform: the platforms to build instead of
// the policy's (none given: the policy's).
func parsePlatforms(given []string) ([]v1.Platform, error) {
	ps, err := platform.ParseList("--platform", given)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUsage, err)
	}
	var out []v1.Platform
	for _, p := range ps {
		out = append(out, build.Platform(p))
	}
	return out, nil
}

// repositories are the image repositories a build goes to: --image, each
// in its canonical form, or else the policy's.
func repositories(p *policy.Policy, images []string) ([]string, error) {
	if len(images) == 0 {
		return p.Repositories, nil
	}
	var repos []string
	for _, img := range images {
		r, err := policy.ParseRepository(img)
		if err != nil {
			return nil, fmt.Errorf("%w: --image: %v", ErrUsage, err)
		}
		if slices.Contains(repos, r) {
			return nil, fmt.Errorf("%w: --image %s is given twice (as %s); give each repository once", ErrUsage, safetext.Quote(img), r)
		}
		repos = append(repos, r)
	}
	return repos, nil
}

// authClient is a registry client with the request's credentials, for
// commands that only read registries.
func authClient(req BuildRequest) (*registry.Client, error) {
	opts, err := dockerConfigOptions(req.DockerConfig)
	if err != nil {
		return nil, err
	}
	return registry.New(append(timeoutOptions(req.Timeouts), opts...)...)
}

// timeoutOptions are registry timeouts t, if a request sets any.
func timeoutOptions(t registry.Timeouts) []registry.Option {
	if t == (registry.Timeouts{}) {
		return nil
	}
	return []registry.Option{registry.WithTimeouts(t)}
}

// dockerConfigOptions turns a Docker config.json into client credentials,
// one per registry host; none when config is empty. The hosts --username
// and --password already log in to are left out: the arguments given for
// this call win over a config kept for every call. Two entries for one
// registry (docker.io and https://index.docker.io/v1/, as docker login
// writes) are one login when they agree; when they do not, which one
// applies is not ours to guess.
func dockerConfigOptions(config string, loggedIn ...string) ([]registry.Option, error) {
	if config == "" {
		return nil, nil
	}
	creds, err := ParseDockerConfig(config)
	if err != nil {
		return nil, err
	}
	skip := map[string]bool{}
	for _, h := range loggedIn {
		if c, err := registry.CanonicalHost(h); err == nil {
			skip[c] = true
		}
	}
	login := map[string][2]string{}
	entry := map[string]string{}
	for _, e := range slices.Sorted(maps.Keys(creds)) {
		h, err := registry.CanonicalHost(e)
		if err != nil {
			return nil, fmt.Errorf("%w: the docker config entry %s: %v", ErrUsage, safetext.Quote(e), err)
		}
		if skip[h] {
			continue
		}
		if prev, dup := login[h]; dup && prev != creds[e] {
			return nil, fmt.Errorf("%w: the docker config has two different logins for %s (under %s and %s); keep one", ErrUsage, h, entry[h], e)
		}
		login[h], entry[h] = creds[e], e
	}
	var opts []registry.Option
	for _, h := range slices.Sorted(maps.Keys(login)) {
		opts = append(opts, registry.WithCredentials(h, login[h][0], login[h][1]))
	}
	return opts, nil
}

// checkSourcePath refuses a path that cannot name a file in the source
// directory: absolute, leaving it with "..", or longer than any path a
// file system takes.
func checkSourcePath(p string) error {
	switch {
	case len(p) > 4096:
		return fmt.Errorf("%s is %d bytes long; give the path of a file in the source directory", safetext.Quote(p), len(p))
	case path.IsAbs(p) || p == ".." || strings.HasPrefix(p, "../") || strings.Contains(p, "/../") || strings.HasSuffix(p, "/.."):
		return fmt.Errorf("%s is outside the source directory; give a path relative to --source, e.g. Dockerfile or docker/app.Dockerfile", safetext.Quote(p))
	case strings.ContainsRune(p, 0):
		return fmt.Errorf("%s holds a NUL byte", safetext.Quote(p))
	}
	return nil
}

// randomID names one run in provenance when the caller gave no id (such as
// the CI run's URL).
func randomID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "unknown"
	}
	return hex.EncodeToString(b[:])
}

func hosts(repos []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range repos {
		h, _, _ := strings.Cut(r, "/")
		if !seen[h] {
			seen[h] = true
			out = append(out, h)
		}
	}
	return out
}

// scpLike matches git's scp-like remote syntax, [user@]host:path, where
// the path does not start with a slash (host:/path and URLs with :// are
// not scp-like).
var scpLike = regexp.MustCompile(`^(?:[A-Za-z0-9._-]+@)?([A-Za-z0-9.-]+):([^/\\].*)$`)

// PublicURL turns a git remote URL into the public form recorded in
// annotations and provenance: scp-like and ssh:// remotes become https
// URLs (without the SSH port), a trailing .git is dropped, and what may
// hold a token (user information, the query, the fragment) is removed;
// safetext.URL, which does the removing, also spells the URL in any error.
func PublicURL(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	if m := scpLike.FindStringSubmatch(s); m != nil && !strings.Contains(s, "://") {
		s = "ssh://" + m[1] + "/" + m[2]
	}
	u, err := url.Parse(safetext.URL(s))
	if err != nil || u.Host == "" || u.Scheme == "" {
		return "", fmt.Errorf("%w: source URL %s is not a URL; give it like https://github.com/acme/app", ErrUsage, safetext.Quote(safetext.URL(s)))
	}
	u.User = nil
	switch u.Scheme {
	case "ssh", "git+ssh", "ssh+git", "git":
		u.Scheme, u.Host = "https", u.Hostname()
	}
	u.Path = strings.TrimSuffix(strings.TrimSuffix(u.Path, "/"), ".git")
	u.RawPath = ""
	return u.String(), nil
}

// ParseDockerConfig reads the auths of a Docker config.json: host →
// (username, password). Credential helpers cannot run here; entries that
// rely on one are refused with the fix.
func ParseDockerConfig(s string) (map[string][2]string, error) {
	var cfg struct {
		Auths map[string]struct {
			Auth          string `json:"auth"`
			Username      string `json:"username"`
			Password      string `json:"password"`
			IdentityToken string `json:"identitytoken"`
		} `json:"auths"`
		CredsStore string `json:"credsStore"`
	}
	if err := json.Unmarshal([]byte(s), &cfg); err != nil {
		return nil, fmt.Errorf("%w: the docker config secret is not JSON (%s); pass the content of ~/.docker/config.json", ErrUsage, jsonProblem(err))
	}
	out := map[string][2]string{}
	for host, a := range cfg.Auths {
		h := strings.TrimPrefix(strings.TrimPrefix(host, "https://"), "http://")
		h, _, _ = strings.Cut(h, "/")
		user, pass := a.Username, a.Password
		if a.Auth != "" {
			raw, err := base64.StdEncoding.DecodeString(a.Auth)
			if err != nil {
				return nil, fmt.Errorf("%w: the docker config entry for %s has an auth value that is not base64", ErrUsage, safetext.Clip(h))
			}
			var ok bool
			user, pass, ok = strings.Cut(string(raw), ":")
			if !ok {
				return nil, fmt.Errorf("%w: the docker config entry for %s has an auth value that is not user:password", ErrUsage, safetext.Clip(h))
			}
		}
		if user == "" || pass == "" {
			if a.IdentityToken != "" {
				user, pass = "<token>", a.IdentityToken
			} else {
				return nil, fmt.Errorf("%w: the docker config entry for %s has no credentials", ErrUsage, safetext.Clip(h))
			}
		}
		out[h] = [2]string{user, pass}
	}
	if len(out) == 0 {
		if cfg.CredsStore != "" {
			return nil, fmt.Errorf("%w: the docker config keeps its credentials in the %q helper, which cannot run here; write a config with \"auths\" entries (e.g. from `docker login --password-stdin` on a machine without a helper)", ErrUsage, cfg.CredsStore)
		}
		return nil, fmt.Errorf("%w: the docker config has no \"auths\" entries", ErrUsage)
	}
	return out, nil
}

// jsonProblem describes a JSON error without quoting the input, which is a
// secret.
func jsonProblem(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("syntax error at byte %d", se.Offset)
	}
	return "wrong shape"
}

// ParseTimeouts turns --registry-timeout (one request) and
// --registry-call-timeout (one call, retries included) into registry
// deadlines; an empty value keeps that deadline's default (see
// registry.DefaultTimeouts).
func ParseTimeouts(attempt, call string) (registry.Timeouts, error) {
	t := registry.DefaultTimeouts()
	for _, arg := range []struct {
		flag, value string
		into        *time.Duration
	}{{"--registry-timeout", attempt, &t.Attempt}, {"--registry-call-timeout", call, &t.Call}} {
		if arg.value == "" {
			continue
		}
		d, err := time.ParseDuration(arg.value)
		if err != nil || d <= 0 {
			return registry.Timeouts{}, fmt.Errorf("%w: %s %s is not a positive duration; give one such as 30s or 15m", ErrUsage, arg.flag, safetext.Quote(arg.value))
		}
		*arg.into = d
	}
	if t.Call < t.Attempt {
		return registry.Timeouts{}, fmt.Errorf("%w: --registry-call-timeout %s is shorter than --registry-timeout %s, and a call is at least one request; raise --registry-call-timeout", ErrUsage, t.Call, t.Attempt)
	}
	return t, nil
}
