package app

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/patchline/patchline/pipeline/build"
	"github.com/patchline/patchline/pipeline/internal/testing/fixture"
	"github.com/patchline/patchline/pipeline/internal/testing/layerbuild"
	"github.com/patchline/patchline/pipeline/internal/testing/regtest"
	"github.com/patchline/patchline/pipeline/release"
)

func TestOriginURL(t *testing.T) {
	cloned := `[core]
	repositoryformatversion = 0
	filemode = true
	bare = false
[remote "origin"]
	url = git@github.com:acme/app.git
	fetch = +refs/heads/*:refs/remotes/origin/*
[branch "main"]
	remote = origin
	merge = refs/heads/main
`
	tests := []struct{ name, config, want string }{
		{"git clone", cloned, "git@github.com:acme/app.git"},
		{"CI checkout with a token", "[remote \"origin\"]\n\turl = https://gitlab-ci-token:glcbt-s3cret@gitlab.com/group/app.git\n", "https://gitlab-ci-token:glcbt-s3cret@gitlab.com/group/app.git"},
		{"other remotes first", "[remote \"upstream\"]\n\turl = https://github.com/upstream/app\n[remote \"origin\"]\n\turl = https://github.com/acme/app\n", "https://github.com/acme/app"},
		{"section name case", "[Remote \"origin\"]\n\tURL = https://github.com/acme/app\n", "https://github.com/acme/app"},
		{"subsection is case-sensitive", "[remote \"Origin\"]\n\turl = https://github.com/acme/app\n", ""},
		{"old syntax", "[remote.origin]\n\turl = https://github.com/acme/app\n", "https://github.com/acme/app"},
		{"quoted with a comment", "[remote \"origin\"]\n\turl = \"https://github.com/acme/app\" ; mirror\n", "https://github.com/acme/app"},
		{"first url wins", "[remote \"origin\"]\n\turl = https://github.com/acme/app\n\turl = https://mirror.example.com/app\n", "https://github.com/acme/app"},
		{"no origin", "[core]\n\tbare = false\n", ""},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		if got := OriginURL([]byte(tt.config)); got != tt.want {
			t.Errorf("%s: OriginURL = %q; want %q", tt.name, got, tt.want)
		}
	}
}

func TestSourceURL(t *testing.T) {
	tests := []struct {
		given   string
		remotes []string
		want    string
	}{
		{"", []string{"", "git@github.com:acme/app.git"}, "https://github.com/acme/app"},
		{"", []string{"https://github.com/acme/app.git", "git@github.com:other/app.git"}, "https://github.com/acme/app"},
		{"", []string{"/srv/git/app.git", "https://user:tok@gitlab.com/g/app.git"}, "https://gitlab.com/g/app"},
		{"https://github.com/acme/public", []string{"git@github.com:acme/app.git"}, "https://github.com/acme/public"},
		{"", []string{"../app.git", ""}, ""},
		{"", nil, ""},
	}
	for _, tt := range tests {
		got, err := SourceURL(tt.given, tt.remotes...)
		if err != nil || got != tt.want {
			t.Errorf("SourceURL(%q, %q) = %q, %v; want %q", tt.given, tt.remotes, got, err, tt.want)
		}
	}
	if _, err := SourceURL("not a url"); !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), "--source-url") {
		t.Errorf("a --source-url that is not a URL: %v", err)
	}
}

// checkouts is a source repository with a working directory that differs
// from every commit, and a tree per tag (fixture.Env.Source), for tests of
// what a command builds.
type checkouts struct {
	e    *fixture.Env
	head *layerbuild.Builder
	revs []Revision
}

func (c *checkouts) Checkout(ctx context.Context, rev Revision) (build.Builder, release.Source, error) {
	c.revs = append(c.revs, rev)
	if rev.Tag != "" {
		b, src, err := c.e.Source(ctx, rev.Tag)
		src.URL = ""
		return b, src, err
	}
	commit := rev.Commit
	if commit == "" {
		sum := sha1.Sum([]byte("HEAD"))
		commit = hex.EncodeToString(sum[:])
	}
	return c.head, release.Source{Commit: commit, Created: now}, nil
}

// workingDirectory is a builder over files that no commit has: building it
// is the mistake these tests catch.
func workingDirectory(e *fixture.Env) *layerbuild.Builder {
	return layerbuild.New(map[string]string{
		"Dockerfile": "FROM " + e.Base + "\nCOPY app/ /app/\nENV UNCOMMITTED=yes\n",
		"app/run":    "uncommitted change\n",
	}, func(context.Context, string, v1.Platform) (v1.Image, error) {
		return nil, errors.New("the working directory was built")
	})
}

