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
	"github.com/patchline/patchline/pipeline/refresh"
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
	version, sha            string
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
// reads the secrets (only here), the git tags and the source's commit.
// The caller calls done on the returned session.
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
	srcID, err := b.source.ID(ctx)
	if err != nil {
		return fail(err)
	}
	source := client.LoadDirectoryFromID(sdk.DirectoryID(srcID))
	password, err := plaintext(ctx, b.password)
	if err != nil {
		return fail(err)
	}
	dockerConfig, err := plaintext(ctx, b.dockerConfig)
	if err != nil {
		return fail(err)
	}
	tags, err := gitTags(ctx, b.repo)
	if err != nil {
		return fail(err)
	}
	src, err := b.sourceFacts(ctx, client, tags)
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
		Source:       src,
		GitTags:      tags,
		StartLocalRegistry: func(ctx context.Context) (string, error) {
			_, endpoint, err := daggerbuild.StartLocalRegistry(ctx, client)
			return endpoint, err
		},
		Builder:      daggerbuild.NewBuilder(client, source, scratch),
		Scanner:      daggerbuild.NewScanner(client, b.syftImage, scratch),
		Tools:        tools(b.syftImage),
		InvocationID: b.invocationID,
	}
	return req, sess, nil
}

// sourceFor returns the source of a release tag for refresh: the tree at
// that tag (without .git for the build), its commit and commit time.
func (b buildArgs) sourceFor(sess *session, url string) refresh.SourceFunc {
	return func(ctx context.Context, tag string) (build.Builder, release.Source, error) {
		ref := b.repo.Tag(tag)
		commit, err := ref.Commit(ctx)
		if err != nil {
			return nil, release.Source{}, fmt.Errorf("reading the commit of tag %s: %w", tag, err)
		}
		withGit, err := ref.Tree().ID(ctx)
		if err != nil {
			return nil, release.Source{}, err
		}
		facts, err := daggerbuild.ReadSourceFacts(ctx, sess.client, sess.client.LoadDirectoryFromID(sdk.DirectoryID(withGit)))
		if err != nil {
			return nil, release.Source{}, err
		}
		tree, err := ref.Tree(dagger.GitRefTreeOpts{DiscardGitDir: true}).ID(ctx)
		if err != nil {
			return nil, release.Source{}, err
		}
		src := release.Source{URL: url, Ref: "refs/tags/" + tag, Commit: commit, Created: facts.Time}
		if b.sourceDateEpoch > 0 {
			src.Created = time.Unix(int64(b.sourceDateEpoch), 0).UTC()
		}
		return daggerbuild.NewBuilder(sess.client, sess.client.LoadDirectoryFromID(sdk.DirectoryID(tree)), sess.scratch), src, nil
	}
}

// sourceFacts reads the commit being built: the release's git tag when it
// exists, HEAD otherwise; its commit time unless --source-date-epoch is
// given; and the repository URL unless --source-url is given.
func (b buildArgs) sourceFacts(ctx context.Context, client *sdk.Client, tags []string) (release.Source, error) {
	var src release.Source
	ref := b.repo.Head()
	if b.version != "" {
		for _, t := range tags {
			if t == b.version || t == "v"+strings.TrimPrefix(b.version, "v") || t == strings.TrimPrefix(b.version, "v") {
				ref = b.repo.Tag(t)
				src.Ref = "refs/tags/" + t
				break
			}
		}
	}
	commit, err := ref.Commit(ctx)
	if err != nil {
		return src, fmt.Errorf("reading the commit of the source repository: %w", err)
	}
	src.Commit = commit
	treeID, err := ref.Tree().ID(ctx)
	if err != nil {
		return src, err
	}
	facts, err := daggerbuild.ReadSourceFacts(ctx, client, client.LoadDirectoryFromID(sdk.DirectoryID(treeID)))
	if err != nil {
		return src, err
	}
	src.Created = facts.Time
	if b.sourceDateEpoch > 0 {
		src.Created = time.Unix(int64(b.sourceDateEpoch), 0).UTC()
	}
	src.URL = b.sourceURL
	if src.URL == "" {
		if u, err := b.repo.URL(ctx); err == nil && strings.Contains(u, "://") {
			src.URL = u
		}
	}
	if src.URL == "" {
		src.URL = facts.OriginURL
	}
	if src.URL == "" {
		return src, fmt.Errorf("the source repository has no URL to record in provenance; pass --source-url https://github.com/<owner>/<repo>")
	}
	return src, nil
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
