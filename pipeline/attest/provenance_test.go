package attest

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

func hash(c string) v1.Hash { return v1.Hash{Algorithm: "sha256", Hex: strings.Repeat(c, 64)} }

// provenanceInput is a complete release of ghcr.io/acme/app 1.6.0 for
// linux/amd64.
func provenanceInput() ProvenanceInput {
	return ProvenanceInput{
		Subjects: []Subject{
			NewSubject("pkg:docker/ghcr.io/acme/app@1.6.0?platform=linux%2Famd64", hash("1")),
			NewSubject("pkg:docker/ghcr.io/acme/app@1.6?platform=linux%2Famd64", hash("1")),
		},
		Request: Request{
			Kind:       KindRelease,
			Version:    "1.6.0",
			Source:     SourceRequest{URI: "https://github.com/acme/app", Ref: "refs/tags/v1.6.0"},
			Dockerfile: "build/Dockerfile",
			Target:     "runtime",
			Platform:   "linux/amd64",
			BuildArgs:  map[string]string{"GO_VERSION": "1.26", "BASE_IMAGE": "debian:bookworm-slim", "GPG_PUBLIC_KEY": "0xABCDEF"},
		},
		Internal:     InternalParameters{Strategy: "build", EngineVersion: "v0.21.8"},
		SourceCommit: strings.Repeat("5", 40),
		BaseImages: []Image{
			{Ref: "golang:1.26-bookworm", Digest: hash("3")}, // the index: no platform
			{Ref: "debian:bookworm-slim", Digest: hash("2"), Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}},
			{Ref: "golang:1.26-bookworm", Digest: hash("3")}, // a second stage from the same base
		},
		PatchlineVersion: "0.4.0",
		Tools:            []Image{{Ref: "anchore/syft:v1.18.1", Digest: hash("4")}},
		InvocationID:     "https://github.com/acme/app/actions/runs/123456789/attempts/1",
		StartedOn:        time.Date(2026, 2, 4, 10, 0, 0, 0, time.UTC),
		FinishedOn:       time.Date(2026, 2, 4, 11, 12, 13, 500_000_000, time.FixedZone("CET", 3600)),
	}
}

func TestProvenanceGolden(t *testing.T) {
	s, err := NewProvenance(provenanceInput())
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Encode()
	if err != nil {
		t.Fatal(err)
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, got, "", "  "); err != nil {
		t.Fatal(err)
	}
	pretty.WriteByte('\n')
	golden := filepath.Join("testdata", "provenance.golden.json")
	if *update {
		if err := os.WriteFile(golden, pretty.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -run TestProvenanceGolden -update to create it)", err)
	}
	if !bytes.Equal(pretty.Bytes(), want) {
		t.Errorf("provenance differs from %s (rerun with -update if the change is intended):\n%s", golden, pretty.Bytes())
	}
}

func TestProvenanceFields(t *testing.T) {
	s, err := NewProvenance(provenanceInput())
	if err != nil {
		t.Fatal(err)
	}
	if s.Type != StatementTypeV1 || s.PredicateType != "https://slsa.dev/provenance/v1" {
		t.Errorf("_type %q predicateType %q", s.Type, s.PredicateType)
	}
	if len(s.Subject) != 2 || s.Subject[0].Name > s.Subject[1].Name {
		t.Errorf("subjects not sorted: %+v", s.Subject)
	}
	var p ProvenancePredicate
	if err := json.Unmarshal(s.Predicate, &p); err != nil {
		t.Fatal(err)
	}
	bd := p.BuildDefinition
	if bd.BuildType != "https://github.com/patchline/patchline/buildtypes/dockerfile/v1" {
		t.Errorf("buildType %q", bd.BuildType)
	}
	if !reflect.DeepEqual(bd.ExternalParameters, provenanceInput().Request) {
		t.Errorf("externalParameters %+v", bd.ExternalParameters)
	}
	if bd.InternalParameters == nil || bd.InternalParameters.EngineVersion != "v0.21.8" {
		t.Errorf("internalParameters %+v", bd.InternalParameters)
	}
	wantDeps := []ResourceDescriptor{
		{URI: "git+https://github.com/acme/app@refs/tags/v1.6.0", Digest: DigestSet{"gitCommit": strings.Repeat("5", 40)}},
		{URI: "pkg:docker/debian@bookworm-slim?platform=linux%2Famd64", Digest: DigestSet{"sha256": hash("2").Hex}},
		{URI: "pkg:docker/golang@1.26-bookworm", Digest: DigestSet{"sha256": hash("3").Hex}},
	}
	if !reflect.DeepEqual(bd.ResolvedDependencies, wantDeps) {
		t.Errorf("resolvedDependencies\n got %+v\nwant %+v", bd.ResolvedDependencies, wantDeps)
	}
	rd := p.RunDetails
	if rd.Builder.ID != "https://github.com/patchline/patchline@0.4.0" || rd.Builder.Version["patchline"] != "0.4.0" {
		t.Errorf("builder %+v", rd.Builder)
	}
	if len(rd.Builder.BuilderDependencies) != 1 || rd.Builder.BuilderDependencies[0].URI != "pkg:docker/anchore/syft@v1.18.1" {
		t.Errorf("builderDependencies %+v", rd.Builder.BuilderDependencies)
	}
	want := BuildMetadata{
		InvocationID: "https://github.com/acme/app/actions/runs/123456789/attempts/1",
		StartedOn:    "2026-02-04T10:00:00Z",
		FinishedOn:   "2026-02-04T10:12:13.5Z",
	}
	if rd.Metadata != want {
		t.Errorf("metadata %+v, want %+v", rd.Metadata, want)
	}
}

