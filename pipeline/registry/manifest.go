package registry

import (
	"bytes"
	"encoding/json"
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Manifest is a manifest or index as a registry stores it: the exact bytes,
// so it can be tagged again (Client.Tag) without another GET, and what the
// release and refresh flows read from it.
type Manifest struct {
	Descriptor
	// Raw is the manifest or index exactly as stored; its sha256 is Digest.
	Raw []byte `json:"-"`
	// Annotations are the manifest's or index's own annotations, where the
	// release flow records org.opencontainers.image.base.{name,digest}.
	Annotations map[string]string `json:"annotations,omitempty"`
	// Manifests are an index's children, each with its platform and
	// annotations; nil for an image manifest.
	Manifests []v1.Descriptor `json:"manifests,omitempty"`
	// Config is an image manifest's config descriptor; nil for an index.
	Config *v1.Descriptor `json:"config,omitempty"`
	// Subject is the manifest this one refers to (OCI 1.1), if any.
	Subject *v1.Descriptor `json:"subject,omitempty"`
	// ArtifactType is the OCI 1.1 artifact type, if any.
	ArtifactType string `json:"artifactType,omitempty"`
}

// parseManifest reads raw, whose media type and digest come from the
// registry's answer or the local image.
func parseManifest(d Descriptor, raw []byte) (*Manifest, error) {
	var body struct {
		Config       *v1.Descriptor    `json:"config"`
		Manifests    []v1.Descriptor   `json:"manifests"`
		Subject      *v1.Descriptor    `json:"subject"`
		ArtifactType string            `json:"artifactType"`
		Annotations  map[string]string `json:"annotations"`
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		return nil, fmt.Errorf("%w: manifest of %s is not JSON: %w", ErrBadResponse, d.Ref, err)
	}
	m := &Manifest{
		Descriptor:   d,
		Raw:          raw,
		Annotations:  body.Annotations,
		Subject:      body.Subject,
		ArtifactType: body.ArtifactType,
	}
	if d.MediaType.IsIndex() {
		m.Manifests = body.Manifests
		if m.Manifests == nil {
			m.Manifests = []v1.Descriptor{}
		}
	} else {
		m.Config = body.Config
	}
	return m, nil
}

// ManifestOf is the Manifest of bytes about to be written with Tag or Put:
// raw, of media type mt, to be named ref.
func ManifestOf(ref string, raw []byte, mt types.MediaType) (*Manifest, error) {
	h, size, err := v1.SHA256(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	return parseManifest(Descriptor{Ref: ref, Digest: h, MediaType: mt, Size: size}, raw)
}

// manifestOf builds the Manifest of a local image or index, as it will be
// pushed.
func manifestOf(ref string, t interface {
	RawManifest() ([]byte, error)
	MediaType() (types.MediaType, error)
}) (*Manifest, error) {
	raw, err := t.RawManifest()
	if err != nil {
		return nil, err
	}
	mt, err := t.MediaType()
	if err != nil {
		return nil, err
	}
	return ManifestOf(ref, raw, mt)
}

// taggable hands a Manifest's bytes to go-containerregistry for a manifest
// PUT. It implements remote's Taggable and partial.Describable, so remote
// sends the manifest's own media type and does no existence check.
type taggable struct{ m *Manifest }

func (t taggable) RawManifest() ([]byte, error)        { return t.m.Raw, nil }
func (t taggable) MediaType() (types.MediaType, error) { return t.m.MediaType, nil }
func (t taggable) Digest() (v1.Hash, error)            { return t.m.Digest, nil }
func (t taggable) Size() (int64, error)                { return t.m.Size, nil }
