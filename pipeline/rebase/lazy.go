package rebase

import (
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// lazyImage is an image whose digest is known from an index entry and
// whose manifest is read only when something other than the digest is
// asked for. Deciding that a platform is unchanged needs only the digest,
// so a platform already on the new base costs no request for it.
type lazyImage struct {
	digest v1.Hash
	load   func() (v1.Image, error)

	once sync.Once
	img  v1.Image
	err  error
}

var _ v1.Image = (*lazyImage)(nil)

func (l *lazyImage) get() (v1.Image, error) {
	l.once.Do(func() { l.img, l.err = l.load() })
	return l.img, l.err
}

// Digest returns the digest the index entry gives, without a request.
func (l *lazyImage) Digest() (v1.Hash, error) { return l.digest, nil }

func (l *lazyImage) Layers() ([]v1.Layer, error) {
	img, err := l.get()
	if err != nil {
		return nil, err
	}
	return img.Layers()
}

func (l *lazyImage) MediaType() (types.MediaType, error) {
	img, err := l.get()
	if err != nil {
		return "", err
	}
	return img.MediaType()
}

func (l *lazyImage) Size() (int64, error) {
	img, err := l.get()
	if err != nil {
		return 0, err
	}
	return img.Size()
}

func (l *lazyImage) ConfigName() (v1.Hash, error) {
	img, err := l.get()
	if err != nil {
		return v1.Hash{}, err
	}
	return img.ConfigName()
}

func (l *lazyImage) ConfigFile() (*v1.ConfigFile, error) {
	img, err := l.get()
	if err != nil {
		return nil, err
	}
	return img.ConfigFile()
}

func (l *lazyImage) RawConfigFile() ([]byte, error) {
	img, err := l.get()
	if err != nil {
		return nil, err
	}
	return img.RawConfigFile()
}

func (l *lazyImage) Manifest() (*v1.Manifest, error) {
	img, err := l.get()
	if err != nil {
		return nil, err
	}
	return img.Manifest()
}

func (l *lazyImage) RawManifest() ([]byte, error) {
	img, err := l.get()
	if err != nil {
		return nil, err
	}
	return img.RawManifest()
}

func (l *lazyImage) LayerByDigest(h v1.Hash) (v1.Layer, error) {
	img, err := l.get()
	if err != nil {
		return nil, err
	}
	return img.LayerByDigest(h)
}

func (l *lazyImage) LayerByDiffID(h v1.Hash) (v1.Layer, error) {
	img, err := l.get()
	if err != nil {
		return nil, err
	}
	return img.LayerByDiffID(h)
}
