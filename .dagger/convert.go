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
	"github.com/patchline/patchline/pipeline/release"
)

// buildArgs are the arguments the build functions share.
type buildArgs struct {
	preset, policy          string
	images                  []string
	username                string
	password, dockerConfig  *dagger.Secret
	platforms               []string
	dockerfile, target      string
	buildArgs               []string
	dryRun                  bool
	date, format            string
	sourceDateEpoch         int
	sourceURL, invocationID string
	syftImage               string
	source                  *dagger.Directory
	repo                    *dagger.GitRepository
	signing                 signingArgs
}

// signingArgs are the arguments that sign attestations, shared by the
// functions that publish.
type signingArgs struct {
	key, password, oidcToken         *dagger.Secret
	oidcRequestURL, oidcRequestToken *dagger.Secret
	fulcioURL, rekorURL              string
	trustedRoot                      *dagger.File
}

// request reads the signing secrets (only here) into what pipeline code
// signs with.
func (s signingArgs) request(ctx context.Context) (app.SigningRequest, error) {
	var r app.SigningRequest
	var err error
	for _, sec := range []struct {
		secret *dagger.Secret
		into   *string
	}{
		{s.key, &r.Key}, {s.password, &r.Password}, {s.oidcToken, &r.OIDCToken},
		{s.oidcRequestURL, &r.OIDCRequestURL}, {s.oidcRequestToken, &r.OIDCRequestToken},
	} {
		if *sec.into, err = plaintext(ctx, sec.secret); err != nil {
			return r, err
		}
	}
	r.FulcioURL, r.RekorURL = s.fulcioURL, s.rekorURL
	r.TrustedRoot, err = contents(ctx, s.trustedRoot, "--trusted-root")
	return r, err
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

// request turns the function's arguments into an app.BuildRequest: it
// joins the session with the Dagger SDK client that pipeline code uses,
// reads the secrets (only here), the git tags and the repository's URL,
// and gives pipeline code the checkout of any revision of --repo. The
// caller calls done on the returned session.
func (b buildArgs) request(ctx context.Context) (app.BuildRequest, *session, error) {
	var req app.BuildRequest
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
	password, err := plaintext(ctx, b.password)
	if err != nil {
		return fail(err)
	}
	dockerConfig, err := plaintext(ctx, b.dockerConfig)
	if err != nil {
		return fail(err)
	}
	signing, err := b.signing.request(ctx)
	if err != nil {
		return fail(err)
	}
	tags, err := gitTags(ctx, b.repo)
	if err != nil {
		return fail(err)
	}
	url, err := b.repositoryURL(ctx)
	if err != nil {
		return fail(err)
	}
	now := time.Now()
	req = app.BuildRequest{
		Policy:       policySource(ctx, b.source, b.preset, b.policy),
		Images:       b.images,
		Username:     b.username,
		Password:     password,
		DockerConfig: dockerConfig,
		Platforms:    b.platforms,
		Dockerfile:   b.dockerfile,
		Target:       b.target,
		BuildArgs:    b.buildArgs,
		DryRun:       b.dryRun,
		Format:       b.format,
		Date:         b.date,
		Now:          now,
		Clock:        time.Now,
		Source:       release.Source{URL: url},
		Checkout:     b.checkout(sess),
		GitTags:      tags,
		StartLocalRegistry: func(ctx context.Context) (string, error) {
			_, endpoint, err := daggerbuild.StartLocalRegistry(ctx, client)
			return endpoint, err
		},
		Scanner:      daggerbuild.NewScanner(client, b.syftImage, scratch),
		Tools:        tools(b.syftImage),
		InvocationID: b.invocationID,
		Signing:      signing,
	}
	return req, sess, nil
}

// checkout returns the tree of a revision of --repo for a build: the
// tree without .git is what is built, so the image holds exactly the
// commit its provenance names (never the working directory's uncommitted
// changes); the tree with .git gives the commit time.
func (b buildArgs) checkout(sess *session) app.CheckoutFunc {
	return func(ctx context.Context, rev app.Revision) (build.Builder, release.Source, error) {
		var src release.Source
		ref := b.repo.Head()
		switch {
		case rev.Tag != "":
			ref = b.repo.Tag(rev.Tag)
			src.Ref = "refs/tags/" + rev.Tag
		case rev.Commit != "":
			ref = b.repo.Commit(rev.Commit)
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
		if b.sourceDateEpoch > 0 {
			src.Created = time.Unix(int64(b.sourceDateEpoch), 0).UTC()
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
func (b buildArgs) repositoryURL(ctx context.Context) (string, error) {
	var remotes []string
	if u, err := b.repo.URL(ctx); err == nil {
		remotes = append(remotes, u)
	}
	if ok, err := b.source.Exists(ctx, ".git/config"); err == nil && ok {
		if cfg, err := b.source.File(".git/config").Contents(ctx); err == nil {
			remotes = append(remotes, app.OriginURL([]byte(cfg)))
		}
	}
	return app.SourceURL(b.sourceURL, remotes...)
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

// policySource reads policy files from the source directory.
func policySource(ctx context.Context, source *dagger.Directory, preset, file string) app.PolicySource {
	return app.PolicySource{
		Preset: preset,
		File:   file,
		Read: func(path string) ([]byte, bool, error) {
			ok, err := source.Exists(ctx, path)
			if err != nil || !ok {
				return nil, false, err
			}
			s, err := source.File(path).Contents(ctx)
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
