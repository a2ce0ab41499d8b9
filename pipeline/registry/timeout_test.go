package registry_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/patchline/patchline/pipeline/internal/testing/regtest"
	"github.com/patchline/patchline/pipeline/registry"
)

// shortTimeouts and twoAttempts keep the tests fast: nothing here waits
// longer than a few hundred milliseconds for a registry that never answers.
var (
	shortTimeouts = registry.Timeouts{Attempt: 200 * time.Millisecond, Call: 3 * time.Second}
	twoAttempts   = registry.RetryPolicy{MaxAttempts: 2, Backoff: time.Millisecond, MaxWait: time.Minute}
)

// returns runs f under a context that ends long after the client's own
// deadlines: if f comes back only because that context ended, the client
// had no deadline of its own, and its error will not be ErrTimeout.
func returns(f func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return f(ctx)
}

// A registry that accepts the connection and never answers, at any step
// of a call, ends the call with ErrTimeout naming the registry, the step
// and the deadline; a hang is retried like a reset, as often as the policy
// allows.
func TestRegistryThatNeverAnswers(t *testing.T) {
	steps := []struct {
		name  string
		match regtest.Matcher
		step  string
		run   func(ctx context.Context, c *registry.Client, srv *regtest.Server) error
	}{
		{"ping", regtest.Route("GET", `^/v2/$`), "GET /v2/", func(ctx context.Context, c *registry.Client, srv *regtest.Server) error {
			_, err := c.Resolve(ctx, srv.Ref("app:1"))
			return err
		}},
		{"HEAD manifest", regtest.OfKind(registry.KindHeadManifest), "HEAD /v2/app/manifests/1", func(ctx context.Context, c *registry.Client, srv *regtest.Server) error {
			_, err := c.Resolve(ctx, srv.Ref("app:1"))
			return err
		}},
		{"GET manifest", regtest.OfKind(registry.KindGetManifest), "GET /v2/app/manifests/1", func(ctx context.Context, c *registry.Client, srv *regtest.Server) error {
			_, err := c.Inspect(ctx, srv.Ref("app:1"))
			return err
		}},
		{"tag list", regtest.OfKind(registry.KindTagList), "GET /v2/app/tags/list", func(ctx context.Context, c *registry.Client, srv *regtest.Server) error {
			_, err := c.Tags(ctx, srv.Ref("app"))
			return err
		}},
		{"manifest PUT", regtest.OfKind(registry.KindPutManifest), "PUT /v2/app/manifests/latest", func(ctx context.Context, c *registry.Client, srv *regtest.Server) error {
			return c.Tag(ctx, srv.Ref("app"), "latest", seededManifest(t, srv))
		}},
		{"blob upload", regtest.Route("PATCH", "/blobs/uploads/"), "PATCH /v2/app/blobs/uploads/", func(ctx context.Context, c *registry.Client, srv *regtest.Server) error {
			_, err := c.Push(ctx, srv.Ref("app:2"), regtest.Image(t))
			return err
		}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			impls := []regtest.Impl{regtest.GGCR()}
			if st.name == "blob upload" {
				impls = regtest.All() // their upload protocols differ
			}
			for _, impl := range impls {
				srv := impl.Start(t)
				t.Run(impl.Name, func(t *testing.T) {
					srv.SeedImage(t, "app:1")
					for _, kind := range []struct {
						name  string
						fault regtest.Fault
					}{
						{"hang", regtest.Timeout(st.match)},
						{"drip", regtest.Fault{Match: st.match, Times: -1, Drip: 5 * time.Millisecond}},
					} {
						t.Run(kind.name, func(t *testing.T) {
							srv.ClearFaults()
							srv.ResetCounts()
							srv.Inject(kind.fault)
							c, sl := newClient(t, noKeepAlive(), registry.WithTimeouts(shortTimeouts), registry.WithRetry(twoAttempts), registry.WithJobs(1))
							err := returns(func(ctx context.Context) error { return st.run(ctx, c, srv) })
							if !errors.Is(err, registry.ErrTimeout) {
								t.Fatalf("err = %v, want ErrTimeout", err)
							}
							for _, want := range []string{srv.Host, st.step, "200ms"} {
								if !strings.Contains(err.Error(), want) {
									t.Errorf("the error does not name %q: %v", want, err)
								}
							}
							var faulted int
							for _, r := range srv.Log() {
								if r.Fault != "" {
									faulted++
								}
							}
							if faulted != twoAttempts.MaxAttempts {
								t.Errorf("%d requests hit the fault, want %d: a timeout is retried as the policy says", faulted, twoAttempts.MaxAttempts)
							}
							if len(sl.waits()) != twoAttempts.MaxAttempts-1 {
								t.Errorf("waited %v", sl.waits())
							}
						})
					}
				})
			}
		})
	}
}

