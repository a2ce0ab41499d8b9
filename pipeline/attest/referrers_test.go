package attest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/patchline/patchline/pipeline/registry"
)

// fixture is a pushed two-platform index and a Referrers for its registry.
type fixture struct {
	repo  name.Repository
	index v1.Descriptor
	plats []v1.Descriptor
	refs  *Referrers
}

func newFixture(t *testing.T, kind registryKind, wrap func(http.Handler) http.Handler, opts ...func(host string) registry.Option) fixture {
	t.Helper()
	repo := newRegistry(t, kind, wrap).Repo("acme", "app")
	var ropts []registry.Option
	for _, o := range opts {
		ropts = append(ropts, o(repo.RegistryStr()))
	}
	idx := multiPlatformIndex(t, types.OCIImageIndex)
	ref := pushIndex(t, repo, idx)
	desc, err := remote.Head(ref)
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewReferrers(newClient(t, ropts...))
	if err != nil {
		t.Fatal(err)
	}
	return fixture{repo: repo, index: *desc, plats: platformDescriptors(t, idx), refs: r}
}

// artifacts returns the three documents patchline attaches to a platform
// image: SPDX, CycloneDX and SLSA provenance.
func artifacts(t *testing.T, sub Subject) []Artifact {
	t.Helper()
	spdx, err := SBOMArtifact(testSBOM(t, SPDXJSON))
	if err != nil {
		t.Fatal(err)
	}
	cdx, err := SBOMArtifact(testSBOM(t, CycloneDXJSON))
	if err != nil {
		t.Fatal(err)
	}
	in := provenanceInput()
	in.Subjects = []Subject{sub}
	prov, err := NewProvenance(in)
	if err != nil {
		t.Fatal(err)
	}
	provArt, err := StatementArtifact(prov)
	if err != nil {
		t.Fatal(err)
	}
	return []Artifact{spdx, cdx, provArt}
}

