package refresh_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/patchline/patchline/pipeline/attest"
	"github.com/patchline/patchline/pipeline/build"
	"github.com/patchline/patchline/pipeline/internal/regtest"
	"github.com/patchline/patchline/pipeline/registry"
)

var writes = regtest.OfKind(registry.KindPutManifest, registry.KindBlobUpload)

// consistent checks the invariants a reader relies on after any refresh,
// finished or not: every floating tag points at an image that carries its
// attestations and records its base, and no dated tag was written twice.
func consistent(t *testing.T, w *world, when string) {
	t.Helper()
	e := w.e
	for _, tg := range []string{"1.6", "1.5", "latest"} {
		d := e.Digest(e.Repo + ":" + tg)
		if d == "" {
			t.Errorf("%s: %s is missing", when, tg)
			continue
		}
		idx := e.Index(e.Repo + "@" + d)
		im, _ := idx.IndexManifest()
		if im.Annotations[build.AnnotationBaseDigest] == "" {
			t.Errorf("%s: %s records no base", when, tg)
		}
		atts, _ := attest.ReadIndexAttestations(idx)
		for _, m := range im.Manifests {
			if m.Platform.OS == "unknown" {
				continue
			}
			if len(atts[m.Digest]) == 0 || len(e.Referrers(m.Digest, attest.MediaTypeInToto)) == 0 {
				t.Errorf("%s: %s points at %s whose %s image is not attested", when, tg, d, m.Platform)
			}
		}
	}
	for _, tg := range e.Tags() {
		if strings.HasSuffix(tg, ".1") {
			t.Errorf("%s: dated tag written twice: %s", when, tg)
		}
	}
}

func TestFaultsMidRefreshThenRerunConverges(t *testing.T) {
	probe := newWorld(t, regtest.GGCRNoReferrers(), "weekly-refresh", "v1.5.3", "v1.6.2")
	probe.week()
	probe.e.PushBase(t, "2")
	probe.e.Server.ResetCounts()
	if _, err := probe.refresh(); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range probe.e.Server.Log() {
		if r.Kind == registry.KindPutManifest || r.Kind == registry.KindBlobUpload {
			n++
		}
	}
	for k := 1; k <= n; k += 3 {
		w := newWorld(t, regtest.GGCRNoReferrers(), "weekly-refresh", "v1.5.3", "v1.6.2")
		w.week()
		w.e.PushBase(t, "2")
		w.e.Server.Inject(regtest.Fault{Match: writes, Nth: k, Times: -1, Status: http.StatusInternalServerError})
		if _, err := w.refresh(); err == nil {
			t.Fatalf("write %d: refresh succeeded through a dead registry", k)
		}
		consistent(t, w, "after the failure")
		w.e.Server.ClearFaults()
		rep, err := w.refresh()
		if err != nil {
			t.Fatalf("write %d: re-run: %v", k, err)
		}
		for _, l := range rep.Lines {
			if l.Status != "rebuilt" && l.Status != "skipped" {
				t.Errorf("write %d: re-run line %s %s", k, l.Line, l.Status)
			}
		}
		consistent(t, w, "after the re-run")
		if rep, err := w.refresh(); err != nil || statuses(rep) != "1.6=skipped 1.5=skipped" {
			t.Errorf("write %d: third run %v %s", k, err, statuses(rep))
		}
	}
}
