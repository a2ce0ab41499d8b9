package app

import (
	"strings"
	"testing"
	"time"

	"github.com/patchline/patchline/pipeline/attest"
	"github.com/patchline/patchline/pipeline/internal/testing/fixture"
	"github.com/patchline/patchline/pipeline/internal/testing/regtest"
	"github.com/patchline/patchline/pipeline/registry"
)

// noRequests fails when the server received any request at all: a
// refused argument must be refused before the registry is asked anything.
func noRequests(t *testing.T, e *fixture.Env) {
	t.Helper()
	if n := e.Server.Counts(); n.Total() != 0 {
		t.Errorf("the registry was reached: %s", n)
	}
}

// A username with ':' cannot travel in Basic auth; it is refused with the
// fix before any request, not answered by a puzzling 401.
func TestUsernameWithColonRefused(t *testing.T) {
	e := fixture.New(t, regtest.GGCR(), regtest.WithBasicAuth("org:robot", "tok"))
	req := request(e, "default")
	req.Username, req.Password = "org:robot", "tok-Zq9"
	_, err := Release(ctx, req, "1.0.0")
	if err == nil || !strings.Contains(err.Error(), "--username") || !strings.Contains(err.Error(), `":"`) {
		t.Fatalf("err = %v, want --username refused for its ':'", err)
	}
	if strings.Contains(err.Error(), "Zq9") {
		t.Errorf("the error shows the password: %v", err)
	}
	noRequests(t, e)
}

// A token in the query or fragment of --source-url is neither printed nor
// recorded: the URL is kept without them, in the report, the annotations
// and the provenance, and an unusable URL is refused without them too.
func TestSourceURLTokensNeverShown(t *testing.T) {
	for _, u := range []string{
		"https://github.com/acme/app?access_token=Zq9SECRET",
		"https://github.com/acme/app.git#Zq9SECRET",
		"https://ci:Zq9SECRET@github.com/acme/app?x=Zq9SECRET#Zq9SECRET",
	} {
		t.Run(u, func(t *testing.T) {
			e := fixture.New(t, regtest.GGCR())
			req := request(e, "default")
			req.Source.URL = u
			req.InvocationID = "https://ci.example.com/runs/7?token=Zq9SECRET"
			out, err := Release(ctx, req, "1.0.0")
			if err != nil {
				if strings.Contains(err.Error(), "Zq9SECRET") {
					t.Fatalf("the error shows the token: %v", err)
				}
				t.Fatal(err)
			}
			if strings.Contains(out, "Zq9SECRET") {
				t.Errorf("the report shows the token:\n%s", out)
			}
			im, _ := e.Index(e.Repo + ":1.0.0").IndexManifest()
			if got := im.Annotations["org.opencontainers.image.source"]; got != "https://github.com/acme/app" {
				t.Errorf("source annotation = %q", got)
			}
			for _, stmts := range provenanceOf(t, e, e.Repo+":1.0.0") {
				if strings.Contains(stmts, "Zq9SECRET") {
					t.Errorf("the provenance records the token")
				}
			}
		})
	}
	for _, bad := range []string{"not a url?access_token=Zq9SECRET", "https://user:Zq9SECRET@/nohost#Zq9SECRET", "::?token=Zq9SECRET"} {
		e := fixture.New(t, regtest.GGCR())
		req := request(e, "default")
		req.Source.URL = bad
		_, err := Release(ctx, req, "1.0.0")
		if err == nil || strings.Contains(err.Error(), "Zq9SECRET") {
			t.Errorf("%q: err = %v, want a refusal without the token", bad, err)
		}
		noRequests(t, e)
	}
}

// provenanceOf returns the predicates of every in-index attestation of the
// image at ref, as text.
func provenanceOf(t *testing.T, e *fixture.Env, ref string) []string {
	t.Helper()
	atts, err := attest.ReadIndexAttestations(e.Index(ref))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, stmts := range atts {
		for _, st := range stmts {
			out = append(out, string(st.Predicate))
		}
	}
	if len(out) == 0 {
		t.Fatal("no attestations")
	}
	return out
}

// hostileRepositories are repository names that must never reach a
// registry, each with what the refusal must say.
var hostileRepositories = []struct{ name, want string }{
	{"host//app", "empty path component"},
	{"ghcr.io//app", "empty path component"},
	{"ghcr.io/acme/app/", "empty path component"},
	{"../x", "empty name part"},
	{"ghcr.io/../x", "path component \"..\""},
	{"http://ghcr.io/acme/app", "drop the scheme"},
	{"-x.io/app", "host"},
	{"127.0.0.1:99999/app", "port 99999"},
	{"ghcr.io:/app", "port"},
	{"GHCR.io/acme/app", "lower case"},
	{"ghcr.io/Acme/app", "lower case"},
	{"acme/app", "docker.io/acme/app"},
	{"ghcr.io/acme/-app", "path component"},
	{"ghcr.io/acme/app:1.0", "has a tag"},
	{"ghcr.io/acme/app@sha256:" + strings.Repeat("a", 64), "has a digest"},
	{"ghcr.io/ac me/app", "space"},
	{"ghcr.io/" + strings.Repeat("a", 300), "255"},
}

