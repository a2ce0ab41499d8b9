package registry_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/patchline/patchline/pipeline/internal/testing/regtest"
	"github.com/patchline/patchline/pipeline/registry"
)

// noKeepAlive makes every request its own connection. net/http replays an
// idempotent request by itself when a reused connection turns out dead,
// below every RoundTripper; without reuse, a reset reaches the client's
// retry layer and the counts are exact.
func noKeepAlive() registry.Option {
	return registry.WithTransport(&http.Transport{DisableKeepAlives: true})
}

var clock = time.Date(2026, 2, 4, 12, 0, 0, 0, time.UTC)

// An operation under test: it runs against a server seeded by the test,
// checks its own result, and names the request kind the fault is aimed at.
type retryOp struct {
	name string
	kind registry.Kind
	run  func(t *testing.T, c *registry.Client, srv *regtest.Server, m *registry.Manifest) error
}

func retryOps() []retryOp {
	ctx := context.Background()
	return []retryOp{
		{"resolve", registry.KindHeadManifest, func(t *testing.T, c *registry.Client, srv *regtest.Server, m *registry.Manifest) error {
			d, err := c.Resolve(ctx, srv.Ref("app:1"))
			if err == nil && d.Digest != directHead(t, srv, srv.Ref("app:1")) {
				t.Errorf("resolved %s, want the seeded digest", d.Digest)
			}
			return err
		}},
		{"inspect", registry.KindGetManifest, func(t *testing.T, c *registry.Client, srv *regtest.Server, _ *registry.Manifest) error {
			m, err := c.Inspect(ctx, srv.Ref("app:1"))
			if err == nil && m.Digest != directHead(t, srv, srv.Ref("app:1")) {
				t.Errorf("read %s, want the seeded digest", m.Digest)
			}
			return err
		}},
		{"tags", registry.KindTagList, func(t *testing.T, c *registry.Client, srv *regtest.Server, m *registry.Manifest) error {
			tags, err := c.Tags(ctx, srv.Ref("app"))
			if err == nil && !slices.Equal(tags, []string{"1"}) {
				t.Errorf("tags = %v, want [1]", tags)
			}
			return err
		}},
		{"tag", registry.KindPutManifest, func(t *testing.T, c *registry.Client, srv *regtest.Server, m *registry.Manifest) error {
			err := c.Tag(ctx, srv.Ref("app"), "latest", m)
			if err == nil && directHead(t, srv, srv.Ref("app:latest")) != m.Digest {
				t.Errorf("latest does not point at the tagged manifest")
			}
			return err
		}},
	}
}