func TestReleaseBuildsTheTreeOfTheReleasedCommit(t *testing.T) {
	e := fixture.New(t, regtest.GGCR())
	req := request(e, "default")
	req.Builder = workingDirectory(e)
	c := &checkouts{e: e, head: workingDirectory(e)}
	req.Checkout = c.Checkout
	req.GitTags = []string{"v1.5.0", "v1.6.2"}
	out, err := Release(ctx, req, "1.6.2")
	if err != nil {
		t.Fatal(err)
	}
	_, tagged, _ := e.Source(ctx, "v1.6.2")
	if len(c.revs) != 1 || c.revs[0] != (Revision{Tag: "v1.6.2"}) {
		t.Errorf("checked out %v; want tag v1.6.2", c.revs)
	}
	if req.Builder.(*layerbuild.Builder).Builds() != 0 || c.head.Builds() != 0 {
		t.Errorf("the working directory was built")
	}
	if !strings.Contains(out, "built commit "+tagged.Commit+" (refs/tags/v1.6.2)") {
		t.Errorf("the report does not say which commit was built:\n%s", out)
	}
	idx := e.Index(e.Repo + ":1.6.2")
	im, _ := idx.IndexManifest()
	if im.Annotations[build.AnnotationRevision] != tagged.Commit || im.Annotations[build.AnnotationSource] != "https://github.com/acme/app" {
		t.Errorf("annotations = %v", im.Annotations)
	}
	img, _ := idx.Image(im.Manifests[0].Digest)
	cf, _ := img.ConfigFile()
	if strings.Contains(strings.Join(cf.Config.Env, " "), "UNCOMMITTED") {
		t.Errorf("the image holds the working directory: %v", cf.Config.Env)
	}

	// Plan reads the Dockerfile of the same commit and says so.
	out, err = Plan(ctx, req, "1.6.2", "", "")
	if err != nil || !strings.Contains(out, "would build commit "+tagged.Commit) {
		t.Errorf("plan: %v\n%s", err, out)
	}
}

func TestReleaseOfAnUntaggedVersionBuildsHEAD(t *testing.T) {
	e := fixture.New(t, regtest.GGCR())
	req := request(e, "default")
	c := &checkouts{e: e, head: e.Builder}
	req.Checkout = c.Checkout
	out, err := Release(ctx, req, "0.1.0")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.revs) != 1 || c.revs[0] != (Revision{}) || !strings.Contains(out, "built commit ") {
		t.Errorf("checked out %v:\n%s", c.revs, out)
	}
}

func TestEdgeBuildsTheCommitItRecords(t *testing.T) {
	e := fixture.New(t, regtest.GGCR())
	req := request(e, "default")
	req.Builder = workingDirectory(e)
	c := &checkouts{e: e, head: e.Builder}
	req.Checkout = c.Checkout
	sha := strings.Repeat("ab", 20)
	out, err := Edge(ctx, req, "main", sha)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.revs) != 1 || c.revs[0] != (Revision{Commit: sha}) || !strings.Contains(out, "built commit "+sha) {
		t.Errorf("checked out %v:\n%s", c.revs, out)
	}
	if req.Builder.(*layerbuild.Builder).Builds() != 0 {
		t.Errorf("the working directory was built")
	}
	// Without --sha, HEAD is built and its commit names the tags.
	out, err = Edge(ctx, req, "main", "")
	head := c.revs[len(c.revs)-1]
	if err != nil || head != (Revision{}) || !strings.Contains(out, "edge-sha-") {
		t.Errorf("edge of HEAD: %v %v\n%s", err, head, out)
	}
}

func TestPlanAndCheckNeedNoSourceURL(t *testing.T) {
	e := fixture.New(t, regtest.GGCR())
	tags := []string{"v1.6.2"}
	e.Release(e.Inputs("default"), "v1.6.2", tags)
	req := request(e, "default")
	req.Source.URL = ""
	req.GitTags = tags
	c := &checkouts{e: e, head: e.Builder}
	req.Checkout = c.Checkout
	if out, err := Plan(ctx, req, "1.6.3", "", ""); err != nil {
		t.Errorf("plan without a source URL: %v\n%s", err, out)
	}
	if out, err := Check(ctx, req, RefreshOptions{}); err != nil {
		t.Errorf("check without a source URL: %v\n%s", err, out)
	}
	e.Server.ResetCounts()
	for name, run := range map[string]func() (string, error){
		"release": func() (string, error) { return Release(ctx, req, "1.6.3") },
		"edge":    func() (string, error) { return Edge(ctx, req, "main", "") },
		"refresh": func() (string, error) { return Refresh(ctx, req, RefreshOptions{}) },
	} {
		_, err := run()
		if !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), "--source-url") || !strings.Contains(err.Error(), ".git/config") {
			t.Errorf("%s without a source URL: %v", name, err)
		}
	}
	if n := e.Server.Counts(); n.PutManifest != 0 || n.BlobUpload != 0 {
		t.Errorf("written without a source URL: %s", n)
	}
	dry := req
	dry.DryRun = true
	if _, err := Release(ctx, dry, "1.6.3"); err != nil {
		t.Errorf("release --dry-run without a source URL: %v", err)
	}
}

// A refresh checks out each line's release tag through the same Checkout,
// and records the repository in the same public form a release does.
func TestRefreshRecordsTheRepositoryAsAReleaseDoes(t *testing.T) {
	e := fixture.New(t, regtest.GGCR())
	req := request(e, "default")
	c := &checkouts{e: e, head: workingDirectory(e)}
	req.Checkout = c.Checkout
	req.GitTags = []string{"v1.6.2"}
	if _, err := Release(ctx, req, "1.6.2"); err != nil {
		t.Fatal(err)
	}
	e.PushBase(t, "2")
	if out, err := Refresh(ctx, req, RefreshOptions{}); err != nil {
		t.Fatalf("refresh: %v\n%s", err, out)
	}
	im, _ := e.Index(e.Repo + ":1.6").IndexManifest()
	if got := im.Annotations[build.AnnotationSource]; got != "https://github.com/acme/app" {
		t.Errorf("the refreshed image records the repository as %q", got)
	}
}
