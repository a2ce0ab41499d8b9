package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	sdk "dagger.io/dagger"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"dagger/patchline/internal/dagger"

	"github.com/patchline/patchline/pipeline/app"
	"github.com/patchline/patchline/pipeline/attest"
	"github.com/patchline/patchline/pipeline/build"
	"github.com/patchline/patchline/pipeline/daggerbuild"
	"github.com/patchline/patchline/pipeline/registry"
	"github.com/patchline/patchline/pipeline/release"
)

// call is what a function adds to the module's shared arguments for its
// request.
type call struct {
	dryRun          bool
	sourceDateEpoch int
	// signs is set for the functions that attach attestations (release,
	// edge, refresh): only they read the signing secrets, and not in a
	// dry run. Reading them elsewhere would make plan or check fail where
	// the secrets are not set, such as a pull request's job.
	signs bool
}

// session is what a function call sets up to run pipeline code: the Dagger
// SDK client joined to the call's own session, and a scratch directory in
// the module's working directory for exported layouts.
type session struct {
	client  *sdk.Client
	scratch string
}

func (s *session) done() {
	os.RemoveAll(s.scratch)
	s.client.Close()
}

// run builds the request of a function call, runs f with it and ends
// the call's session.
func (m *Patchline) run(ctx context.Context, c call, f func(app.BuildRequest) (string, error)) (string, error) {
	req, sess, err := m.request(ctx, c)
	if err != nil {
		return "", err
	}
	defer sess.done()
	return f(req)
}

// access is what reaches registries: the registry secrets read as
// plaintext (only here) and the deadlines.
type access struct {
	password, dockerConfig string
	timeouts               registry.Timeouts
}

// access reads the registry secrets; the password only withPassword, for
// the functions that log in to the image repositories with it.
func (m *Patchline) access(ctx context.Context, withPassword bool) (access, error) {
	var a access
	var err error
	if a.timeouts, err = app.ParseTimeouts(m.RegistryTimeout, m.RegistryCallTimeout); err != nil {
		return a, err
	}
	if withPassword {
		if a.password, err = plaintext(ctx, m.Password); err != nil {
			return a, err
		}
	}
	a.dockerConfig, err = plaintext(ctx, m.DockerConfig)
	return a, err
}

// signing reads the signing secrets (only here) and the trusted root into
// what pipeline code signs with.
func (m *Patchline) signing(ctx context.Context) (app.SigningRequest, error) {
	r := app.SigningRequest{FulcioURL: m.FulcioUrl, RekorURL: m.RekorUrl}
	var err error
	for _, sec := range []struct {
		secret *dagger.Secret
		into   *string
	}{
		{m.SigningKey, &r.Key}, {m.SigningPassword, &r.Password}, {m.OidcToken, &r.OIDCToken},
		{m.OidcRequestUrl, &r.OIDCRequestURL}, {m.OidcRequestToken, &r.OIDCRequestToken},
	} {
		if *sec.into, err = plaintext(ctx, sec.secret); err != nil {
			return r, err
		}
	}
	r.TrustedRoot, err = contents(ctx, m.TrustedRoot, "--trusted-root")
	return r, err
}