// Every hostile repository name is refused, as --image and in a policy,
// with the fix, before any request to any registry.
func TestHostileRepositoryNamesRefused(t *testing.T) {
	for _, tc := range hostileRepositories {
		t.Run(tc.name, func(t *testing.T) {
			e := fixture.New(t, regtest.GGCR())
			e.Server.ResetCounts()
			req := request(e, "default")
			req.Images = []string{tc.name}
			_, err := Release(ctx, req, "1.0.0")
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "--image") {
				t.Errorf("--image %s: err = %v, want it to say %q", tc.name, err, tc.want)
			}
			noRequests(t, e)

			pol := "version: 1\nrepositories: [" + strconvQuote(tc.name) + "]\n"
			out, err := CheckPolicy(PolicySource{File: "p.yaml", Read: files(map[string]string{"p.yaml": pol})}, "")
			if err == nil || !strings.Contains(out, tc.want) || !strings.Contains(out, "p.yaml:2:") {
				t.Errorf("policy repositories: %v\n%s", err, out)
			}
		})
	}
}

func strconvQuote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }

// The same platform twice would publish an index with two identical
// entries; it is refused as an argument as the policy loader refuses it,
// also when spelt two ways (arm64 is arm64/v8).
func TestDuplicatePlatformRefused(t *testing.T) {
	for _, ps := range [][]string{
		{"linux/amd64", "linux/amd64"},
		{"linux/arm64", "linux/amd64", "linux/arm64/v8"},
	} {
		e := fixture.New(t, regtest.GGCR())
		e.Server.ResetCounts()
		req := request(e, "default")
		req.Platforms = ps
		_, err := Release(ctx, req, "1.0.0")
		if err == nil || !strings.Contains(err.Error(), "--platform") || !strings.Contains(err.Error(), "twice") {
			t.Errorf("%v: err = %v, want the duplicate refused", ps, err)
		}
		noRequests(t, e)
	}
	pol := "version: 1\nplatforms: [linux/arm64, linux/arm64/v8]\n"
	if _, err := LoadPolicy(PolicySource{File: "p.yaml", Read: files(map[string]string{"p.yaml": pol})}); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("policy: %v", err)
	}
}

// maxMessage is the longest error a hostile value may produce: every
// value a message echoes is cut to a readable length, and a file lists
// at most strictyaml.MaxProblems problems.
const maxMessage = 8 << 10

// A huge value in any argument or policy field gives a short error, not
// one that repeats the value.
func TestHugeValuesGiveShortErrors(t *testing.T) {
	huge := strings.Repeat("x", 5<<20)
	constraint := strings.TrimSuffix(strings.Repeat(">= 1.0.0, ", 5000), ", ")
	e := fixture.New(t, regtest.GGCR())
	check := func(what string, err error) {
		t.Helper()
		if err == nil {
			t.Errorf("%s: no error", what)
			return
		}
		if n := len(err.Error()); n > maxMessage {
			t.Errorf("%s: a %d-byte message: %.200s", what, n, err)
		}
	}
	args := map[string]func(*BuildRequest, *string){
		"version":      func(r *BuildRequest, v *string) { *v = huge },
		"--image":      func(r *BuildRequest, _ *string) { r.Images = []string{"ghcr.io/" + huge} },
		"--platform":   func(r *BuildRequest, _ *string) { r.Platforms = []string{"linux/" + huge} },
		"--build-arg":  func(r *BuildRequest, _ *string) { r.BuildArgs = []string{huge} },
		"--date":       func(r *BuildRequest, _ *string) { r.Date = huge },
		"--format":     func(r *BuildRequest, _ *string) { r.Format = huge },
		"--policy":     func(r *BuildRequest, _ *string) { r.Policy = PolicySource{File: huge, Read: files(nil)} },
		"--preset":     func(r *BuildRequest, _ *string) { r.Policy = PolicySource{Preset: huge} },
		"--username":   func(r *BuildRequest, _ *string) { r.Username, r.Password = huge+":", "p" },
		"--source-url": func(r *BuildRequest, _ *string) { r.Source.URL = huge },
		"commit":       func(r *BuildRequest, _ *string) { r.Source.Commit = huge },
		"--dockerfile": func(r *BuildRequest, _ *string) { r.Dockerfile = huge },
		"--target":     func(r *BuildRequest, _ *string) { r.Target = huge },
		"docker config": func(r *BuildRequest, _ *string) {
			r.DockerConfig = `{"auths":{"` + huge + `":{}}}`
		},
	}
	for what, set := range args {
		e := fixture.New(t, regtest.GGCR())
		req := request(e, "default")
		version := "1.0.0"
		set(&req, &version)
		_, err := Release(ctx, req, version)
		check(what, err)
	}
	req := request(e, "default")
	_, err := Edge(ctx, req, "feature/"+huge+"/x..y", fixture.Commit)
	check("--branch", err)
	_, err = Edge(ctx, req, "main", huge)
	check("--sha", err)
	_, err = Rollback(ctx, req, huge, "1.0.0")
	check("--line", err)
	_, err = Rollback(ctx, req, "1.0", huge)
	check("--to", err)

	for what, pol := range map[string]string{
		"scalar":         "version: 1\ntags:\n  exact: \"" + huge + "\"\n",
		"key":            "version: 1\n" + huge + ": 1\n",
		"repository":     "version: 1\nrepositories: [\"" + huge + "\"]\n",
		"date":           "version: 1\nsupport:\n  eol:\n    \"1.0\": " + huge + "\n",
		"number":         "version: 1\nsupport:\n  newest_lines: " + huge + "\n",
		"bad constraint": "version: 1\nsupport:\n  constraint: \"" + constraint + ", ~~\"\n",
		"many problems":  "version: 1\n" + strings.Repeat("unknown_key_that_repeats: 1\n", 20000),
	} {
		p := PolicySource{File: "p.yaml", Read: files(map[string]string{"p.yaml": pol})}
		_, err := LoadPolicy(p)
		check("policy "+what, err)
		out, err := CheckPolicy(p, "")
		check("check-policy "+what, err)
		if len(out) > maxMessage {
			t.Errorf("check-policy %s: a %d-byte report", what, len(out))
		}
	}

}

