package attest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// A bundle is attached in the layout cosign v3 writes, and Bundles finds it
// among other referrers on every registry, with or without the referrers
// API, skipping other predicate types by their annotation alone.
func TestBundlesAttachAndFind(t *testing.T) {
	for _, kind := range registryKinds {
		t.Run(kind.name, func(t *testing.T) {
			f := newFixture(t, kind, nil)
			amd64 := f.plats[0]
			for _, a := range artifacts(t, purlSubject(t, "ghcr.io/acme/app:1.6.0", amd64)) {
				f.attach(t, amd64, a, created)
			}
			prov := []byte(`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","note":"provenance"}`)
			sbom := []byte(`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","note":"sbom"}`)
			for pt, b := range map[string][]byte{PredicateSLSAProvenanceV1: prov, PredicateSPDX: sbom} {
				art, err := BundleArtifact(b, pt)
				if err != nil {
					t.Fatal(err)
				}
				res := f.attach(t, amd64, art, created)
				checkBundleManifest(t, f, res, pt)
			}

			all, err := f.refs.Bundles(context.Background(), f.repo, amd64.Digest, "")
			if err != nil {
				t.Fatal(err)
			}
			if len(all) != 2 {
				t.Fatalf("found %d bundles among the referrers, want 2: %+v", len(all), all)
			}
			only, err := f.refs.Bundles(context.Background(), f.repo, amd64.Digest, PredicateSLSAProvenanceV1)
			if err != nil {
				t.Fatal(err)
			}
			if len(only) != 1 || !bytes.Equal(only[0].Content, prov) || only[0].PredicateType != PredicateSLSAProvenanceV1 {
				t.Fatalf("provenance bundles = %+v", only)
			}
			none, err := f.refs.Bundles(context.Background(), f.repo, f.plats[1].Digest, "")
			if err != nil || len(none) != 0 {
				t.Errorf("arm64 bundles = %+v, %v", none, err)
			}
		})
	}
}

// checkBundleManifest reads an attached bundle's manifest and checks the
// fields cosign v3.1.3 writes and reads.
func checkBundleManifest(t *testing.T, f fixture, res Attached, predicateType string) {
	t.Helper()
	got, err := remote.Get(f.repo.Digest(res.Descriptor.Digest.String()))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		MediaType    types.MediaType `json:"mediaType"`
		ArtifactType string          `json:"artifactType"`
		Config       struct {
			MediaType string `json:"mediaType"`
			Size      int64  `json:"size"`
		} `json:"config"`
		Layers []struct {
			MediaType string `json:"mediaType"`
		} `json:"layers"`
		Subject     *struct{ Digest string } `json:"subject"`
		Annotations map[string]string        `json:"annotations"`
	}
	if err := json.Unmarshal(got.Manifest, &m); err != nil {
		t.Fatal(err)
	}
	switch {
	case m.MediaType != types.OCIManifestSchema1, m.ArtifactType != MediaTypeSigstoreBundle:
		t.Errorf("manifest %s, artifactType %s", m.MediaType, m.ArtifactType)
	case m.Config.MediaType != MediaTypeEmptyJSON || m.Config.Size != 2:
		t.Errorf("config %+v, want the empty descriptor", m.Config)
	case len(m.Layers) != 1 || m.Layers[0].MediaType != MediaTypeSigstoreBundle:
		t.Errorf("layers %+v, want one bundle layer", m.Layers)
	case m.Subject == nil:
		t.Errorf("no subject")
	case m.Annotations[AnnotationBundleContent] != BundleContentDSSE || m.Annotations[AnnotationBundlePredicateType] != predicateType:
		t.Errorf("annotations %v", m.Annotations)
	}
}

func TestBundleArtifactNeedsPredicateType(t *testing.T) {
	if _, err := BundleArtifact([]byte("{}"), ""); !errors.Is(err, ErrInvalidArtifact) {
		t.Errorf("err = %v, want ErrInvalidArtifact", err)
	}
}