func (f fixture) attach(t *testing.T, subject v1.Descriptor, art Artifact, at time.Time) Attached {
	t.Helper()
	res, err := f.refs.Attach(context.Background(), f.repo, subject, art, at)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func (f fixture) list(t *testing.T, subject v1.Hash, artifactType string) []v1.Descriptor {
	t.Helper()
	ds, err := f.refs.List(context.Background(), f.repo, subject, artifactType)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// fallbackEntries reads the fallback tag directly; nil when it is absent.
func (f fixture) fallbackEntries(t *testing.T, subject v1.Hash) []v1.Descriptor {
	t.Helper()
	desc, err := remote.Get(FallbackTag(f.repo, subject))
	var terr *transport.Error
	if errors.As(err, &terr) && terr.StatusCode == http.StatusNotFound {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	if desc.MediaType != types.OCIImageIndex {
		t.Fatalf("fallback tag holds %s", desc.MediaType)
	}
	im, err := v1.ParseIndexManifest(bytes.NewReader(desc.Manifest))
	if err != nil {
		t.Fatal(err)
	}
	return im.Manifests
}

func TestReferrersAttachAndList(t *testing.T) {
	for _, kind := range registryKinds {
		t.Run(kind.name, func(t *testing.T) {
			f := newFixture(t, kind, nil)
			amd64 := f.plats[0]
			arts := artifacts(t, purlSubject(t, "ghcr.io/acme/app:1.6.0", amd64))
			for _, a := range arts {
				res := f.attach(t, amd64, a, created)
				if res.Existing || res.Repairs != 0 {
					t.Errorf("%s: %+v", a.ArtifactType, res)
				}
				if wantTag := !kind.referrers; (res.FallbackTag != "") != wantTag {
					t.Errorf("%s: fallback tag %q", a.ArtifactType, res.FallbackTag)
				}
			}
			indexSBOM := f.attach(t, f.index, arts[0], created)

			all := f.list(t, amd64.Digest, "")
			if len(all) != 3 {
				t.Fatalf("%d referrers of amd64, want 3", len(all))
			}
			for _, a := range arts {
				got := f.list(t, amd64.Digest, a.ArtifactType)
				if len(got) != 1 {
					t.Fatalf("%d %s referrers, want 1", len(got), a.ArtifactType)
				}
				checkReferrer(t, f, got[0], amd64, a)
			}
			if got := f.list(t, f.index.Digest, MediaTypeSPDX); len(got) != 1 || got[0].Digest != indexSBOM.Descriptor.Digest {
				t.Errorf("index referrers %+v", got)
			}
			if got := f.list(t, f.plats[1].Digest, ""); len(got) != 0 {
				t.Errorf("arm64 has referrers %+v", got)
			}

			entries := f.fallbackEntries(t, amd64.Digest)
			if kind.referrers && entries != nil {
				t.Errorf("fallback tag written although the registry has the referrers API: %+v", entries)
			}
			if !kind.referrers {
				if len(entries) != 3 {
					t.Fatalf("fallback tag has %d entries, want 3", len(entries))
				}
				for _, e := range entries {
					if e.ArtifactType == "" || e.Annotations[AnnotationCreated] != "2026-02-04T10:00:00Z" {
						t.Errorf("fallback entry %+v", e)
					}
				}
			}
		})
	}
}

// checkReferrer reads a referrer's manifest and layer back and compares
// them with the artifact.
func checkReferrer(t *testing.T, f fixture, d v1.Descriptor, subject v1.Descriptor, a Artifact) {
	t.Helper()
	if d.MediaType != types.OCIManifestSchema1 || d.ArtifactType != a.ArtifactType {
		t.Errorf("descriptor %+v", d)
	}
	if d.Annotations[AnnotationCreated] != "2026-02-04T10:00:00Z" {
		t.Errorf("created annotation %q", d.Annotations[AnnotationCreated])
	}
	if pt := a.Annotations[AnnotationPredicateType]; pt != "" && d.Annotations[AnnotationPredicateType] != pt {
		t.Errorf("predicate type annotation %q, want %q", d.Annotations[AnnotationPredicateType], pt)
	}
	got, err := remote.Get(f.repo.Digest(d.Digest.String()))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		SchemaVersion int               `json:"schemaVersion"`
		MediaType     string            `json:"mediaType"`
		ArtifactType  string            `json:"artifactType"`
		Config        v1.Descriptor     `json:"config"`
		Layers        []v1.Descriptor   `json:"layers"`
		Subject       *v1.Descriptor    `json:"subject"`
		Annotations   map[string]string `json:"annotations"`
	}
	if err := json.Unmarshal(got.Manifest, &m); err != nil {
		t.Fatal(err)
	}
	if m.SchemaVersion != 2 || m.MediaType != string(types.OCIManifestSchema1) || m.ArtifactType != a.ArtifactType {
		t.Errorf("manifest header %d %q %q", m.SchemaVersion, m.MediaType, m.ArtifactType)
	}
	empty := v1.Descriptor{MediaType: "application/vnd.oci.empty.v1+json", Size: 2,
		Digest: v1.Hash{Algorithm: "sha256", Hex: "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"}}
	if m.Config.MediaType != empty.MediaType || m.Config.Digest != empty.Digest || m.Config.Size != empty.Size {
		t.Errorf("config %+v, want the OCI empty descriptor", m.Config)
	}
	if m.Subject == nil || m.Subject.Digest != subject.Digest || m.Subject.MediaType != subject.MediaType || m.Subject.Size != subject.Size {
		t.Errorf("subject %+v, want %+v", m.Subject, subject)
	}
	if len(m.Layers) != 1 || string(m.Layers[0].MediaType) != a.ArtifactType {
		t.Fatalf("layers %+v", m.Layers)
	}
	l, err := remote.Layer(f.repo.Digest(m.Layers[0].Digest.String()))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := l.Compressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(rc); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), a.Content) {
		t.Error("layer is not the document")
	}
	cfg, err := remote.Layer(f.repo.Digest(empty.Digest.String()))
	if err != nil {
		t.Fatal(err)
	}
	if rc, err := cfg.Compressed(); err != nil {
		t.Errorf("empty config blob not pushed: %v", err)
	} else {
		rc.Close()
	}
}