// A registry that never answers, answers a byte at a time or redirects in
// a loop ends release, plan and check within the request's deadlines,
// with an error that names the registry and the step, and writes nothing.
func TestMisbehavingRegistryEndsTheRun(t *testing.T) {
	short := registry.Timeouts{Attempt: 200 * time.Millisecond, Call: 1200 * time.Millisecond}
	headOrGet := func(check bool) registry.Kind {
		if check {
			return registry.KindGetManifest // check reads what each line recorded
		}
		return registry.KindHeadManifest
	}
	for _, tc := range []struct {
		name  string
		fault func(check bool) regtest.Fault
		step  func(check bool) string
	}{
		{"ping hangs",
			func(bool) regtest.Fault { return regtest.Timeout(regtest.Route("GET", `^/v2/$`)) },
			func(bool) string { return "GET /v2/ (the registry ping) within 200ms" }},
		{"manifest request hangs",
			func(c bool) regtest.Fault { return regtest.Timeout(regtest.OfKind(headOrGet(c))) },
			func(c bool) string { return "(" + headOrGet(c).String() + ") within 200ms" }},
		{"manifest request drips",
			func(c bool) regtest.Fault {
				return regtest.Fault{Match: regtest.OfKind(headOrGet(c)), Times: -1, Drip: 5 * time.Millisecond}
			},
			func(c bool) string { return "(" + headOrGet(c).String() + ") within 200ms" }},
		{"manifest request redirects",
			func(c bool) regtest.Fault {
				return regtest.Fault{Match: regtest.OfKind(headOrGet(c)), Times: -1, Redirect: true}
			},
			func(c bool) string { return "more than 10 times" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			runs := map[string]func(req BuildRequest) error{
				"release": func(req BuildRequest) error { _, err := Release(ctx, req, "1.6.1"); return err },
				"plan":    func(req BuildRequest) error { _, err := Plan(ctx, req, "1.6.1", "", ""); return err },
				"check":   func(req BuildRequest) error { _, err := Check(ctx, req, RefreshOptions{}); return err },
			}
			for name, run := range runs {
				e := fixture.New(t, regtest.GGCR())
				req := request(e, "weekly-refresh")
				req.Timeouts = short
				if name == "check" {
					e.Release(e.Inputs("weekly-refresh"), "v1.6.0", nil)
					req.GitTags = []string{"v1.6.0"}
				}
				e.Server.ResetCounts()
				e.Server.Inject(tc.fault(name == "check"))
				err := run(req)
				if err == nil {
					t.Errorf("%s: no error", name)
					continue
				}
				for _, want := range []string{"registry " + e.Server.Host, tc.step(name == "check")} {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("%s: the error does not say %q: %v", name, want, err)
					}
				}
				if c := e.Server.Counts(); c.PutManifest != 0 || c.BlobUpload != 0 {
					t.Errorf("%s: wrote to a misbehaving registry: %s", name, c)
				}
			}
		})
	}
}
