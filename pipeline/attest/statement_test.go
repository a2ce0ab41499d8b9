package attest

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

var testDigest = v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("a", 64)}

func TestNewSBOMStatement(t *testing.T) {
	for _, f := range []Format{SPDXJSON, CycloneDXJSON} {
		t.Run(string(f), func(t *testing.T) {
			sbom := testSBOM(t, f)
			s, err := NewSBOMStatement(sbom, NewSubject("pkg:docker/ghcr.io/acme/app@1.6.0?platform=linux%2Famd64", testDigest))
			if err != nil {
				t.Fatal(err)
			}
			b, err := s.Encode()
			if err != nil {
				t.Fatal(err)
			}
			var got struct {
				Type          string          `json:"_type"`
				PredicateType string          `json:"predicateType"`
				Subject       []Subject       `json:"subject"`
				Predicate     json.RawMessage `json:"predicate"`
			}
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			if got.Type != "https://in-toto.io/Statement/v1" || got.PredicateType != f.PredicateType() {
				t.Errorf("_type %q predicateType %q", got.Type, got.PredicateType)
			}
			if len(got.Subject) != 1 || got.Subject[0].Digest["sha256"] != testDigest.Hex {
				t.Errorf("subject %+v", got.Subject)
			}
			var want bytes.Buffer
			if err := json.Compact(&want, sbom.Document); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Predicate, want.Bytes()) {
				t.Error("predicate is not the SBOM document")
			}
			if !bytes.Contains(b, []byte("<")) && bytes.Contains(sbom.Document, []byte("<")) {
				t.Error("HTML characters were escaped")
			}
		})
	}
}

func TestStatementEncodeIsCanonical(t *testing.T) {
	a := NewSubject("b-name", testDigest)
	b := NewSubject("a-name", v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("b", 64)})
	s1 := Statement{Type: StatementTypeV1, Subject: []Subject{a, b}, PredicateType: PredicateSPDX, Predicate: json.RawMessage("{ \"x\" : 1 }")}
	s2 := Statement{Type: StatementTypeV1, Subject: []Subject{b, a}, PredicateType: PredicateSPDX, Predicate: json.RawMessage(`{"x":1}`)}
	e1, err := s1.Encode()
	if err != nil {
		t.Fatal(err)
	}
	e2, err := s2.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(e1, e2) {
		t.Errorf("equal statements encode differently:\n%s\n%s", e1, e2)
	}
	want := `{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a-name","digest":{"sha256":"` + strings.Repeat("b", 64) + `"}},{"name":"b-name","digest":{"sha256":"` + testDigest.Hex + `"}}],"predicateType":"https://spdx.dev/Document","predicate":{"x":1}}`
	if string(e1) != want {
		t.Errorf("got  %s\nwant %s", e1, want)
	}
	back, err := DecodeStatement(e1)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := back.Encode(); !bytes.Equal(again, e1) {
		t.Error("decode/encode does not round-trip")
	}
	if s1.Subject[0].Name != "b-name" {
		t.Error("Encode reordered the caller's slice")
	}
}

func TestStatementValidate(t *testing.T) {
	ok := func() Statement {
		return Statement{Type: StatementTypeV1, Subject: []Subject{NewSubject("x", testDigest)}, PredicateType: PredicateSPDX, Predicate: json.RawMessage(`{}`)}
	}
	for _, tc := range []struct {
		name   string
		change func(*Statement)
		want   string
	}{
		{"old statement type", func(s *Statement) { s.Type = "https://in-toto.io/Statement/v0.1" }, "_type"},
		{"no subject", func(s *Statement) { s.Subject = nil }, "no subject"},
		{"subject without digest", func(s *Statement) { s.Subject[0].Digest = nil }, "has no digest"},
		{"uppercase digest", func(s *Statement) { s.Subject[0].Digest = DigestSet{"sha256": strings.Repeat("A", 64)} }, "lowercase hex"},
		{"relative predicate type", func(s *Statement) { s.PredicateType = "spdx" }, "not an absolute URI"},
		{"array predicate", func(s *Statement) { s.Predicate = json.RawMessage(`[]`) }, "not a JSON object"},
		{"no predicate", func(s *Statement) { s.Predicate = nil }, "not a JSON object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := ok()
			tc.change(&s)
			_, err := s.Encode()
			if !errors.Is(err, ErrInvalidStatement) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want ErrInvalidStatement saying %q", err, tc.want)
			}
		})
	}
	if _, err := DecodeStatement([]byte("not json")); !errors.Is(err, ErrInvalidStatement) {
		t.Errorf("DecodeStatement: got %v", err)
	}
}

func TestImagePURL(t *testing.T) {
	amd64 := &v1.Platform{OS: "linux", Architecture: "amd64"}
	arm := &v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}
	dgst := "sha256:" + strings.Repeat("d", 64)
	for _, tc := range []struct {
		ref      string
		platform *v1.Platform
		want     string
	}{
		{"debian:bookworm-slim", amd64, "pkg:docker/debian@bookworm-slim?platform=linux%2Famd64"},
		{"docker.io/library/debian:bookworm-slim", nil, "pkg:docker/debian@bookworm-slim"},
		{"index.docker.io/library/alpine", nil, "pkg:docker/alpine@latest"},
		{"bitnami/redis:7", nil, "pkg:docker/bitnami/redis@7"},
		{"ghcr.io/acme/app:1.6.0", arm, "pkg:docker/ghcr.io/acme/app@1.6.0?platform=linux%2Farm64%2Fv8"},
		{"debian:bookworm-slim@" + dgst, amd64, "pkg:docker/debian@bookworm-slim?digest=sha256%3A" + strings.Repeat("d", 64) + "&platform=linux%2Famd64"},
		// A registry with a port cannot be part of the name: the purl spec
		// for docker puts the registry in the repository_url qualifier.
		{"localhost:5000/app:edge-main", nil, "pkg:docker/app@edge-main?repository_url=localhost%3A5000"},
		{"10.0.0.1:5000/acme/app:1.0.0", amd64, "pkg:docker/acme/app@1.0.0?platform=linux%2Famd64&repository_url=10.0.0.1%3A5000"},
		{"localhost:5000/app@" + dgst, nil, "pkg:docker/app?digest=sha256%3A" + strings.Repeat("d", 64) + "&repository_url=localhost%3A5000"},
		{"registry.example:443/team/app:2", arm, "pkg:docker/team/app@2?platform=linux%2Farm64%2Fv8&repository_url=registry.example%3A443"},
	} {
		got, err := ImagePURL(tc.ref, tc.platform)
		if err != nil || got != tc.want {
			t.Errorf("ImagePURL(%q) = %q, %v; want %q", tc.ref, got, err, tc.want)
		}
	}
	for _, bad := range []string{"Debian:12", "debian@sha256:123", ""} {
		if _, err := ImagePURL(bad, nil); err == nil {
			t.Errorf("ImagePURL(%q) succeeded", bad)
		}
	}
}
