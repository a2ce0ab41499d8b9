package registry_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/patchline/patchline/pipeline/internal/testing/regtest"
	"github.com/patchline/patchline/pipeline/registry"
)

func mustParse(tb testing.TB, ref string) name.Reference {
	tb.Helper()
	r, err := name.ParseReference(ref, name.Insecure)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// Resolve answers with HEAD alone: no GET, which Docker Hub would count as
// a pull. Both the client's and the server's counters must say so.
func TestResolveUsesHeadOnly(t *testing.T) {
	forEachImpl(t, func(t *testing.T, srv *regtest.Server) {
		img := srv.SeedImage(t, "base:img")
		idx := srv.SeedIndex(t, "base:multi", "linux/amd64", "linux/arm64/v8")
		c, _ := newClient(t)
		ctx := context.Background()

		cases := []struct {
			name      string
			ref       string
			digest    string
			mediaType types.MediaType
		}{
			{"image by tag", srv.Ref("base:img"), digestOf(t, img).String(), types.OCIManifestSchema1},
			{"index by tag", srv.Ref("base:multi"), digestOf(t, idx).String(), types.OCIImageIndex},
			{"index by digest", srv.Ref("base@" + digestOf(t, idx).String()), digestOf(t, idx).String(), types.OCIImageIndex},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				srv.ResetCounts()
				before := c.Counter().Counts()
				d, err := c.Resolve(ctx, tc.ref)
				if err != nil {
					t.Fatal(err)
				}
				if d.Digest.String() != tc.digest || d.MediaType != tc.mediaType || d.Size <= 0 {
					t.Errorf("Resolve = %+v, want digest %s, media type %s", d, tc.digest, tc.mediaType)
				}
				if d.IsIndex() != (tc.mediaType == types.OCIImageIndex) {
					t.Errorf("IsIndex = %v", d.IsIndex())
				}
				want := map[registry.Kind]int64{registry.KindHeadManifest: 1}
				onlyKinds(t, "client", c.Counter().Counts().Sub(before), want)
				onlyKinds(t, "server", srv.Counts(), want)
			})
		}
	})
}

// A missing tag is ErrNotFound, and the error names the reference. Every
// implementation answers HEAD of a missing tag with a bodiless 404.
func TestResolveMissingTag(t *testing.T) {
	forEachImpl(t, func(t *testing.T, srv *regtest.Server) {
		srv.SeedImage(t, "base:img")
		c, sl := newClient(t)
		for _, ref := range []string{srv.Ref("base:nope"), srv.Ref("unknown-repo:latest")} {
			_, err := c.Resolve(context.Background(), ref)
			if !errors.Is(err, registry.ErrNotFound) {
				t.Fatalf("Resolve(%s) = %v, want ErrNotFound", ref, err)
			}
			if !strings.Contains(err.Error(), ref) {
				t.Errorf("error %q does not name %s", err, ref)
			}
			var re *registry.Error
			if !errors.As(err, &re) || re.StatusCode != 404 || re.Op != "resolving" {
				t.Errorf("error = %#v, want a *registry.Error with status 404", re)
			}
		}
		if w := sl.waits(); len(w) != 0 {
			t.Errorf("a 404 was retried: waits %v", w)
		}
		onlyKinds(t, "server", srv.Counts(), map[registry.Kind]int64{registry.KindHeadManifest: 2})
	})
}

// The refresh flow resolves each distinct base once per run; N bases cost
// N HEADs, and the ping and token exchange happen once per repository.
func TestResolveDistinctBases(t *testing.T) {
	forEachImpl(t, func(t *testing.T, srv *regtest.Server) {
		const n = 5
		var refs []string
		for i := range n {
			ref := srv.Ref("library/base" + string(rune('a'+i)) + ":stable")
			srv.SeedImage(t, ref)
			refs = append(refs, ref)
		}
		c, _ := newClient(t)
		for _, ref := range refs {
			if _, err := c.Resolve(context.Background(), ref); err != nil {
				t.Fatal(err)
			}
		}
		// Again: the transports are cached, so no more pings.
		other := srv.Counts().Other
		for _, ref := range refs {
			if _, err := c.Resolve(context.Background(), ref); err != nil {
				t.Fatal(err)
			}
		}
		onlyKinds(t, "server", srv.Counts(), map[registry.Kind]int64{registry.KindHeadManifest: 2 * n})
		if got := srv.Counts().Other; got != other {
			t.Errorf("second round made %d more ping/token requests, want 0", got-other)
		}
	})
}

func TestResolveRejectsBadReference(t *testing.T) {
	c, _ := newClient(t)
	_, err := c.Resolve(context.Background(), "UPPER/Case::bad")
	if !errors.Is(err, registry.ErrInvalidReference) {
		t.Fatalf("err = %v, want ErrInvalidReference", err)
	}
	if c.Counter().Counts().Total() != 0 {
		t.Errorf("a bad reference reached the network: %s", c.Counter().Counts())
	}
}

// A client is shared by parallel jobs: each repository still gets one
// authenticated transport (one ping reaches the server), and every
// resolution is one HEAD.
func TestResolveConcurrently(t *testing.T) {
	srv := regtest.Olareg().Start(t, regtest.WithTokenAuth(user, password))
	const repos, workers, rounds = 4, 8, 5
	var refs []string
	for i := range repos {
		ref := srv.Ref(fmt.Sprintf("base%d:stable", i))
		srv.SeedImage(t, ref)
		refs = append(refs, ref)
	}
	c, _ := newClient(t, registry.WithCredentials(srv.Host, user, password))
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds*repos)
	for range workers {
		wg.Go(func() {
			for range rounds {
				for _, ref := range refs {
					if _, err := c.Resolve(context.Background(), ref); err != nil {
						errs <- err
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	got := srv.Counts()
	if got.HeadManifest != workers*rounds*repos {
		t.Errorf("%d HEADs, want %d", got.HeadManifest, workers*rounds*repos)
	}
	// Per repository: one ping and one token request.
	if got.Other != 2*repos {
		t.Errorf("%d ping/token requests, want %d", got.Other, 2*repos)
	}
}
