package registry_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/patchline/patchline/pipeline/internal/testing/regtest"
	"github.com/patchline/patchline/pipeline/registry"
)

// A registry that redirects every request to itself gets at most 11
// requests for it (the first and 10 redirects), on every path of the
// client, and the call fails with an error that says so. Without the
// limit, go-containerregistry's remote follows for ever.
func TestRedirectLoopIsBounded(t *testing.T) {
	for _, tc := range []struct {
		name  string
		match regtest.Matcher
		run   func(ctx context.Context, c *registry.Client, srv *regtest.Server) error
	}{
		{"ping", regtest.Route("GET", `^/v2/$`), func(ctx context.Context, c *registry.Client, srv *regtest.Server) error {
			_, err := c.Resolve(ctx, srv.Ref("app:1"))
			return err
		}},
		{"resolve", regtest.OfKind(registry.KindHeadManifest), func(ctx context.Context, c *registry.Client, srv *regtest.Server) error {
			_, err := c.Resolve(ctx, srv.Ref("app:1"))
			return err
		}},
		{"inspect", regtest.OfKind(registry.KindGetManifest), func(ctx context.Context, c *registry.Client, srv *regtest.Server) error {
			_, err := c.Inspect(ctx, srv.Ref("app:1"))
			return err
		}},
		{"tags", regtest.OfKind(registry.KindTagList), func(ctx context.Context, c *registry.Client, srv *regtest.Server) error {
			_, err := c.Tags(ctx, srv.Ref("app"))
			return err
		}},
		{"tag", regtest.OfKind(registry.KindPutManifest), func(ctx context.Context, c *registry.Client, srv *regtest.Server) error {
			return c.Tag(ctx, srv.Ref("app"), "latest", seededManifest(t, srv))
		}},
		{"push", regtest.OfKind(registry.KindHeadBlob), func(ctx context.Context, c *registry.Client, srv *regtest.Server) error {
			_, err := c.Push(ctx, srv.Ref("app:2"), regtest.Image(t))
			return err
		}},
		{"referrers", regtest.OfKind(registry.KindReferrers), func(ctx context.Context, c *registry.Client, srv *regtest.Server) error {
			_, _, err := c.Referrers(ctx, srv.Ref("app@"+seededManifest(t, srv).Digest.String()))
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := regtest.GGCR().Start(t)
			srv.SeedImage(t, "app:1")
			srv.Inject(regtest.Fault{Match: tc.match, Times: -1, Redirect: true})
			c, _ := newClient(t, registry.WithJobs(1))
			err := returns(func(ctx context.Context) error { return tc.run(ctx, c, srv) })
			if err == nil || !strings.Contains(err.Error(), "redirect") {
				t.Fatalf("err = %v, want the redirect loop named", err)
			}
			if errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("the loop ran until the test's own deadline: %v", err)
			}
			var redirected int
			for _, r := range srv.Log() {
				if r.Fault == "redirect" {
					redirected++
				}
			}
			if redirected > 11 {
				t.Errorf("the registry answered %d requests with a redirect; at most 11 (the request and 10 redirects) may be sent", redirected)
			}
		})
	}
}

// A repository name go-containerregistry's parser takes but the
// distribution spec does not is refused by every client call before a
// request is sent: "host//app" would otherwise be written to "/app".
func TestHostileNamesRefusedBeforeAnyRequest(t *testing.T) {
	srv := regtest.GGCR().Start(t)
	srv.SeedImage(t, "app:1")
	m := seededManifest(t, srv)
	c, _ := newClient(t)
	ctx := context.Background()
	for _, repo := range []string{srv.Host + "//app", srv.Host + "/app/", srv.Host + "/../x", srv.Host + "/-app", "127.0.0.1:99999/app", "-x.io/app"} {
		_, perr := c.Push(ctx, repo+":1", regtest.Image(t))
		terr := c.Tag(ctx, repo, "latest", m)
		_, rerr := c.Resolve(ctx, repo+":1")
		_, lerr := c.Tags(ctx, repo)
		_, _, oerr := c.Read(ctx, repo+":1")
		werr := c.Put(ctx, repo+"@"+m.Digest.String(), m)
		_, _, ferr := c.Referrers(ctx, repo+"@"+m.Digest.String())
		for _, err := range []error{perr, terr, rerr, lerr, oerr, werr, ferr} {
			if !errors.Is(err, registry.ErrInvalidReference) {
				t.Errorf("%s: err = %v, want ErrInvalidReference", repo, err)
			}
		}
	}
	if n := srv.Counts().Total(); n != 0 {
		t.Errorf("hostile names reached the registry: %s", srv.Counts())
	}
}
