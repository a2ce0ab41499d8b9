package registry_test

import (
	"context"
	"io"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/patchline/patchline/pipeline/internal/testing/regtest"
	"github.com/patchline/patchline/pipeline/registry"
)

// testPolicy retries fast and without jitter, so the recorded waits are
// exact; nothing sleeps in real time anyway (sleeper).
var testPolicy = registry.RetryPolicy{
	MaxAttempts: 4,
	Backoff:     100 * time.Millisecond,
	MaxBackoff:  time.Second,
	MaxWait:     time.Minute,
}

// sleeper records the waits a client asks for and returns at once.
type sleeper struct {
	mu    sync.Mutex
	slept []time.Duration
}

func (s *sleeper) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.slept = append(s.slept, d)
	return ctx.Err()
}

func (s *sleeper) waits() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.slept)
}

// newClient returns a client with the test retry policy and a recording
// sleeper; opts come after and may override them.
func newClient(tb testing.TB, opts ...registry.Option) (*registry.Client, *sleeper) {
	tb.Helper()
	s := &sleeper{}
	all := append([]registry.Option{registry.WithRetry(testPolicy), registry.WithSleep(s.sleep)}, opts...)
	c, err := registry.New(all...)
	if err != nil {
		tb.Fatalf("registry.New: %v", err)
	}
	return c, s
}

// forEachImpl runs f against a fresh server of every implementation.
func forEachImpl(t *testing.T, f func(t *testing.T, srv *regtest.Server), opts ...regtest.Option) {
	t.Helper()
	for _, impl := range regtest.All() {
		t.Run(impl.Name, func(t *testing.T) {
			f(t, impl.Start(t, opts...))
		})
	}
}

// digestOf is a test's shorthand for a local image's or index's digest.
func digestOf(tb testing.TB, d interface{ Digest() (v1.Hash, error) }) v1.Hash {
	tb.Helper()
	h, err := d.Digest()
	if err != nil {
		tb.Fatal(err)
	}
	return h
}

// directHead resolves ref through the server's side door, uncounted.
func directHead(tb testing.TB, srv *regtest.Server, ref string) v1.Hash {
	tb.Helper()
	r := mustParse(tb, ref)
	d, err := remote.Head(r, srv.Direct()...)
	if err != nil {
		tb.Fatalf("side-door HEAD %s: %v", ref, err)
	}
	return d.Digest
}

// onlyKinds fails unless got has exactly the listed non-zero kinds (others
// must be zero), ignoring KindOther (pings and token exchanges).
func onlyKinds(tb testing.TB, who string, got registry.Counts, want map[registry.Kind]int64) {
	tb.Helper()
	for _, k := range registry.Kinds() {
		if k == registry.KindOther {
			continue
		}
		if got.Get(k) != want[k] {
			tb.Errorf("%s: %d %s requests, want %d (all: %s)", who, got.Get(k), k, want[k], got)
		}
	}
}

// checkComplete reads every blob of the index or image at ref through the
// side door; remote verifies each against its digest as it reads.
func checkComplete(tb testing.TB, srv *regtest.Server, ref string) {
	tb.Helper()
	desc, err := remote.Get(mustParse(tb, ref), srv.Direct()...)
	if err != nil {
		tb.Fatalf("reading %s back: %v", ref, err)
	}
	var imgs []v1.Image
	if desc.MediaType.IsIndex() {
		idx, err := desc.ImageIndex()
		if err != nil {
			tb.Fatal(err)
		}
		im, err := idx.IndexManifest()
		if err != nil {
			tb.Fatal(err)
		}
		for _, d := range im.Manifests {
			img, err := idx.Image(d.Digest)
			if err != nil {
				tb.Fatal(err)
			}
			imgs = append(imgs, img)
		}
	} else {
		img, err := desc.Image()
		if err != nil {
			tb.Fatal(err)
		}
		imgs = append(imgs, img)
	}
	for _, img := range imgs {
		if _, err := img.RawConfigFile(); err != nil {
			tb.Errorf("%s: config: %v", ref, err)
		}
		layers, err := img.Layers()
		if err != nil {
			tb.Fatal(err)
		}
		for _, l := range layers {
			rc, err := l.Compressed()
			if err != nil {
				tb.Errorf("%s: layer: %v", ref, err)
				continue
			}
			_, err = io.Copy(io.Discard, rc)
			if cerr := rc.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				tb.Errorf("%s: layer: %v", ref, err)
			}
		}
	}
}

type netConn = net.Conn

var dialer net.Dialer
