package registry_test

import (
	"context"
	"errors"
	"testing"

	"github.com/patchline/patchline/pipeline/internal/testing/regtest"
	"github.com/patchline/patchline/pipeline/registry"
)

// ReferrersSupported tells the registries with the OCI 1.1 referrers API
// (ggcr's with the option, olareg) from those without (ggcr's without it,
// Distribution, like GHCR), with one GET per registry.
func TestReferrersSupported(t *testing.T) {
	forEachImpl(t, func(t *testing.T, srv *regtest.Server) {
		srv.SeedImage(t, "app:1")
		c, _ := newClient(t)
		for range 3 {
			got, err := c.ReferrersSupported(context.Background(), srv.Ref("app"))
			if err != nil {
				t.Fatal(err)
			}
			if got != srv.Impl.Referrers {
				t.Errorf("ReferrersSupported = %v, want %v", got, srv.Impl.Referrers)
			}
		}
		onlyKinds(t, "server", srv.Counts(), map[registry.Kind]int64{registry.KindReferrers: 1})
	})
}

// go-containerregistry's registry has the API but answers 404 NAME_UNKNOWN
// for a repository it does not know: that is no answer, not a "no".
func TestReferrersSupportedUnknownRepository(t *testing.T) {
	srv := regtest.GGCR().Start(t)
	srv.SeedImage(t, "app:1")
	c, _ := newClient(t)
	if _, err := c.ReferrersSupported(context.Background(), srv.Ref("never-pushed")); !errors.Is(err, registry.ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
	got, err := c.ReferrersSupported(context.Background(), srv.Ref("app"))
	if err != nil || !got {
		t.Errorf("after the unknown repository: %v, %v; want true (nothing cached)", got, err)
	}
}
