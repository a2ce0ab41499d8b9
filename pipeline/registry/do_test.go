package registry_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/patchline/patchline/pipeline/internal/testing/regtest"
)

// A remote.Write run through Do survives a failed blob upload: the upload
// is started over after the wait the registry asked for (or the policy's
// backoff), and the image arrives complete.
func TestDoStartsAnInterruptedUploadOver(t *testing.T) {
	forEachImpl(t, func(t *testing.T, srv *regtest.Server) {
		for _, tc := range []struct {
			name  string
			fault regtest.Fault
			want  []time.Duration
		}{
			{"500 on POST", regtest.Fault{Match: regtest.Route("POST", `/blobs/uploads/$`), Status: 500}, []time.Duration{testPolicy.Backoff}},
			{"429 on PATCH", regtest.Fault{Match: regtest.Route("PATCH", `/blobs/uploads/.`), Status: 429, RetryAfter: "2"}, []time.Duration{2 * time.Second}},
			{"reset on PUT", regtest.Fault{Match: regtest.Route("PUT", `/blobs/uploads/.`), Reset: true}, []time.Duration{testPolicy.Backoff}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				srv.ClearFaults()
				in := srv.Inject(tc.fault)
				c, sl := newClient(t, noKeepAlive())
				img, err := random.Image(512, 2)
				if err != nil {
					t.Fatal(err)
				}
				ref := mustParse(t, srv.Ref("app:"+strings.ReplaceAll(tc.name, " ", "-")))
				err = c.Do(context.Background(), func(ctx context.Context) error {
					opts, err := c.RemoteOptions(ctx, ref.Context().Name(), true)
					if err != nil {
						return err
					}
					return remote.Write(ref, img, append(opts, remote.WithContext(ctx))...)
				})
				if err != nil {
					t.Fatalf("Do: %v", err)
				}
				if in.Fired() != 1 {
					t.Errorf("fault fired %d times", in.Fired())
				}
				if got := sl.waits(); !slices.Equal(got, tc.want) {
					t.Errorf("waits = %v, want %v", got, tc.want)
				}
				checkComplete(t, srv, ref.String())
			})
		}
	})
}

// Do gives up after MaxAttempts starts, and returns op's own error when the
// failure is not one that may pass.
func TestDoGivesUp(t *testing.T) {
	srv := regtest.Olareg().Start(t)
	srv.Inject(regtest.Fault{Match: regtest.Route("POST", `/blobs/uploads/$`), Status: 503, Times: -1})
	c, sl := newClient(t, noKeepAlive())
	ref := mustParse(t, srv.Ref("app:1"))
	img, _ := random.Image(256, 1)
	runs := 0
	err := c.Do(context.Background(), func(ctx context.Context) error {
		runs++
		opts, err := c.RemoteOptions(ctx, ref.Context().Name(), true)
		if err != nil {
			return err
		}
		return remote.Write(ref, img, append(opts, remote.WithContext(ctx))...)
	})
	if err == nil || runs != testPolicy.MaxAttempts || len(sl.waits()) != testPolicy.MaxAttempts-1 {
		t.Errorf("err = %v after %d runs and waits %v; want a failure after %d runs", err, runs, sl.waits(), testPolicy.MaxAttempts)
	}

	permanent := errors.New("not a registry failure")
	runs = 0
	if err := c.Do(context.Background(), func(context.Context) error { runs++; return permanent }); !errors.Is(err, permanent) || runs != 1 {
		t.Errorf("a permanent error: %v after %d runs", err, runs)
	}
}