// request turns the module's arguments and the function's into an
// app.BuildRequest: it joins the session with the Dagger SDK client that
// pipeline code uses, reads the secrets (only here), the git tags and the
// repository's URL, and gives pipeline code the checkout of any revision
// of the repository. The caller calls done on the returned session.
func (m *Patchline) request(ctx context.Context, c call) (app.BuildRequest, *session, error) {
	var req app.BuildRequest
	acc, err := m.access(ctx, true)
	if err != nil {
		return req, nil, err
	}
	var signing app.SigningRequest
	if c.signs && !c.dryRun {
		if signing, err = m.signing(ctx); err != nil {
			return req, nil, err
		}
	}
	client, err := daggerbuild.Connect(ctx)
	if err != nil {
		return req, nil, err
	}
	scratch, err := os.MkdirTemp(".", "patchline-")
	if err != nil {
		client.Close()
		return req, nil, fmt.Errorf("making a scratch directory: %w", err)
	}
	sess := &session{client: client, scratch: scratch}
	fail := func(err error) (app.BuildRequest, *session, error) {
		sess.done()
		return app.BuildRequest{}, nil, err
	}
	tags, err := gitTags(ctx, m.Repo)
	if err != nil {
		return fail(err)
	}
	url, err := m.repositoryURL(ctx)
	if err != nil {
		return fail(err)
	}
	now := time.Now()
	req = app.BuildRequest{
		Policy:       m.policySource(ctx),
		Images:       m.Image,
		Username:     m.Username,
		Password:     acc.password,
		DockerConfig: acc.dockerConfig,
		Platforms:    m.Platform,
		Dockerfile:   m.Dockerfile,
		Target:       m.Target,
		BuildArgs:    m.BuildArg,
		DryRun:       c.dryRun,
		Format:       m.Format,
		Date:         m.Date,
		Now:          now,
		Clock:        time.Now,
		Source:       release.Source{URL: url},
		Checkout:     m.checkout(sess, c.sourceDateEpoch),
		GitTags:      tags,
		StartLocalRegistry: func(ctx context.Context) (string, error) {
			_, endpoint, err := daggerbuild.StartLocalRegistry(ctx, client)
			return endpoint, err
		},
		Scanner:      daggerbuild.NewScanner(client, m.SyftImage, scratch),
		Packages:     daggerbuild.NewPackageChecker(client, scratch),
		Tools:        tools(m.SyftImage),
		InvocationID: m.InvocationId,
		Timeouts:     acc.timeouts,
		Signing:      signing,
	}
	return req, sess, nil
}

// checkout returns the tree of a revision of the repository for a build:
// the tree without .git is what is built, so the image holds exactly the
// commit its provenance names (never the working directory's uncommitted
// changes); the tree with .git gives the commit time, unless
// sourceDateEpoch (Unix seconds) overrides it.
func (m *Patchline) checkout(sess *session, sourceDateEpoch int) app.CheckoutFunc {
	return func(ctx context.Context, rev app.Revision) (build.Builder, release.Source, error) {
		var src release.Source
		ref := m.Repo.Head()
		switch {
		case rev.Tag != "":
			ref = m.Repo.Tag(rev.Tag)
			src.Ref = "refs/tags/" + rev.Tag
		case rev.Commit != "":
			ref = m.Repo.Commit(rev.Commit)
		}
		commit, err := ref.Commit(ctx)
		if err != nil {
			return nil, src, fmt.Errorf("reading the commit of %s: %w", rev, err)
		}
		src.Commit = commit
		withGit, err := ref.Tree().ID(ctx)
		if err != nil {
			return nil, src, err
		}
		facts, err := daggerbuild.ReadSourceFacts(ctx, sess.client, sess.client.LoadDirectoryFromID(sdk.DirectoryID(withGit)))
		if err != nil {
			return nil, src, err
		}
		src.Created = facts.Time
		if sourceDateEpoch > 0 {
			src.Created = time.Unix(int64(sourceDateEpoch), 0).UTC()
		}
		tree, err := ref.Tree(dagger.GitRefTreeOpts{DiscardGitDir: true}).ID(ctx)
		if err != nil {
			return nil, src, err
		}
		return daggerbuild.NewBuilder(sess.client, sess.client.LoadDirectoryFromID(sdk.DirectoryID(tree)), sess.scratch), src, nil
	}
}

// repositoryURL is the URL recorded in annotations and provenance:
// --source-url, else the URL of --repo (empty for a host directory such as
// --repo .), else the origin remote in the .git/config of --source (a host
// directory keeps its .git). Credentials, query and fragment are removed.
func (m *Patchline) repositoryURL(ctx context.Context) (string, error) {
	var remotes []string
	if u, err := m.Repo.URL(ctx); err == nil {
		remotes = append(remotes, u)
	}
	if ok, err := m.Source.Exists(ctx, ".git/config"); err == nil && ok {
		if cfg, err := m.Source.File(".git/config").Contents(ctx); err == nil {
			remotes = append(remotes, app.OriginURL([]byte(cfg)))
		}
	}
	return app.SourceURL(m.SourceUrl, remotes...)
}

// pin rewrites the Dockerfiles (files, or else --dockerfile) to pinned
// bases and returns the changed files with the summary.
func (m *Patchline) pin(ctx context.Context, files []string) (*PinResult, error) {
	if len(files) == 0 {
		files = []string{m.Dockerfile}
	}
	acc, err := m.access(ctx, false)
	if err != nil {
		return nil, err
	}
	res, err := app.Pin(ctx, app.PinRequest{Files: files, Read: m.policySource(ctx).Read, BuildArgs: m.BuildArg, Target: m.Target,
		Auth: app.BuildRequest{DockerConfig: acc.dockerConfig, Timeouts: acc.timeouts}, Format: m.Format})
	if err != nil {
		return nil, err
	}
	out := dag.Directory()
	for path, content := range res.Changed {
		out = out.WithNewFile(path, string(content))
	}
	return &PinResult{Files: out, Summary: res.Report}, nil
}

