package app

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/patchline/patchline/pipeline/internal/testing/fixture"
	"github.com/patchline/patchline/pipeline/internal/testing/regtest"
)

func TestReleaseToTheLocalRegistry(t *testing.T) {
	e := fixture.New(t, regtest.Distribution())
	req := request(e, "stable-line")
	req.Images = nil
	started := 0
	req.StartLocalRegistry = func(context.Context) (string, error) {
		started++
		return e.Server.Host, nil
	}
	out, err := Release(ctx, req, "v0.3.0")
	if err != nil {
		t.Fatal(err)
	}
	// Module code reaches the registry at a service host that only the
	// engine resolves; the report names the repository people reach after
	// `dagger call registry up --ports 5000:5000`.
	inside := e.Server.Host + "/" + LocalRepository
	for _, want := range []string{"release 0.3.0", "published to patchline's local registry as localhost:5000/app", "dagger call registry up --ports 5000:5000", "\nlocalhost:5000/app\n", "0.3.0", "stable", "created"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, inside) {
		t.Errorf("report names the engine-internal repository %s:\n%s", inside, out)
	}
	if started != 1 || e.Digest(inside+":stable") == "" {
		t.Errorf("local registry started %d times; stable = %q", started, e.Digest(inside+":stable"))
	}
	req.Format = "json"
	edge, err := Edge(ctx, req, "main", fixture.Commit)
	if err != nil || !strings.Contains(edge, "edge-main") || !strings.Contains(edge, `"local_registry": "localhost:5000/app"`) ||
		!strings.Contains(edge, `"localhost:5000/app"`) || strings.Contains(edge, inside) {
		t.Errorf("edge: %v\n%s", err, edge)
	}
	// A refresh (here with a line never published) says the same.
	req.Format = ""
	req.GitTags = []string{"v0.2.0", "v0.3.0"}
	out, err = Check(ctx, req, RefreshOptions{SourceFor: e.Source})
	if err != nil || !strings.Contains(out, "no image of 0.2.0 is published in localhost:5000/app") || strings.Contains(out, inside) {
		t.Errorf("check: %v\n%s", err, out)
	}
}

func TestReleaseNeedsAVersion(t *testing.T) {
	e := fixture.New(t, regtest.GGCR())
	if _, err := Release(ctx, request(e, "default"), ""); err == nil || !strings.Contains(err.Error(), "--version") {
		t.Errorf("no version: %v", err)
	}
}