// seededManifest reads app:1 through the side door, so the test's client
// and the server's counts see only the operation under test.
func seededManifest(t *testing.T, srv *regtest.Server) *registry.Manifest {
	t.Helper()
	c, err := registry.New(registry.WithTransport(srv.DirectTransport()))
	if err != nil {
		t.Fatal(err)
	}
	m, err := c.Inspect(context.Background(), srv.Ref("app:1"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// Every operation survives each transient failure, waits what the policy
// or the registry's Retry-After says (through the injected sleep), and
// makes exactly one request more per failure.
func TestRetryTransientFailures(t *testing.T) {
	b := testPolicy.Backoff
	faults := []struct {
		name      string
		fault     regtest.Fault
		wantWaits []time.Duration
	}{
		{"500", regtest.Fault{Status: 500}, []time.Duration{b}},
		{"503 twice", regtest.Fault{Status: 503, Times: 2}, []time.Duration{b, 2 * b}},
		{"502 504", regtest.Fault{Status: 502}, []time.Duration{b}},
		{"429 Retry-After seconds", regtest.Fault{Status: 429, RetryAfter: "7"}, []time.Duration{7 * time.Second}},
		{"429 Retry-After date", regtest.Fault{Status: 429, RetryAfter: clock.Add(30 * time.Second).Format(http.TimeFormat)}, []time.Duration{30 * time.Second}},
		{"503 Retry-After past date", regtest.Fault{Status: 503, RetryAfter: clock.Add(-time.Hour).Format(http.TimeFormat)}, []time.Duration{0}},
		{"408", regtest.Fault{Status: 408}, []time.Duration{b}},
		{"reset", regtest.Fault{Reset: true}, []time.Duration{b}},
		{"reset then 429", regtest.Fault{Reset: true}, nil}, // filled below
	}
	for _, op := range retryOps() {
		t.Run(op.name, func(t *testing.T) {
			forEachImpl(t, func(t *testing.T, srv *regtest.Server) {
				srv.SeedImage(t, "app:1")
				m := seededManifest(t, srv)
				for _, f := range faults {
					t.Run(f.name, func(t *testing.T) {
						c, sl := newClient(t, noKeepAlive(), registry.WithClock(func() time.Time { return clock }))
						srv.ClearFaults()
						srv.ResetCounts()
						f.fault.Match = regtest.OfKind(op.kind)
						srv.Inject(f.fault)
						want := f.wantWaits
						if f.name == "reset then 429" {
							srv.Inject(regtest.Fault{Match: regtest.OfKind(op.kind), Nth: 2, Status: 429, RetryAfter: "2"})
							want = []time.Duration{b, 2 * time.Second}
						}

						if err := op.run(t, c, srv, m); err != nil {
							t.Fatalf("%s after %s: %v", op.name, f.name, err)
						}
						if got := sl.waits(); !slices.Equal(got, want) {
							t.Errorf("waits = %v, want %v", got, want)
						}
						wantN := int64(len(want) + 1)
						if got := srv.Counts().Get(op.kind); got != wantN {
							t.Errorf("server saw %d %s requests, want %d", got, op.kind, wantN)
						}
						if got := c.Counter().Get(op.kind); got != wantN {
							t.Errorf("client counted %d %s requests, want %d", got, op.kind, wantN)
						}
					})
				}
			})
		})
	}
}

// After MaxAttempts the client gives up with an error that names the
// reference and the status; go-containerregistry's retry does not add
// attempts of its own.
func TestRetryGivesUp(t *testing.T) {
	forEachImpl(t, func(t *testing.T, srv *regtest.Server) {
		srv.SeedImage(t, "app:1")
		for _, tc := range []struct {
			name       string
			fault      regtest.Fault
			wantStatus int
			wantText   string
		}{
			{"503", regtest.Fault{Status: 503}, 503, "503 Service Unavailable"},
			{"429", regtest.Fault{Status: 429}, 429, "429 Too Many Requests"},
			{"reset", regtest.Fault{Reset: true}, 0, "connection reset"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				srv.ClearFaults()
				srv.ResetCounts()
				tc.fault.Match, tc.fault.Times = regtest.OfKind(registry.KindHeadManifest), -1
				srv.Inject(tc.fault)
				c, sl := newClient(t, noKeepAlive())
				ref := srv.Ref("app:1")

				_, err := c.Resolve(context.Background(), ref)
				if !errors.Is(err, registry.ErrRetriesExhausted) {
					t.Fatalf("err = %v, want ErrRetriesExhausted", err)
				}
				for _, s := range []string{ref, tc.wantText, "gave up after 4 attempts"} {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not say %q", err, s)
					}
				}
				var re *registry.Error
				if !errors.As(err, &re) || re.StatusCode != tc.wantStatus || re.Attempts != testPolicy.MaxAttempts {
					t.Errorf("error = %+v, want status %d after %d attempts", re, tc.wantStatus, testPolicy.MaxAttempts)
				}
				if got := srv.Counts().HeadManifest; got != int64(testPolicy.MaxAttempts) {
					t.Errorf("server saw %d HEADs, want exactly %d", got, testPolicy.MaxAttempts)
				}
				if got := sl.waits(); len(got) != testPolicy.MaxAttempts-1 {
					t.Errorf("waits = %v, want %d", got, testPolicy.MaxAttempts-1)
				}
			})
		}
	})
}

// A Retry-After beyond the wait budget fails at once rather than sleeping
// for an hour; a 404 or 401 is never retried.
func TestRetryBudgetAndPermanentErrors(t *testing.T) {
	srv := regtest.Distribution().Start(t)
	srv.SeedImage(t, "app:1")
	ref := srv.Ref("app:1")

	srv.Inject(regtest.Fault{Match: regtest.OfKind(registry.KindHeadManifest), Status: 429, RetryAfter: "3600"})
	c, sl := newClient(t)
	_, err := c.Resolve(context.Background(), ref)
	if !errors.Is(err, registry.ErrRetriesExhausted) || !strings.Contains(err.Error(), "retry after 1h0m0s") {
		t.Errorf("err = %v, want retries exhausted naming the asked wait", err)
	}
	if len(sl.waits()) != 0 || srv.Counts().HeadManifest != 1 {
		t.Errorf("slept %v over %d HEADs; want no sleep, one HEAD", sl.waits(), srv.Counts().HeadManifest)
	}

	for _, status := range []int{404, 401, 403, 400, 501} {
		srv.ClearFaults()
		srv.ResetCounts()
		srv.Inject(regtest.Fault{Match: regtest.OfKind(registry.KindHeadManifest), Status: status})
		c, sl := newClient(t)
		if _, err := c.Resolve(context.Background(), ref); err == nil {
			t.Errorf("%d: no error", status)
		}
		if len(sl.waits()) != 0 || srv.Counts().HeadManifest != 1 {
			t.Errorf("%d was retried: waits %v, %d HEADs", status, sl.waits(), srv.Counts().HeadManifest)
		}
	}
}

// An upload interrupted mid-stream is not replayed: the push starts over
// (a new POST for every PATCH), skips the blobs that arrived, honours the
// registry's Retry-After, and ends with complete content.
func TestPushRestartsInterruptedUploads(t *testing.T) {
	for _, tc := range []struct {
		name      string
		fault     regtest.Fault
		wantWaits []time.Duration
	}{
		{"500 on PATCH", regtest.Fault{Match: regtest.Route("PATCH", "/blobs/uploads/"), Status: 500}, []time.Duration{testPolicy.Backoff}},
		{"reset on PATCH", regtest.Fault{Match: regtest.Route("PATCH", "/blobs/uploads/"), Reset: true}, []time.Duration{testPolicy.Backoff}},
		{"429 on POST with Retry-After", regtest.Fault{Match: regtest.Route("POST", "/blobs/uploads/"), Status: 429, RetryAfter: "3"}, []time.Duration{3 * time.Second}},
		{"503 on commit PUT", regtest.Fault{Match: regtest.Route("PUT", "/blobs/uploads/"), Nth: 2, Status: 503}, []time.Duration{testPolicy.Backoff}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			forEachImpl(t, func(t *testing.T, srv *regtest.Server) {
				srv.Inject(tc.fault)
				c, sl := newClient(t, noKeepAlive(), registry.WithJobs(1))
				idx := regtest.Index(t)
				m, err := c.PushIndex(context.Background(), srv.Ref("app:1.0.0"), idx)
				if err != nil {
					t.Fatal(err)
				}
				if m.Digest != digestOf(t, idx) {
					t.Errorf("pushed %s, want %s", m.Digest, digestOf(t, idx))
				}
				if got := sl.waits(); !slices.Equal(got, tc.wantWaits) {
					t.Errorf("waits = %v, want %v", got, tc.wantWaits)
				}
				var posts, patches int
				for _, r := range srv.Log() {
					switch {
					case r.Method == "POST" && r.Kind == registry.KindBlobUpload:
						posts++
					case r.Method == "PATCH":
						patches++
						if patches > posts {
							t.Errorf("a PATCH was replayed without a new upload session: %+v", srv.Log())
						}
					}
				}
				checkComplete(t, srv, srv.Ref("app:1.0.0"))
			})
		})
	}
}

