package refresh_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/patchline/patchline/pipeline/internal/testing/regtest"
	"github.com/patchline/patchline/pipeline/refresh"
	"github.com/patchline/patchline/pipeline/registry"
)

// A refresh whose write of one of the line's tags failed leaves that tag
// (and the ones after it) on the old image. The next check reports the
// line stale, and the next refresh, a new CI run, finishes the job with
// no build and no blob upload: tags the base check cannot see are
// compared with the line's image and moved, and a line whose own tag was
// left behind gets the image the interrupted run already published under
// today's dated tag, not a second build with a second dated tag.
func TestTagsLeftBehindAreFinishedWithoutABuild(t *testing.T) {
	for _, c := range contracts {
		date := "20260211"
		want := c.refreshTags(date)
		for _, impl := range regtest.All() {
			for _, failed := range want {
				if strings.Contains(failed, date) {
					continue // written first, before anything can be left behind
				}
				t.Run(c.preset+"/"+impl.Name+"/"+failed, func(t *testing.T) {
					w := newWorld(t, impl, c.preset, c.tags...)
					e := w.e
					w.week()
					e.PushBase(t, "2")
					e.Server.Inject(regtest.Fault{Match: regtest.Route("PUT", `/manifests/`+failed+`$`), Times: -1, Status: http.StatusInternalServerError})
					if _, err := w.refresh(); err == nil {
						t.Fatal("the refresh succeeded although a tag could not be written")
					}
					e.Server.ClearFaults()
					image := e.Digest(e.Repo + ":" + datedTag(want, date))

					rep, err := w.refresh(func(r *refresh.Request) { r.CheckOnly = true })
					if !errors.Is(err, refresh.ErrStale) || line(rep, c.newest).Status != refresh.StatusStale {
						t.Fatalf("check after the failure: %v %s", err, statuses(rep))
					}
					if l := line(rep, c.newest); !strings.Contains(l.Reason, failed) && !strings.Contains(l.Reason, "moved") {
						t.Errorf("check does not say why: %q", l.Reason)
					}

					w.invocation = "another-ci-run"
					builds := e.Builds()
					e.Server.ResetCounts()
					if _, err := w.refresh(); err != nil {
						t.Fatalf("re-run: %v", err)
					}
					if n := e.Server.Counts(); e.Builds() != builds || n.BlobUpload != 0 {
						t.Errorf("the re-run built %d times and uploaded %d blobs", e.Builds()-builds, n.BlobUpload)
					}
					for _, tg := range want {
						if got := e.Digest(e.Repo + ":" + tg); got != image {
							t.Errorf("%s -> %s; want the image of the interrupted run, %s", tg, got, image)
						}
					}
					for _, tg := range e.Tags() {
						if strings.HasSuffix(tg, date+".1") {
							t.Errorf("a second dated tag was written: %s", tg)
						}
					}
					if rep, err = w.refresh(); err != nil || statuses(rep) != c.newest+"=skipped "+c.older+"=skipped" {
						t.Errorf("the run after: %v %s", err, statuses(rep))
					}
					if _, err := w.refresh(func(r *refresh.Request) { r.CheckOnly = true }); err != nil {
						t.Errorf("check after the repair: %v", err)
					}
				})
			}
		}
	}
}

// datedTag picks the dated tag out of a contract's refresh tags.
func datedTag(tags []string, date string) string {
	for _, t := range tags {
		if strings.Contains(t, date) && !strings.HasPrefix(t, "sha256-") {
			return t
		}
	}
	return ""
}

// Re-running the release of a version after a refresh rebuilt it leaves
// the line's floating tags on the refreshed build: a refreshed build of a
// version is newer than its release build.
func TestReleaseRerunAfterARefreshKeepsTheRefreshedBuild(t *testing.T) {
	for _, c := range contracts {
		for _, impl := range regtest.All() {
			t.Run(c.preset+"/"+impl.Name, func(t *testing.T) {
				w := newWorld(t, impl, c.preset, c.tags...)
				e := w.e
				w.week()
				e.PushBase(t, "2")
				rep, err := w.refresh()
				if err != nil {
					t.Fatal(err)
				}
				refreshed := line(rep, c.newest).Digest
				newestTag := c.tags[len(c.tags)-1]
				e.Release(w.inputs(), newestTag, w.gitTags)
				for _, tg := range c.refreshTags("20260211") {
					if got := e.Digest(e.Repo + ":" + tg); got != refreshed {
						t.Errorf("after the release re-run %s -> %s; want the refreshed build %s", tg, got, refreshed)
					}
				}
			})
		}
	}
}

// With refresh.exact: true the exact tag moves on every refresh, so it is
// floating in effect: when attaching the referrers fails, it stays on the
// previous, fully attested image like the line tag.
func TestMovingExactTagWaitsForTheAttestations(t *testing.T) {
	for _, impl := range regtest.All() {
		t.Run(impl.Name, func(t *testing.T) {
			w := newWorld(t, impl, "weekly-refresh", "v1.6.2")
			e := w.e
			before := e.Digest(e.Repo + ":1.6.2")
			w.week()
			e.PushBase(t, "2")
			e.Server.Inject(regtest.Fault{Match: regtest.AfterTag("1.6.2-20260211", regtest.OfKind(registry.KindBlobUpload, registry.KindPutManifest)), Times: -1, Status: http.StatusInternalServerError})
			if _, err := w.refresh(); err == nil {
				t.Fatal("the refresh succeeded although no referrer could be attached")
			}
			if e.Digest(e.Repo+":1.6.2-20260211") == "" {
				t.Fatal("the fault hit before the dated tag was written")
			}
			for _, tg := range []string{"1.6.2", "1.6", "latest"} {
				if got := e.Digest(e.Repo + ":" + tg); got != before {
					t.Errorf("%s moved to %s before its image had its referrers", tg, got)
				}
			}
		})
	}
}