// verify runs the deploy gate: req holds verify's own arguments, and the
// module's (registry access, trusted root, format) are filled in here.
func (m *Patchline) verify(ctx context.Context, key *dagger.File, req app.VerifyRequest) (string, error) {
	acc, err := m.access(ctx, true)
	if err != nil {
		return "", err
	}
	req.Username, req.Password, req.DockerConfig, req.Timeouts, req.Format = m.Username, acc.password, acc.dockerConfig, acc.timeouts, m.Format
	if req.Key, err = contents(ctx, key, "--key"); err != nil {
		return "", err
	}
	if req.TrustedRoot, err = contents(ctx, m.TrustedRoot, "--trusted-root"); err != nil {
		return "", err
	}
	start, done := localRegistryStarter()
	defer done()
	req.StartLocalRegistry = start
	return app.Verify(ctx, req)
}

// tools records the syft image in provenance when it is pinned by digest.
func tools(syftImage string) []attest.Image {
	img := syftImage
	if img == "" {
		img = daggerbuild.SyftImage
	}
	_, d, ok := strings.Cut(img, "@")
	if !ok {
		return nil
	}
	h, err := v1.NewHash(d)
	if err != nil {
		return nil
	}
	return []attest.Image{{Ref: img, Digest: h}}
}

// plaintext reads a secret; this is the only place its value is read.
func plaintext(ctx context.Context, s *dagger.Secret) (string, error) {
	if s == nil {
		return "", nil
	}
	v, err := s.Plaintext(ctx)
	if err != nil {
		return "", fmt.Errorf("reading a secret argument: %w", err)
	}
	return v, nil
}

// contents reads a file argument; nil reads as nothing.
func contents(ctx context.Context, f *dagger.File, arg string) ([]byte, error) {
	if f == nil {
		return nil, nil
	}
	s, err := f.Contents(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", arg, err)
	}
	return []byte(s), nil
}

// localRegistryStarter returns a function that starts the local registry
// when a command turns out to need it, joining the session only then, and
// the function that leaves the session again.
func localRegistryStarter() (start func(context.Context) (string, error), done func()) {
	var client *sdk.Client
	start = func(ctx context.Context) (string, error) {
		if client == nil {
			c, err := daggerbuild.Connect(ctx)
			if err != nil {
				return "", err
			}
			client = c
		}
		_, endpoint, err := daggerbuild.StartLocalRegistry(ctx, client)
		return endpoint, err
	}
	done = func() {
		if client != nil {
			client.Close()
		}
	}
	return start, done
}

// localRegistry returns the local registry service as a module object.
func localRegistry(ctx context.Context) (*dagger.Service, error) {
	client, err := daggerbuild.Connect(ctx)
	if err != nil {
		return nil, err
	}
	defer client.Close()
	id, err := daggerbuild.LocalRegistry(client).ID(ctx)
	if err != nil {
		return nil, err
	}
	return dag.LoadServiceFromID(dagger.ServiceID(id)), nil
}

// policySource is the policy the module's arguments name, read from the
// source directory.
func (m *Patchline) policySource(ctx context.Context) app.PolicySource {
	return app.PolicySource{
		Preset: m.Preset,
		File:   m.Policy,
		Read: func(path string) ([]byte, bool, error) {
			ok, err := m.Source.Exists(ctx, path)
			if err != nil || !ok {
				return nil, false, err
			}
			s, err := m.Source.File(path).Contents(ctx)
			if err != nil {
				return nil, false, fmt.Errorf("reading %s from the source directory: %w", path, err)
			}
			return []byte(s), true, nil
		},
	}
}

// gitTags lists the tags of the source repository.
func gitTags(ctx context.Context, repo *dagger.GitRepository) ([]string, error) {
	if repo == nil {
		return nil, nil
	}
	tags, err := repo.Tags(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing git tags of the source repository: %w", err)
	}
	for i, t := range tags {
		tags[i] = strings.TrimPrefix(t, "refs/tags/")
	}
	return tags, nil
}
