package registry_test

import (
	"context"
	"testing"

	"github.com/patchline/patchline/pipeline/internal/testing/regtest"
	"github.com/patchline/patchline/pipeline/registry"
)

// The client's Counter and the test registry's count the same requests the
// same way, kind by kind, over a whole release-like sequence. (KindOther
// differs by design: the client also counts its HTTPS attempt of the ping
// to a loopback registry, which never becomes a request on the server.)
func TestClientAndServerCountAlike(t *testing.T) {
	forEachImpl(t, func(t *testing.T, srv *regtest.Server) {
		srv.SeedIndex(t, "base:stable")
		ctx := context.Background()
		c, _ := newClient(t)

		if _, err := c.Resolve(ctx, srv.Ref("base:stable")); err != nil {
			t.Fatal(err)
		}
		if _, err := c.PlatformManifests(ctx, srv.Ref("base:stable")); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Tags(ctx, srv.Ref("app")); err != nil {
			t.Fatal(err)
		}
		m, err := c.PushIndex(ctx, srv.Ref("app:1.0.0"), regtest.Index(t))
		if err != nil {
			t.Fatal(err)
		}
		for _, tag := range []string{"1.0", "latest"} {
			if err := c.Tag(ctx, srv.Ref("app"), tag, m); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := c.Inspect(ctx, srv.Ref("app:latest")); err != nil {
			t.Fatal(err)
		}
		if _, _, err := c.Referrers(ctx, srv.Ref("app@"+m.Digest.String())); err != nil {
			t.Fatal(err)
		}

		client, server := c.Counter().Counts(), srv.Counts()
		for _, k := range registry.Kinds() {
			if k != registry.KindOther && client.Get(k) != server.Get(k) {
				t.Errorf("%s: client counted %d, server saw %d", k, client.Get(k), server.Get(k))
			}
		}
		if client.PutManifest != 5 || client.GetManifest != 2 || client.HeadManifest < 1 {
			t.Errorf("unexpected totals: %s", client)
		}
		t.Logf("%s", client)
	})
}
