package release_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/patchline/patchline/pipeline/internal/testing/fixture"
	"github.com/patchline/patchline/pipeline/internal/testing/regtest"
	"github.com/patchline/patchline/pipeline/registry"
	"github.com/patchline/patchline/pipeline/release"
	"github.com/patchline/patchline/pipeline/version"
)

// A registry that stops answering at a write ends the release with
// ErrTimeout naming it, leaves no floating tag on an unattested image, and
// a re-run once it answers again publishes what a clean run does.
func TestReleaseThroughAWriteThatNeverAnswers(t *testing.T) {
	clean := fixture.New(t, regtest.GGCRNoReferrers())
	clean.Server.ResetCounts()
	rep, err := release.Release(ctx, clean.Inputs("weekly-refresh"), fixture.Version(t, "1.6.0"), version.Set{})
	if err != nil {
		t.Fatal(err)
	}
	want := snapshot(t, clean, rep.Digest)
	n := 0
	for _, r := range clean.Server.Log() {
		if r.Kind == registry.KindPutManifest || r.Kind == registry.KindBlobUpload {
			n++
		}
	}
	// Every third write, and the last, keeps the test quick; the hang is
	// the same at each.
	var ks []int
	for k := 1; k < n; k += 3 {
		ks = append(ks, k)
	}
	for _, k := range append(ks, n) {
		e := fixture.New(t, regtest.GGCRNoReferrers())
		patient := e.Inputs("weekly-refresh")
		c, err := registry.New(
			registry.WithTimeouts(registry.Timeouts{Attempt: 30 * time.Millisecond, Call: 2 * time.Second}),
			registry.WithRetry(registry.RetryPolicy{MaxAttempts: 2, MaxWait: time.Minute}),
			registry.WithSleep(func(context.Context, time.Duration) error { return nil }))
		if err != nil {
			t.Fatal(err)
		}
		e.Client = c
		in := e.Inputs("weekly-refresh")
		f := regtest.Timeout(writes)
		f.Nth = k
		e.Server.Inject(f)
		_, err = release.Release(ctx, in, fixture.Version(t, "1.6.0"), version.Set{})
		if !errors.Is(err, registry.ErrTimeout) || !strings.Contains(err.Error(), "registry "+e.Server.Host) {
			t.Fatalf("write %d: err = %v, want ErrTimeout naming the registry", k, err)
		}
		checkNoUnattestedFloatingTag(t, e, floatingTags)
		e.Server.ClearFaults()
		// The re-run is about finishing the job, not about deadlines: it
		// gets a client with the default ones, so a loaded machine cannot
		// turn a slow answer into a failure here.
		again, err := release.Release(ctx, patient, fixture.Version(t, "1.6.0"), version.Set{})
		if err != nil {
			t.Fatalf("write %d: re-run: %v", k, err)
		}
		if got := snapshot(t, e, again.Digest); !sameShape(got, want) {
			t.Errorf("write %d: after a re-run the repository is\n %v\nwant\n %v", k, got, want)
		}
	}
}
