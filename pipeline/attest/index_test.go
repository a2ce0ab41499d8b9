package attest

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// platformStatements returns, for every platform manifest of idx, an SPDX
// statement and a provenance statement about it.
func platformStatements(t *testing.T, idx v1.ImageIndex, version string) map[v1.Hash][]Statement {
	t.Helper()
	out := map[v1.Hash][]Statement{}
	for _, d := range platformDescriptors(t, idx) {
		sub := purlSubject(t, "ghcr.io/acme/app:"+version, d)
		sbom, err := NewSBOMStatement(testSBOM(t, SPDXJSON), sub)
		if err != nil {
			t.Fatal(err)
		}
		in := provenanceInput()
		in.Subjects = []Subject{sub}
		in.Request.Version = version
		in.Request.Platform = platformString(*d.Platform)
		prov, err := NewProvenance(in)
		if err != nil {
			t.Fatal(err)
		}
		out[d.Digest] = []Statement{sbom, prov}
	}
	return out
}

func attach(t *testing.T, idx v1.ImageIndex, stmts map[v1.Hash][]Statement) v1.ImageIndex {
	t.Helper()
	out, err := AttachToIndex(idx, stmts)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func digestOf(t *testing.T, idx v1.ImageIndex) v1.Hash {
	t.Helper()
	d, err := idx.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestAttachToIndexWritesBuildKitLayout checks every field BuildKit's image
// exporter writes for an attestation manifest (exporter/containerimage in
// moby/buildkit, OCI media types, oci-artifact off).
func TestAttachToIndexWritesBuildKitLayout(t *testing.T) {
	idx := multiPlatformIndex(t, types.OCIImageIndex)
	before, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	stmts := platformStatements(t, idx, "1.6.0")
	out := attach(t, idx, stmts)

	im, err := out.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if mt, _ := out.MediaType(); mt != types.OCIImageIndex || im.MediaType != types.OCIImageIndex {
		t.Errorf("index media type %q / %q", mt, im.MediaType)
	}
	if !reflect.DeepEqual(im.Annotations, before.Annotations) {
		t.Errorf("index annotations %v, want %v", im.Annotations, before.Annotations)
	}
	if len(im.Manifests) != 4 {
		t.Fatalf("index has %d manifests, want 2 platforms + 2 attestations", len(im.Manifests))
	}
	// Platform manifests first, untouched; attestations after, in platform order.
	for i, want := range before.Manifests {
		if !reflect.DeepEqual(im.Manifests[i], want) {
			t.Errorf("platform entry %d changed:\n got %+v\nwant %+v", i, im.Manifests[i], want)
		}
	}
	for i, target := range before.Manifests {
		d := im.Manifests[2+i]
		if d.MediaType != types.OCIManifestSchema1 {
			t.Errorf("attestation %d media type %q", i, d.MediaType)
		}
		if d.Platform == nil || !reflect.DeepEqual(*d.Platform, v1.Platform{OS: "unknown", Architecture: "unknown"}) {
			t.Errorf("attestation %d platform %+v, want unknown/unknown", i, d.Platform)
		}
		wantAnn := map[string]string{
			"vnd.docker.reference.type":   "attestation-manifest",
			"vnd.docker.reference.digest": target.Digest.String(),
		}
		if !maps.Equal(d.Annotations, wantAnn) {
			t.Errorf("attestation %d annotations %v, want %v", i, d.Annotations, wantAnn)
		}
		checkAttestationManifest(t, out, d, stmts[target.Digest])
	}
}

// checkAttestationManifest compares an attestation manifest, byte for byte,
// with what BuildKit writes for the same statements.
func checkAttestationManifest(t *testing.T, idx v1.ImageIndex, d v1.Descriptor, stmts []Statement) {
	t.Helper()
	img, err := idx.Image(d.Digest)
	if err != nil {
		t.Fatal(err)
	}
	var layers, diffIDs []string
	for _, s := range stmts {
		b, err := s.Encode()
		if err != nil {
			t.Fatal(err)
		}
		h, n, err := v1.SHA256(strings.NewReader(string(b)))
		if err != nil {
			t.Fatal(err)
		}
		layers = append(layers, fmt.Sprintf(`    {
      "mediaType": "application/vnd.in-toto+json",
      "digest": %q,
      "size": %d,
      "annotations": {
        "in-toto.io/predicate-type": %q
      }
    }`, h, n, s.PredicateType))
		diffIDs = append(diffIDs, fmt.Sprintf("%q", h))
	}
	wantConfig := `{"architecture":"unknown","os":"unknown","config":{},"rootfs":{"type":"layers","diff_ids":[` + strings.Join(diffIDs, ",") + `]}}`
	cfg, err := img.RawConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if string(cfg) != wantConfig {
		t.Errorf("config\n got %s\nwant %s", cfg, wantConfig)
	}
	ch, cn, _ := v1.SHA256(strings.NewReader(wantConfig))
	wantManifest := fmt.Sprintf(`{
  "schemaVersion": 2,
  "mediaType": "application/vnd.oci.image.manifest.v1+json",
  "config": {
    "mediaType": "application/vnd.oci.image.config.v1+json",
    "digest": %q,
    "size": %d
  },
  "layers": [
%s
  ]
}`, ch, cn, strings.Join(layers, ",\n"))
	raw, err := img.RawManifest()
	if err != nil {
		t.Fatal(err)
	}
	if string(raw) != wantManifest {
		t.Errorf("manifest\n got %s\nwant %s", raw, wantManifest)
	}
	if h, n, _ := v1.SHA256(strings.NewReader(string(raw))); h != d.Digest || n != d.Size {
		t.Errorf("descriptor %s/%d does not match manifest %s/%d", d.Digest, d.Size, h, n)
	}
}

func TestAttachToIndexIsIdempotent(t *testing.T) {
	idx := multiPlatformIndex(t, types.OCIImageIndex)
	stmts := platformStatements(t, idx, "1.6.0")
	once := attach(t, idx, stmts)
	twice := attach(t, once, stmts)
	if digestOf(t, once) != digestOf(t, twice) {
		t.Error("attaching the same statements again changed the index")
	}

	plats := platformDescriptors(t, idx)
	amd64, arm64 := plats[0].Digest, plats[1].Digest

	// Re-attaching one platform's statements keeps the canonical order, so
	// the index is the same as attaching everything at once.
	again := attach(t, once, map[v1.Hash][]Statement{arm64: stmts[arm64]})
	if digestOf(t, again) != digestOf(t, once) {
		t.Error("re-attaching one platform reordered the index")
	}

	// New statements for one platform replace its attestation manifest
	// only; the other platform's stays as it was.
	newer := platformStatements(t, idx, "1.6.1")
	replaced := attach(t, once, map[v1.Hash][]Statement{amd64: newer[amd64][:1]})
	got, err := ReadIndexAttestations(replaced)
	if err != nil {
		t.Fatal(err)
	}
	if len(platformDescriptors(t, replaced)) != 4 {
		t.Errorf("replace changed the number of entries: %d", len(platformDescriptors(t, replaced)))
	}
	if !reflect.DeepEqual(got[amd64], canonical(t, newer[amd64][:1])) {
		t.Errorf("amd64 attestations not replaced: %d statements", len(got[amd64]))
	}
	if !reflect.DeepEqual(got[arm64], canonical(t, stmts[arm64])) {
		t.Error("arm64 attestations changed")
	}
	if ms := platformDescriptors(t, replaced); ms[2].Annotations[AnnotationReferenceDigest] != amd64.String() {
		t.Error("attestation manifests are not in platform order")
	}

	// An empty list removes a platform's attestations.
	removed := attach(t, once, map[v1.Hash][]Statement{amd64: nil})
	got, err = ReadIndexAttestations(removed)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := got[amd64]; ok || len(got[arm64]) != 2 || len(platformDescriptors(t, removed)) != 3 {
		t.Errorf("remove: %d entries, statements %v", len(platformDescriptors(t, removed)), got)
	}
}

// canonical returns the statements as they read back: decoded from their
// canonical encoding.
func canonical(t *testing.T, stmts []Statement) []Statement {
	t.Helper()
	var out []Statement
	for _, s := range stmts {
		b, err := s.Encode()
		if err != nil {
			t.Fatal(err)
		}
		d, err := DecodeStatement(b)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, d)
	}
	return out
}

func TestReadIndexAttestationsRoundTripsThroughRegistry(t *testing.T) {
	idx := multiPlatformIndex(t, types.OCIImageIndex)
	stmts := platformStatements(t, idx, "1.6.0")
	out := attach(t, idx, stmts)

	local, err := ReadIndexAttestations(out)
	if err != nil {
		t.Fatal(err)
	}
	repo := newRegistry(t, ggcrWithoutAPI, nil).Repo("acme", "app")
	ref := pushIndex(t, repo, out)
	fetched, err := remote.Index(ref)
	if err != nil {
		t.Fatal(err)
	}
	remoteAtts, err := ReadIndexAttestations(fetched)
	if err != nil {
		t.Fatal(err)
	}
	for h, want := range stmts {
		if !reflect.DeepEqual(local[h], canonical(t, want)) {
			t.Errorf("%s: local read differs", h)
		}
		if !reflect.DeepEqual(remoteAtts[h], canonical(t, want)) {
			t.Errorf("%s: read from registry differs", h)
		}
	}
	if len(remoteAtts) != 2 {
		t.Errorf("read %d platforms, want 2", len(remoteAtts))
	}
	// The pushed index is the one built, annotations and all.
	if digestOf(t, fetched) != digestOf(t, out) {
		t.Error("registry holds another index")
	}
	var ann struct {
		Annotations map[string]string `json:"annotations"`
	}
	raw, _ := fetched.RawManifest()
	if err := json.Unmarshal(raw, &ann); err != nil || ann.Annotations["org.opencontainers.image.version"] != "1.6.0" {
		t.Errorf("index annotations lost: %s", raw)
	}

	none, err := ReadIndexAttestations(idx)
	if err != nil || len(none) != 0 {
		t.Errorf("index without attestations: %v, %v", none, err)
	}
}

// A Docker manifest list gets Docker media types and no layer annotations,
// as BuildKit writes without OCI media types; the reader still finds the
// predicate types in the statements.
func TestAttachToDockerManifestList(t *testing.T) {
	idx := multiPlatformIndex(t, types.DockerManifestList)
	stmts := platformStatements(t, idx, "1.6.0")
	out := attach(t, idx, stmts)
	ms := platformDescriptors(t, out)
	if len(ms) != 4 {
		t.Fatalf("%d entries", len(ms))
	}
	img, err := out.Image(ms[2].Digest)
	if err != nil {
		t.Fatal(err)
	}
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	if m.MediaType != types.DockerManifestSchema2 || m.Config.MediaType != types.DockerConfigJSON || ms[2].MediaType != types.DockerManifestSchema2 {
		t.Errorf("media types %q %q %q", m.MediaType, m.Config.MediaType, ms[2].MediaType)
	}
	for _, l := range m.Layers {
		if l.Annotations != nil {
			t.Errorf("layer annotations %v in a Docker manifest", l.Annotations)
		}
	}
	got, err := ReadIndexAttestations(out)
	if err != nil {
		t.Fatal(err)
	}
	if got[ms[0].Digest][1].PredicateType != PredicateSLSAProvenanceV1 {
		t.Error("provenance not read back")
	}
}

func TestAttachToIndexRefuses(t *testing.T) {
	idx := multiPlatformIndex(t, types.OCIImageIndex)
	stmts := platformStatements(t, idx, "1.6.0")
	plats := platformDescriptors(t, idx)
	attached := attach(t, idx, stmts)
	attMan := platformDescriptors(t, attached)[2].Digest

	for _, tc := range []struct {
		name  string
		idx   v1.ImageIndex
		stmts map[v1.Hash][]Statement
		want  error
	}{
		{"digest not in index", idx, map[v1.Hash][]Statement{hash("9"): stmts[plats[0].Digest]}, ErrUnknownSubject},
		{"statements of the other platform", idx, map[v1.Hash][]Statement{plats[0].Digest: stmts[plats[1].Digest]}, ErrUnknownSubject},
		{"attestation manifest as subject", attached, map[v1.Hash][]Statement{attMan: stmts[plats[0].Digest]}, ErrUnknownSubject},
		{"invalid statement", idx, map[v1.Hash][]Statement{plats[0].Digest: {{Type: "x", Subject: []Subject{NewSubject("x", plats[0].Digest)}}}}, ErrInvalidStatement},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := AttachToIndex(tc.idx, tc.stmts); !errors.Is(err, tc.want) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func TestReadIndexAttestationsRefusesMalformed(t *testing.T) {
	idx := multiPlatformIndex(t, types.OCIImageIndex)
	plats := platformDescriptors(t, idx)
	stmts := platformStatements(t, idx, "1.6.0")
	enc, err := stmts[plats[0].Digest][0].Encode()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		layers   [][]byte
		pts      []string
		refDigst string
	}{
		{"annotation disagrees with statement", [][]byte{enc}, []string{PredicateSLSAProvenanceV1}, plats[0].Digest.String()},
		{"layer is not a statement", [][]byte{[]byte(`{"hello":"world"}`)}, []string{PredicateSPDX}, plats[0].Digest.String()},
		{"bad reference digest", [][]byte{enc}, []string{PredicateSPDX}, "sha256:nope"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img, err := newAttestationImage(true, tc.layers, tc.pts)
			if err != nil {
				t.Fatal(err)
			}
			bad := appendRaw(t, idx, img, tc.refDigst)
			if _, err := ReadIndexAttestations(bad); !errors.Is(err, ErrMalformedAttestation) {
				t.Errorf("got %v, want ErrMalformedAttestation", err)
			}
		})
	}
}