func TestReferrersAttachIsIdempotent(t *testing.T) {
	for _, kind := range registryKinds {
		t.Run(kind.name, func(t *testing.T) {
			writes := &writeCounter{}
			f := newFixture(t, kind, writes.wrap)
			amd64 := f.plats[0]
			spdx := artifacts(t, purlSubject(t, "ghcr.io/acme/app:1.6.0", amd64))[0]
			first := f.attach(t, amd64, spdx, created)

			before := writes.count()
			again := f.attach(t, amd64, spdx, created)
			if !again.Existing || again.Descriptor.Digest != first.Descriptor.Digest {
				t.Errorf("same artifact again: %+v", again)
			}
			// The same document from a later run (another creation time)
			// is the same attachment.
			later := f.attach(t, amd64, spdx, created.Add(24*time.Hour))
			if !later.Existing || later.Descriptor.Digest != first.Descriptor.Digest {
				t.Errorf("same document, later time: %+v", later)
			}
			if n := writes.count() - before; n != 0 {
				t.Errorf("re-attaching sent %d write requests, want none", n)
			}
			if n := len(f.list(t, amd64.Digest, "")); n != 1 {
				t.Errorf("%d referrers after re-attaching, want 1", n)
			}
			if !kind.referrers {
				if n := len(f.fallbackEntries(t, amd64.Digest)); n != 1 {
					t.Errorf("fallback tag has %d entries, want 1", n)
				}
			}
			// Another document of the same type is a new referrer.
			other := spdx
			other.Content = bytes.Replace(spdx.Content, []byte(`"tzdata"`), []byte(`"tzdata-legacy"`), 1)
			if res := f.attach(t, amd64, other, created); res.Existing {
				t.Error("a changed SBOM was taken for the attached one")
			}
			if n := len(f.list(t, amd64.Digest, MediaTypeSPDX)); n != 2 {
				t.Errorf("%d SPDX referrers, want 2", n)
			}
		})
	}
}