func TestPushGivesUp(t *testing.T) {
	srv := regtest.Olareg().Start(t)
	srv.Inject(regtest.Fault{Match: regtest.Route("PATCH", "/blobs/uploads/"), Status: 500, Times: -1})
	c, sl := newClient(t, registry.WithJobs(1))
	ref := srv.Ref("app:1.0.0")
	_, err := c.Push(context.Background(), ref, regtest.Image(t))
	if !errors.Is(err, registry.ErrRetriesExhausted) || !strings.Contains(err.Error(), ref) || !strings.Contains(err.Error(), "500") {
		t.Fatalf("err = %v, want retries exhausted naming %s and the status", err, ref)
	}
	if got := len(sl.waits()); got != testPolicy.MaxAttempts-1 {
		t.Errorf("%d waits, want %d", got, testPolicy.MaxAttempts-1)
	}
	var patches int
	for _, r := range srv.Log() {
		if r.Method == "PATCH" {
			patches++
		}
	}
	if patches != testPolicy.MaxAttempts {
		t.Errorf("%d PATCHes, want one per attempt (%d)", patches, testPolicy.MaxAttempts)
	}
}

// The same holds for a manifest PUT: go-containerregistry's own loop around
// it (commitManifest) is held to one step, so the registry sees exactly
// MaxAttempts PUTs.
func TestRetryGivesUpOnManifestPUT(t *testing.T) {
	srv := regtest.GGCR().Start(t)
	srv.SeedImage(t, "app:1")
	m := seededManifest(t, srv)
	srv.Inject(regtest.Fault{Match: regtest.OfKind(registry.KindPutManifest), Status: 500, Times: -1})
	c, sl := newClient(t)
	err := c.Tag(context.Background(), srv.Ref("app"), "latest", m)
	if !errors.Is(err, registry.ErrRetriesExhausted) || !strings.Contains(err.Error(), srv.Ref("app:latest")) || !strings.Contains(err.Error(), "500") {
		t.Fatalf("err = %v, want retries exhausted naming the tag and the status", err)
	}
	if got := srv.Counts().PutManifest; got != int64(testPolicy.MaxAttempts) {
		t.Errorf("server saw %d PUTs, want exactly %d", got, testPolicy.MaxAttempts)
	}
	if got := len(sl.waits()); got != testPolicy.MaxAttempts-1 {
		t.Errorf("%d waits, want %d", got, testPolicy.MaxAttempts-1)
	}
}