// The call deadline bounds what the attempt deadline cannot: many short
// attempts, and a blob download that moves a byte just often enough.
func TestCallDeadline(t *testing.T) {
	srv := regtest.GGCR().Start(t)
	img := srv.SeedImage(t, "app:1")

	// Attempts that each time out, with a policy that would retry for
	// ever: the call deadline ends it.
	srv.Inject(regtest.Timeout(regtest.OfKind(registry.KindHeadManifest)))
	patient := registry.RetryPolicy{MaxAttempts: 1000, MaxWait: time.Hour}
	c, _ := newClient(t, noKeepAlive(), registry.WithRetry(patient),
		registry.WithTimeouts(registry.Timeouts{Attempt: 60 * time.Millisecond, Call: 600 * time.Millisecond}))
	err := returns(func(ctx context.Context) error {
		_, err := c.Resolve(ctx, srv.Ref("app:1"))
		return err
	})
	if !errors.Is(err, registry.ErrTimeout) || !strings.Contains(err.Error(), "600ms") || !strings.Contains(err.Error(), srv.Host) {
		t.Fatalf("err = %v, want ErrTimeout naming the 600ms call deadline and the registry", err)
	}
	if n := srv.Counts().HeadManifest; n < 2 || n > 30 {
		t.Errorf("%d HEADs before the call deadline", n)
	}

	// A blob download that drips: each byte resets the stall timer, the
	// call deadline ends it. The layer has the size the drip announces,
	// so the download is not refused for its length.
	srv.ClearFaults()
	big, err := mutate.AppendLayers(img, static.NewLayer(bytes.Repeat([]byte{'x'}, 1<<20), types.OCILayer))
	if err != nil {
		t.Fatal(err)
	}
	srv.Seed(t, "app:big", big)
	layers, _ := big.Layers()
	ld, _ := layers[len(layers)-1].Digest()
	srv.Inject(regtest.Fault{Match: regtest.OfKind(registry.KindGetBlob), Times: -1, Drip: time.Millisecond})
	c, _ = newClient(t, noKeepAlive(), registry.WithTimeouts(registry.Timeouts{Attempt: 250 * time.Millisecond, Call: 600 * time.Millisecond}))
	err = returns(func(ctx context.Context) error {
		img, _, err := c.Read(ctx, srv.Ref("app:big"))
		if err != nil {
			return err
		}
		l, err := img.LayerByDigest(ld)
		if err != nil {
			return err
		}
		rc, err := l.Compressed()
		if err != nil {
			return err
		}
		defer rc.Close()
		_, err = io.Copy(io.Discard, rc)
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "600ms") {
		t.Fatalf("err = %v, want the 600ms call deadline", err)
	}
}

// Timeouts that cannot work are refused.
func TestTimeoutsValidated(t *testing.T) {
	for _, to := range []registry.Timeouts{{}, {Attempt: -1, Call: time.Second}, {Attempt: time.Second}, {Attempt: 2 * time.Second, Call: time.Second}} {
		if _, err := registry.New(registry.WithTimeouts(to)); !errors.Is(err, registry.ErrInvalidOption) {
			t.Errorf("%+v: err = %v, want ErrInvalidOption", to, err)
		}
	}
	d := registry.DefaultTimeouts()
	if d.Attempt <= 0 || d.Call <= d.Attempt || d.Call <= registry.DefaultRetryPolicy().MaxWait {
		t.Errorf("defaults %+v do not leave room for the retry policy's waits", d)
	}
}