// go-containerregistry skips the fallback-tag update when the manifest is
// already in the registry, so a lost entry stays lost however often the
// artifact is pushed again; Attach repairs it.
func TestReferrersAttachRepairsLostFallbackEntry(t *testing.T) {
	f := newFixture(t, ggcrWithoutAPI, nil)
	amd64 := f.plats[0]
	spdx := artifacts(t, purlSubject(t, "ghcr.io/acme/app:1.6.0", amd64))[0]
	first := f.attach(t, amd64, spdx, created)

	// Another writer's stale write drops the entry.
	tag := FallbackTag(f.repo, amd64.Digest)
	emptyIndex := rawIndex(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}`)
	if err := remote.Put(tag, emptyIndex); err != nil {
		t.Fatal(err)
	}
	img, err := artifactImage(amd64, spdx, created)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(f.repo.Digest(first.Descriptor.Digest.String()), img); err != nil {
		t.Fatal(err)
	}
	if n := len(f.fallbackEntries(t, amd64.Digest)); n != 0 {
		t.Fatalf("go-containerregistry repaired the tag itself (%d entries); Attach's repair may be unneeded now", n)
	}

	res := f.attach(t, amd64, spdx, created)
	if res.Repairs != 1 || res.Descriptor.Digest != first.Descriptor.Digest {
		t.Errorf("re-attach: %+v", res)
	}
	if got := f.list(t, amd64.Digest, MediaTypeSPDX); len(got) != 1 || got[0].Digest != first.Descriptor.Digest {
		t.Errorf("after repair: %+v", got)
	}
}

// The referrers API of go-containerregistry's registry reports the config
// media type as artifactType; List reads the manifest to filter right.
func TestReferrersListResolvesArtifactType(t *testing.T) {
	f := newFixture(t, ggcrWithAPI, nil)
	amd64 := f.plats[0]
	spdx := artifacts(t, purlSubject(t, "ghcr.io/acme/app:1.6.0", amd64))[0]
	f.attach(t, amd64, spdx, created)
	idx, err := remote.Referrers(f.repo.Digest(amd64.Digest.String()))
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(im.Manifests) != 1 {
		t.Fatalf("%d referrers", len(im.Manifests))
	}
	if im.Manifests[0].ArtifactType == MediaTypeSPDX {
		t.Log("the registry now reports artifactType itself")
	}
	if got := f.list(t, amd64.Digest, MediaTypeSPDX); len(got) != 1 || got[0].ArtifactType != MediaTypeSPDX {
		t.Errorf("List: %+v", got)
	}
}

func TestReferrersRefuses(t *testing.T) {
	f := newFixture(t, ggcrWithoutAPI, nil)
	amd64 := f.plats[0]
	spdx := artifacts(t, purlSubject(t, "ghcr.io/acme/app:1.6.0", amd64))[0]
	for _, tc := range []struct {
		name    string
		subject v1.Descriptor
		art     Artifact
		at      time.Time
	}{
		{"no artifact type", amd64, Artifact{Content: []byte("{}")}, created},
		{"no content", amd64, Artifact{ArtifactType: MediaTypeSPDX}, created},
		{"no time", amd64, spdx, time.Time{}},
		{"no subject", v1.Descriptor{}, spdx, created},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := f.refs.Attach(context.Background(), f.repo, tc.subject, tc.art, tc.at); !errors.Is(err, ErrInvalidArtifact) {
				t.Errorf("got %v, want ErrInvalidArtifact", err)
			}
		})
	}
	if _, err := NewReferrers(newClient(t), withFallbackAttempts(0)); err == nil {
		t.Error("zero attempts accepted")
	}
	if _, err := SBOMArtifact(SBOM{Format: "xml"}); !errors.Is(err, ErrUnknownSBOMFormat) {
		t.Errorf("SBOMArtifact: %v", err)
	}
}

// A foreign manifest under the fallback tag is reported, not overwritten.
func TestReferrersFallbackTagHoldsSomethingElse(t *testing.T) {
	f := newFixture(t, ggcrWithoutAPI, nil)
	amd64 := f.plats[0]
	img := platformImage(t, testPlatforms[0])
	if err := remote.Write(FallbackTag(f.repo, amd64.Digest), img); err != nil {
		t.Fatal(err)
	}
	spdx := artifacts(t, purlSubject(t, "ghcr.io/acme/app:1.6.0", amd64))[0]
	if _, err := f.refs.Attach(context.Background(), f.repo, amd64, spdx, created); err == nil {
		t.Error("attached over a foreign manifest under the fallback tag")
	}
}

// The registry password is handed to the registry client only; nothing
// Attach stores contains it.
func TestReferrersNeverStorePassword(t *testing.T) {
	const user, password = "octocat", "ghp_Xq3s9TzR7vLm2KpW8nYc4JdB6fHa1GeU0oIi"
	var (
		mu      sync.Mutex // the handler runs on the server's goroutines
		stored  bytes.Buffer
		sawAuth bool
	)
	record := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			if _, p, ok := r.BasicAuth(); ok && p == password {
				sawAuth = true
			}
			if r.Method == http.MethodPut || r.Method == http.MethodPatch || r.Method == http.MethodPost {
				var body bytes.Buffer
				if _, err := body.ReadFrom(r.Body); err != nil {
					t.Error(err)
				}
				stored.Write(body.Bytes())
				stored.WriteString(r.URL.String())
				r.Body = readCloser{bytes.NewReader(body.Bytes())}
			}
			h.ServeHTTP(w, r)
		})
	}
	f := newFixture(t, ggcrWithoutAPI, record, func(host string) registry.Option { return registry.WithCredentials(host, user, password) })
	amd64 := f.plats[0]
	for _, a := range artifacts(t, purlSubject(t, "ghcr.io/"+user+"/app:1.6.0", amd64)) {
		f.attach(t, amd64, a, created)
	}
	mu.Lock()
	defer mu.Unlock()
	if !sawAuth {
		t.Fatal("test is vacuous: the password never reached the registry")
	}
	if !strings.Contains(stored.String(), user) {
		t.Fatal("test is vacuous: the user name is in nothing stored")
	}
	if strings.Contains(stored.String(), password) {
		t.Error("the password was written into the registry")
	}
}

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }

// writeCounter counts the requests that change a registry.
type writeCounter struct {
	mu sync.Mutex
	n  int
}

func (c *writeCounter) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPut, http.MethodPost, http.MethodPatch, http.MethodDelete:
			c.mu.Lock()
			c.n++
			c.mu.Unlock()
		}
		h.ServeHTTP(w, r)
	})
}

func (c *writeCounter) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// A registry that keeps dropping this writer's fallback entry makes Attach
// give up after the configured number of writes instead of looping.
func TestReferrersFallbackConflictIsBounded(t *testing.T) {
	var mu sync.Mutex
	tagWrites := 0
	drop := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/manifests/sha256-") {
				mu.Lock()
				tagWrites++
				mu.Unlock()
				w.WriteHeader(http.StatusCreated) // accepted, never stored
				return
			}
			h.ServeHTTP(w, r)
		})
	}
	f := newFixture(t, ggcrWithoutAPI, drop)
	refs, err := NewReferrers(newClient(t), withFallbackAttempts(2))
	if err != nil {
		t.Fatal(err)
	}
	amd64 := f.plats[0]
	spdx := artifacts(t, purlSubject(t, "ghcr.io/acme/app:1.6.0", amd64))[0]
	res, err := refs.Attach(context.Background(), f.repo, amd64, spdx, created)
	if !errors.Is(err, ErrFallbackConflict) {
		t.Fatalf("got %v, want ErrFallbackConflict", err)
	}
	mu.Lock()
	defer mu.Unlock()
	// One write by go-containerregistry, two by Attach.
	if res.Repairs != 2 || tagWrites != 3 {
		t.Errorf("repairs %d, tag writes %d; want 2 and 3", res.Repairs, tagWrites)
	}
}