func TestProvenanceIsDeterministic(t *testing.T) {
	first, err := NewProvenance(provenanceInput())
	if err != nil {
		t.Fatal(err)
	}
	want, err := first.Encode()
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 20; i++ {
		in := provenanceInput()
		// Same facts, other order: slices reversed, map rebuilt.
		for l, r := 0, len(in.BaseImages)-1; l < r; l, r = l+1, r-1 {
			in.BaseImages[l], in.BaseImages[r] = in.BaseImages[r], in.BaseImages[l]
		}
		in.Subjects[0], in.Subjects[1] = in.Subjects[1], in.Subjects[0]
		args := map[string]string{}
		for k, v := range in.Request.BuildArgs {
			args[k] = v
		}
		in.Request.BuildArgs = args
		in.FinishedOn = in.FinishedOn.UTC()
		s, err := NewProvenance(in)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Encode()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("run %d differs:\n%s\n%s", i, got, want)
		}
	}
}

func TestProvenanceOptionalParts(t *testing.T) {
	in := provenanceInput()
	in.Request.Kind, in.Request.Version, in.Request.Target = KindEdge, "", ""
	in.Request.BuildArgs = map[string]string{}
	in.Internal, in.Tools = InternalParameters{}, nil
	s, err := NewProvenance(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, absent := range []string{"internalParameters", "buildArgs", "builderDependencies", `"target"`, `"version":""`} {
		if bytes.Contains(s.Predicate, []byte(absent)) {
			t.Errorf("predicate has %s: %s", absent, s.Predicate)
		}
	}
}

func TestProvenanceRefusesIncompleteInput(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*ProvenanceInput)
		want   string
	}{
		{"no subjects", func(in *ProvenanceInput) { in.Subjects = nil }, "no subjects"},
		{"subject without sha256", func(in *ProvenanceInput) { in.Subjects[0].Digest = DigestSet{"sha1": strings.Repeat("a", 40)} }, "no sha256 digest"},
		{"unknown kind", func(in *ProvenanceInput) { in.Request.Kind = "nightly" }, `kind "nightly"`},
		{"release without version", func(in *ProvenanceInput) { in.Request.Version = "" }, "needs the version"},
		{"relative source", func(in *ProvenanceInput) { in.Request.Source.URI = "github.com/acme/app" }, "not an absolute URL"},
		{"source with query", func(in *ProvenanceInput) { in.Request.Source.URI = "https://github.com/acme/app?x=1" }, "query or fragment"},
		{"no ref", func(in *ProvenanceInput) { in.Request.Source.Ref = "" }, "source ref is empty"},
		{"short commit", func(in *ProvenanceInput) { in.SourceCommit = "abc1234" }, "not a full lowercase git hash"},
		{"dockerfile outside source", func(in *ProvenanceInput) { in.Request.Dockerfile = "../Dockerfile" }, "inside the source"},
		{"no platform", func(in *ProvenanceInput) { in.Request.Platform = "" }, "not os/arch"},
		{"bad strategy", func(in *ProvenanceInput) { in.Internal.Strategy = "magic" }, `strategy "magic"`},
		{"base without digest", func(in *ProvenanceInput) { in.BaseImages[0].Digest = v1.Hash{} }, "no sha256 digest"},
		{"bad base ref", func(in *ProvenanceInput) { in.BaseImages[0].Ref = "Debian:12" }, `"Debian:12"`},
		{"no patchline version", func(in *ProvenanceInput) { in.PatchlineVersion = "" }, "patchline version"},
		{"no invocation", func(in *ProvenanceInput) { in.InvocationID = "" }, "invocation id"},
		{"no start", func(in *ProvenanceInput) { in.StartedOn = time.Time{} }, "never read from the clock"},
		{"finish before start", func(in *ProvenanceInput) { in.FinishedOn = in.StartedOn.Add(-time.Second) }, "before it started"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := provenanceInput()
			tc.change(&in)
			_, err := NewProvenance(in)
			if !errors.Is(err, ErrInvalidProvenance) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want ErrInvalidProvenance saying %q", err, tc.want)
			}
		})
	}
}

