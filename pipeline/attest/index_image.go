package attest

import (
	"bytes"
	"encoding/json"
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// ociDescriptor is a descriptor with the field order of the OCI Go types,
// which is what BuildKit's manifests are written with; go-containerregistry's
// own type orders size before digest.
type ociDescriptor struct {
	MediaType    types.MediaType   `json:"mediaType"`
	Digest       v1.Hash           `json:"digest"`
	Size         int64             `json:"size"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	ArtifactType string            `json:"artifactType,omitempty"`
}

// ociManifest is an image manifest with the OCI Go types' field order.
type ociManifest struct {
	SchemaVersion int               `json:"schemaVersion"`
	MediaType     types.MediaType   `json:"mediaType,omitempty"`
	ArtifactType  string            `json:"artifactType,omitempty"`
	Config        ociDescriptor     `json:"config"`
	Layers        []ociDescriptor   `json:"layers"`
	Subject       *ociDescriptor    `json:"subject,omitempty"`
	Annotations   map[string]string `json:"annotations,omitempty"`
}

// attestationConfig is the image config BuildKit gives an attestation
// manifest: platform unknown/unknown, so no runtime ever picks it, and one
// diff id per statement layer.
type attestationConfig struct {
	Architecture string   `json:"architecture"`
	OS           string   `json:"os"`
	Config       struct{} `json:"config"`
	RootFS       struct {
		Type    string    `json:"type"`
		DiffIDs []v1.Hash `json:"diff_ids"`
	} `json:"rootfs"`
}

// staticImage is an image whose manifest, config and blobs are fixed bytes.
// It implements partial.CompressedImageCore, so go-containerregistry can
// push it, put it in an index and read it back like any other image.
type staticImage struct {
	manifest  []byte
	mediaType types.MediaType
	config    []byte
	blobs     map[v1.Hash]v1.Layer
}

var _ partial.CompressedImageCore = (*staticImage)(nil)

func (i *staticImage) RawManifest() ([]byte, error)        { return i.manifest, nil }
func (i *staticImage) RawConfigFile() ([]byte, error)      { return i.config, nil }
func (i *staticImage) MediaType() (types.MediaType, error) { return i.mediaType, nil }
func (i *staticImage) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	if l, ok := i.blobs[h]; ok {
		return l, nil
	}
	return nil, fmt.Errorf("blob %s is not part of this image", h)
}

// newStaticImage assembles an image from a config blob and layers, writing
// the manifest as BuildKit does (indented, OCI field order).
func newStaticImage(mt types.MediaType, m ociManifest, config []byte, layers []v1.Layer) (v1.Image, error) {
	img := &staticImage{mediaType: mt, config: config, blobs: map[v1.Hash]v1.Layer{}}
	cfg := static.NewLayer(config, m.Config.MediaType)
	cd, err := cfg.Digest()
	if err != nil {
		return nil, err
	}
	m.SchemaVersion = 2
	m.MediaType = mt
	m.Config.Digest, m.Config.Size = cd, int64(len(config))
	img.blobs[cd] = cfg
	for i, l := range layers {
		d, err := l.Digest()
		if err != nil {
			return nil, err
		}
		n, err := l.Size()
		if err != nil {
			return nil, err
		}
		m.Layers[i].Digest, m.Layers[i].Size = d, n
		img.blobs[d] = l
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	img.manifest = bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	return partial.CompressedToImage(img)
}

// newAttestationImage builds the attestation manifest for one platform
// manifest, the way BuildKit's image exporter does without oci-artifact
// mode: statements as in-toto layers annotated with their predicate type,
// an unknown/unknown image config whose diff ids are the layer digests. In
// a Docker manifest list BuildKit uses Docker media types and drops layer
// annotations; so does this.
func newAttestationImage(oci bool, encoded [][]byte, predicateTypes []string) (v1.Image, error) {
	mt, cmt := types.OCIManifestSchema1, types.OCIConfigJSON
	if !oci {
		mt, cmt = types.DockerManifestSchema2, types.DockerConfigJSON
	}
	m := ociManifest{Config: ociDescriptor{MediaType: cmt}}
	var cfg attestationConfig
	cfg.Architecture, cfg.OS = "unknown", "unknown"
	cfg.RootFS.Type = "layers"
	cfg.RootFS.DiffIDs = []v1.Hash{}
	layers := make([]v1.Layer, len(encoded))
	for i, b := range encoded {
		layers[i] = static.NewLayer(b, types.MediaType(MediaTypeInToto))
		d, err := layers[i].Digest()
		if err != nil {
			return nil, err
		}
		cfg.RootFS.DiffIDs = append(cfg.RootFS.DiffIDs, d)
		desc := ociDescriptor{MediaType: MediaTypeInToto}
		if oci {
			desc.Annotations = map[string]string{AnnotationPredicateType: predicateTypes[i]}
		}
		m.Layers = append(m.Layers, desc)
	}
	config, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	return newStaticImage(mt, m, config, layers)
}
