package registry_test

import (
	"context"
	"errors"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/patchline/patchline/pipeline/internal/testing/regtest"
	"github.com/patchline/patchline/pipeline/registry"
)

// Referrers tells the registries with the OCI 1.1 referrers API (ggcr's
// with the option, olareg) from those without (ggcr's without it,
// Distribution, like GHCR), with one GET, and lists what refers to the
// subject where the API exists.
func TestReferrers(t *testing.T) {
	forEachImpl(t, func(t *testing.T, srv *regtest.Server) {
		img := srv.SeedImage(t, "app:1")
		subject := srv.Ref("app@" + digestOf(t, img).String())
		art, err := random.Image(64, 1)
		if err != nil {
			t.Fatal(err)
		}
		desc, err := remote.Head(mustParse(t, subject), srv.Direct()...)
		if err != nil {
			t.Fatal(err)
		}
		art = mutate.Subject(mutate.ConfigMediaType(mutate.MediaType(art, types.OCIManifestSchema1), "application/vnd.example+json"), *desc).(v1.Image)
		if err := remote.Write(mustParse(t, srv.Ref("app@"+digestOf(t, art).String())), art, srv.Direct()...); err != nil {
			t.Fatal(err)
		}
		srv.ResetCounts()

		c, _ := newClient(t)
		got, api, err := c.Referrers(context.Background(), subject)
		if err != nil {
			t.Fatal(err)
		}
		if api != srv.Impl.Referrers {
			t.Errorf("api = %v, want %v", api, srv.Impl.Referrers)
		}
		if api && (len(got) != 1 || got[0].Digest != digestOf(t, art)) {
			t.Errorf("listed %v, want the artifact %s", got, digestOf(t, art))
		}
		if !api && len(got) != 0 {
			t.Errorf("listed %v without the API; the fallback tag is the caller's", got)
		}
		onlyKinds(t, "server", srv.Counts(), map[registry.Kind]int64{registry.KindReferrers: 1})
	})
}

// A subject is named by digest; anything else is refused before a request.
func TestReferrersNeedsADigest(t *testing.T) {
	srv := regtest.GGCR().Start(t)
	srv.SeedImage(t, "app:1")
	c, _ := newClient(t)
	if _, _, err := c.Referrers(context.Background(), srv.Ref("app:1")); !errors.Is(err, registry.ErrInvalidReference) {
		t.Fatalf("err = %v, want ErrInvalidReference", err)
	}
	if n := c.Counter().Counts().Total(); n != 0 {
		t.Errorf("%d requests for a refused subject", n)
	}
}