// The registry password is given to the registry client (another part of
// the system); a statement built from inputs that carry the registry user
// name everywhere a name can go must still never contain the password.
func TestProvenanceNeverContainsRegistryPassword(t *testing.T) {
	const user, password = "octocat", "ghp_Xq3s9TzR7vLm2KpW8nYc4JdB6fHa1GeU0oIi"
	in := provenanceInput()
	for i := range in.Subjects {
		in.Subjects[i].Name = strings.ReplaceAll(in.Subjects[i].Name, "acme", user)
	}
	in.Request.Source.URI = "https://github.com/" + user + "/app"
	in.Request.BuildArgs["REGISTRY_USER"] = user
	in.BaseImages = append(in.BaseImages, Image{Ref: "ghcr.io/" + user + "/base:1", Digest: hash("6")})
	in.InvocationID = "https://github.com/" + user + "/app/actions/runs/1"
	s, err := NewProvenance(in)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(user)) {
		t.Fatal("test is vacuous: the user name is nowhere in the statement")
	}
	if bytes.Contains(b, []byte(password)) {
		t.Fatal("the registry password is in the provenance")
	}

	// The password cannot be smuggled in through any string input either:
	// every place that could take it refuses, without echoing it.
	for _, tc := range []struct {
		name   string
		change func(*ProvenanceInput)
	}{
		{"https userinfo", func(in *ProvenanceInput) {
			in.Request.Source.URI = "https://" + user + ":" + password + "@github.com/acme/app"
		}},
		{"token as user", func(in *ProvenanceInput) { in.Request.Source.URI = "https://" + password + "@github.com/acme/app" }},
		{"ssh with password", func(in *ProvenanceInput) { in.Request.Source.URI = "ssh://git:" + password + "@github.com/acme/app" }},
		{"password build arg", func(in *ProvenanceInput) { in.Request.BuildArgs["REGISTRY_PASSWORD"] = password }},
		{"token build arg", func(in *ProvenanceInput) { in.Request.BuildArgs["github_token"] = password }},
		{"api key build arg", func(in *ProvenanceInput) { in.Request.BuildArgs["NPM_API_KEY"] = password }},
		{"auth build arg", func(in *ProvenanceInput) { in.Request.BuildArgs["AUTH"] = password }},
		{"url with password", func(in *ProvenanceInput) {
			in.Request.BuildArgs["GOPROXY"] = "https://" + user + ":" + password + "@proxy.example"
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := provenanceInput()
			tc.change(&in)
			_, err := NewProvenance(in)
			if !errors.Is(err, ErrCredentialInInput) {
				t.Fatalf("got %v, want ErrCredentialInInput", err)
			}
			if strings.Contains(err.Error(), password) {
				t.Errorf("error echoes the password: %v", err)
			}
		})
	}

	// An ssh user name is not a secret.
	in = provenanceInput()
	in.Request.Source.URI = "ssh://git@github.com/acme/app"
	if _, err := NewProvenance(in); err != nil {
		t.Errorf("ssh://git@ refused: %v", err)
	}
}

// The input types have no field that can carry a credential: no field is
// named like one, and none has an authentication type.
func TestProvenanceInputHasNoCredentialField(t *testing.T) {
	credential := regexp.MustCompile(`(?i)pass|secret|token|auth|credential|keychain|cookie|bearer`)
	seen := map[reflect.Type]bool{}
	var walk func(path string, typ reflect.Type)
	walk = func(path string, typ reflect.Type) {
		for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice || typ.Kind() == reflect.Map {
			typ = typ.Elem()
		}
		if typ.Kind() != reflect.Struct || seen[typ] {
			return
		}
		seen[typ] = true
		if strings.Contains(typ.PkgPath(), "authn") || strings.Contains(typ.PkgPath(), "dagger") {
			t.Errorf("%s has type %s", path, typ)
		}
		for i := 0; i < typ.NumField(); i++ {
			f := typ.Field(i)
			if credential.MatchString(f.Name) {
				t.Errorf("%s.%s looks like a credential field", path, f.Name)
			}
			walk(path+"."+f.Name, f.Type)
		}
	}
	walk("ProvenanceInput", reflect.TypeOf(ProvenanceInput{}))
	if !seen[reflect.TypeOf(Request{})] {
		t.Error("walk did not reach Request")
	}
}