func TestPublicURL(t *testing.T) {
	for in, want := range map[string]string{
		"":                                   "",
		"https://github.com/acme/app":        "https://github.com/acme/app",
		"https://github.com/acme/app.git":    "https://github.com/acme/app",
		"git@github.com:acme/app.git":        "https://github.com/acme/app",
		"ssh://git@gitlab.com/group/app.git": "https://gitlab.com/group/app",
		"https://x-access-token:ghs_abc@github.com/acme/app":                                   "https://github.com/acme/app",
		"github.com:acme/app.git":                                                              "https://github.com/acme/app",
		"ssh://git@git.example.com:2222/team/app.git":                                          "https://git.example.com/team/app",
		"git://git.example.com/app.git":                                                        "https://git.example.com/app",
		"https://gitlab-ci-token:glcbt-secret@gitlab.com/group/app.git?private_token=t0k#frag": "https://gitlab.com/group/app",
		"https://github.com/acme/app/":                                                         "https://github.com/acme/app",
	} {
		got, err := PublicURL(in)
		if err != nil || got != want {
			t.Errorf("PublicURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	_, err := PublicURL("https://user:tok3n@/nohost")
	if err == nil || strings.Contains(err.Error(), "tok3n") {
		t.Errorf("bad URL: %v", err)
	}
}

func TestParseDockerConfig(t *testing.T) {
	auth := base64.StdEncoding.EncodeToString([]byte("robot:p4ss"))
	got, err := ParseDockerConfig(`{"auths":{"https://index.docker.io/v1/":{"auth":"` + auth + `"},"ghcr.io":{"username":"u","password":"p"}}}`)
	if err != nil {
		t.Fatal(err)
	}
	if got["index.docker.io"] != [2]string{"robot", "p4ss"} || got["ghcr.io"] != [2]string{"u", "p"} {
		t.Errorf("parsed %v", got)
	}
	for _, bad := range []struct{ in, want string }{
		{`{"credsStore":"desktop"}`, `"desktop" helper`},
		{`{"auths":{}}`, "no \"auths\""},
		{`{"auths":{"ghcr.io":{"auth":"!!!"}}}`, "not base64"},
		{`{"auths":{"ghcr.io":{}}}`, "no credentials"},
		{`{"auths": "p4ssw0rd-in-a-broken-file"`, "not JSON"},
	} {
		_, err := ParseDockerConfig(bad.in)
		if err == nil || !strings.Contains(err.Error(), bad.want) || strings.Contains(err.Error(), "p4ssw0rd") {
			t.Errorf("ParseDockerConfig(%s) = %v; want %q without the content", bad.in, err, bad.want)
		}
	}
}

func TestMissingOrWrongCredentialsExplained(t *testing.T) {
	e := fixture.New(t, regtest.GGCR(), regtest.WithBasicAuth("robot", "right-token"))
	_, err := Release(ctx, request(e, "default"), "1.0.0")
	if err == nil || !strings.Contains(err.Error(), "pass --username and --password") {
		t.Errorf("no credentials: %v", err)
	}
	req := request(e, "default")
	req.Username, req.Password = "robot", "wrong-token"
	_, err = Release(ctx, req, "1.0.0")
	if err == nil || !strings.Contains(err.Error(), "refused the credentials") || strings.Contains(err.Error(), "wrong-token") {
		t.Errorf("wrong credentials: %v", err)
	}
	if c := e.Server.Counts(); c.PutManifest != 0 || c.BlobUpload != 0 {
		t.Errorf("wrote without credentials: %s", c)
	}
}

func TestDockerConfigCredentials(t *testing.T) {
	e := fixture.New(t, regtest.GGCR(), regtest.WithBasicAuth("robot", "cfg-token"))
	req := request(e, "default")
	auth := base64.StdEncoding.EncodeToString([]byte("robot:cfg-token"))
	req.DockerConfig = `{"auths":{"` + e.Server.Host + `":{"auth":"` + auth + `"}}}`
	out, err := Release(ctx, req, "1.0.0")
	if err != nil || e.Digest(e.Repo+":1.0.0") == "" {
		t.Fatalf("release with a docker config: %v\n%s", err, out)
	}
	if strings.Contains(out, "cfg-token") {
		t.Errorf("the report contains the token")
	}
}

// --username and --password win over a docker config's login for the same
// registry (a config kept for private bases may log in there too), and a
// config that logs in to Docker Hub under both of its names once is one
// login; two different ones are refused, naming both entries.
func TestDockerConfigAlongsideTheArguments(t *testing.T) {
	e := fixture.New(t, regtest.GGCR(), regtest.WithBasicAuth("robot", "arg-token"))
	req := request(e, "default")
	req.Username, req.Password = "robot", "arg-token"
	stale := base64.StdEncoding.EncodeToString([]byte("robot:expired-token"))
	hub := base64.StdEncoding.EncodeToString([]byte("me:hub-token"))
	req.DockerConfig = `{"auths":{"` + e.Server.Host + `":{"auth":"` + stale + `"},` +
		`"docker.io":{"auth":"` + hub + `"},"https://index.docker.io/v1/":{"auth":"` + hub + `"}}}`
	if out, err := Release(ctx, req, "1.0.0"); err != nil || e.Digest(e.Repo+":1.0.0") == "" {
		t.Fatalf("release with --password and a docker config for the same registry: %v\n%s", err, out)
	}
	other := base64.StdEncoding.EncodeToString([]byte("me:other-token"))
	req.DockerConfig = `{"auths":{"docker.io":{"auth":"` + hub + `"},"https://index.docker.io/v1/":{"auth":"` + other + `"}}}`
	e.Server.ResetCounts()
	_, err := Release(ctx, req, "1.0.1")
	if !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), "two different logins for index.docker.io") || strings.Contains(err.Error(), "other-token") {
		t.Errorf("two logins for Docker Hub: %v", err)
	}
	if c := e.Server.Counts(); c.PutManifest != 0 || c.BlobUpload != 0 {
		t.Errorf("a refused docker config wrote: %s", c)
	}
}

// edge and plan agree on an edge build without a branch: both accept it
// and name edge-sha-<sha7> alone.
func TestEdgeAndPlanAgreeWithoutABranch(t *testing.T) {
	e := fixture.New(t, regtest.GGCR())
	req := request(e, "default")
	req.Format = "json"
	planned, err := Plan(ctx, req, "", "", fixture.Commit)
	if err != nil {
		t.Fatalf("plan --sha: %v", err)
	}
	built, err := Edge(ctx, req, "", fixture.Commit)
	if err != nil {
		t.Fatalf("edge --sha: %v", err)
	}
	want := `"edge-sha-` + fixture.Commit[:7] + `"`
	for name, out := range map[string]string{"plan": planned, "edge": built} {
		if !strings.Contains(out, want) || !strings.Contains(out, "no --branch given") {
			t.Errorf("%s does not publish %s alone:\n%s", name, want, out)
		}
	}
}
