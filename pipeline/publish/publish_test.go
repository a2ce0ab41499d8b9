package publish

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/patchline/patchline/pipeline/build"
	"github.com/patchline/patchline/pipeline/internal/testing/regtest"
	"github.com/patchline/patchline/pipeline/plan"
	"github.com/patchline/patchline/pipeline/policy"
	"github.com/patchline/patchline/pipeline/registry"
)

func client(t *testing.T) *registry.Client {
	t.Helper()
	c, err := registry.New(registry.WithSleep(func(context.Context, time.Duration) error { return nil }))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// versioned returns an index whose index annotations record v, as the
// release flow writes them.
func versioned(t *testing.T, v string) v1.ImageIndex {
	t.Helper()
	return mutate.Annotations(regtest.Index(t, "linux/amd64", "linux/arm64"), map[string]string{build.AnnotationVersion: v}).(v1.ImageIndex)
}

// day is when the tests' builds are made.
var day = time.Date(2026, 2, 4, 9, 0, 0, 0, time.UTC)

// built returns an index that records version v built at t.
func built(t *testing.T, v string, at time.Time) v1.ImageIndex {
	t.Helper()
	return mutate.Annotations(regtest.Index(t, "linux/amd64"), map[string]string{
		build.AnnotationVersion: v,
		build.AnnotationBuilt:   at.Format(time.RFC3339),
	}).(v1.ImageIndex)
}

func planFor(version string, tags ...plan.Tag) *plan.Plan {
	return &plan.Plan{Kind: plan.KindRelease, Policy: "preset:test", Version: version, Tags: tags}
}

var (
	exact = func(n string) plan.Tag { return plan.Tag{Name: n, Role: policy.RoleExact, Immutable: true} }
	dated = func(n string) plan.Tag { return plan.Tag{Name: n, Role: policy.RoleDated, Immutable: true} }
	line  = func(n string) plan.Tag { return plan.Tag{Name: n, Role: policy.RoleLine} }
	alias = func(n string) plan.Tag { return plan.Tag{Name: n, Role: policy.RoleAlias} }
	ctxBg = context.Background()
)

func digestAt(t *testing.T, c *registry.Client, ref string) string {
	t.Helper()
	d, err := c.Resolve(ctxBg, ref)
	if errors.Is(err, registry.ErrNotFound) {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return d.Digest.String()
}

func TestPublishOrderAndRerun(t *testing.T) {
	for _, impl := range regtest.All() {
		t.Run(impl.Name, func(t *testing.T) {
			srv := impl.Start(t)
			c := client(t)
			repo := srv.Ref("acme/app")
			idx := versioned(t, "1.6.0")
			var order []string
			var mu sync.Mutex
			attach := func(ctx context.Context, r string, m *registry.Manifest) ([]string, error) {
				mu.Lock()
				defer mu.Unlock()
				// At attestation time the exact tag exists and no floating one.
				order = append(order, "attach")
				if len(order) == 1 && (digestAt(t, c, r+":1.6.0") == "" || digestAt(t, c, r+":latest") != "") {
					t.Errorf("attach ran with the wrong tags in place")
				}
				return []string{"sha256:att"}, nil
			}
			req := Request{Settle: -1,
				Repositories: []string{repo},
				Index:        idx,
				Plan:         planFor("1.6.0", exact("1.6.0"), dated("1.6.0-20260204"), line("1.6"), alias("latest")),
				Attach:       attach,
			}
			res, err := Publish(ctxBg, c, req)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := idx.Digest()
			for _, tg := range []string{"1.6.0", "1.6.0-20260204", "1.6", "latest"} {
				if got := digestAt(t, c, repo+":"+tg); got != want.String() {
					t.Errorf("%s -> %s; want %s", tg, got, want)
				}
			}
			if !res.Repositories[0].Pushed || res.Repositories[0].Tags[3].Action != Created {
				t.Errorf("result = %+v", res.Repositories[0])
			}
			// A re-run writes nothing.
			srv.ResetCounts()
			res, err = Publish(ctxBg, c, req)
			if err != nil {
				t.Fatal(err)
			}
			counts := srv.Counts()
			if counts.PutManifest != 0 || counts.BlobUpload != 0 {
				t.Errorf("re-run wrote: %s", counts)
			}
			for _, tr := range res.Repositories[0].Tags {
				if tr.Action != Unchanged {
					t.Errorf("re-run %s: %s", tr.Name, tr.Action)
				}
			}
			if len(order) != 2 {
				t.Errorf("attach ran %d times", len(order))
			}
		})
	}
}

func TestImmutableConflictWritesNothing(t *testing.T) {
	srv := regtest.GGCR().Start(t)
	c := client(t)
	repo := srv.Ref("acme/app")
	first := versioned(t, "0.3.0")
	if _, err := Publish(ctxBg, c, Request{Settle: -1, Repositories: []string{repo}, Index: first, Plan: planFor("0.3.0", exact("0.3.0"), line("0.3"))}); err != nil {
		t.Fatal(err)
	}
	srv.ResetCounts()
	other := versioned(t, "0.3.0")
	// The planner saw the tag (Exists): a refusal.
	known := exact("0.3.0")
	known.Exists = true
	_, err := Publish(ctxBg, c, Request{Settle: -1, Repositories: []string{repo}, Index: other, Plan: planFor("0.3.0", known, line("0.3"), alias("latest"))})
	if !errors.Is(err, ErrImmutable) || !strings.Contains(err.Error(), "0.3.0") || !strings.Contains(err.Error(), "nothing was written") {
		t.Fatalf("err = %v", err)
	}
	// The planner found it free, so another run took it since: a lost race.
	_, err = Publish(ctxBg, c, Request{Settle: -1, Repositories: []string{repo}, Index: other, Plan: planFor("0.3.0", exact("0.3.0"), line("0.3"), alias("latest"))})
	var race *RaceError
	if !errors.As(err, &race) || !errors.Is(err, ErrLostRace) || len(race.Lost) != 1 || race.Lost[0].Tag != "0.3.0" {
		t.Fatalf("err = %v", err)
	}
	if n := srv.Counts(); n.PutManifest != 0 || n.BlobUpload != 0 {
		t.Errorf("a refused publish wrote: %s", n)
	}
	if digestAt(t, c, repo+":latest") != "" {
		t.Errorf("latest was written")
	}
}

func TestMutableExactMoves(t *testing.T) {
	srv := regtest.GGCR().Start(t)
	c := client(t)
	repo := srv.Ref("acme/app")
	mutableExact := plan.Tag{Name: "1.6.0", Role: policy.RoleExact}
	for i := 0; i < 2; i++ {
		// A later build of the same version (the git tag was moved).
		idx := built(t, "1.6.0", day.Add(time.Duration(i)*time.Hour))
		res, err := Publish(ctxBg, c, Request{Settle: -1, Repositories: []string{repo}, Index: idx, Plan: planFor("1.6.0", mutableExact)})
		if err != nil {
			t.Fatal(err)
		}
		want := Created
		if i == 1 {
			want = Moved
		}
		if a := res.Repositories[0].Tags[0].Action; a != want {
			t.Errorf("publish %d: %s", i, a)
		}
	}
}

func TestFloatingTagNeverMovesBackwards(t *testing.T) {
	srv := regtest.Olareg().Start(t)
	c := client(t)
	repo := srv.Ref("acme/app")
	newer := versioned(t, "1.7.0")
	if _, err := Publish(ctxBg, c, Request{Settle: -1, Repositories: []string{repo}, Index: newer, Plan: planFor("1.7.0", exact("1.7.0"), alias("latest"))}); err != nil {
		t.Fatal(err)
	}
	older := versioned(t, "1.6.3")
	res, err := Publish(ctxBg, c, Request{Settle: -1, Repositories: []string{repo}, Index: older, Plan: planFor("1.6.3", exact("1.6.3"), alias("latest"))})
	if err != nil {
		t.Fatal(err)
	}
	got := res.Repositories[0].Tags[1]
	nd, _ := newer.Digest()
	if got.Action != Skipped || !strings.Contains(got.Reason, "(1.7.0), a newer build") || digestAt(t, c, repo+":latest") != nd.String() {
		t.Errorf("latest = %+v", got)
	}
	// Rollback is allowed to move it back.
	res, err = Publish(ctxBg, c, Request{Settle: -1, Repositories: []string{repo}, Index: older, Plan: planFor("1.6.3", exact("1.6.3"), alias("latest")), AllowOlder: true})
	if err != nil || res.Repositories[0].Tags[1].Action != Moved {
		t.Errorf("rollback: %v %+v", err, res)
	}
}

func TestMirrorsGetTheSameTags(t *testing.T) {
	a, b := regtest.GGCR().Start(t), regtest.Distribution().Start(t)
	c := client(t)
	repos := []string{a.Ref("acme/app"), b.Ref("mirror/app")}
	idx := versioned(t, "2.0.0")
	var attached []string
	_, err := Publish(ctxBg, c, Request{Settle: -1, Repositories: repos, Index: idx, Plan: planFor("2.0.0", exact("2.0.0"), alias("latest")),
		Attach: func(ctx context.Context, repo string, m *registry.Manifest) ([]string, error) {
			// Every repository has its exact tag before any floating tag.
			for _, r := range repos {
				if digestAt(t, c, r+":2.0.0") == "" || digestAt(t, c, r+":latest") != "" {
					t.Errorf("attach in %s saw %s in the wrong state", repo, r)
				}
			}
			attached = append(attached, repo)
			return nil, nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	d, _ := idx.Digest()
	for _, r := range repos {
		if digestAt(t, c, r+":latest") != d.String() {
			t.Errorf("%s:latest not published", r)
		}
	}
	if len(attached) != 2 {
		t.Errorf("attached %v", attached)
	}
}

func TestAttachFailureLeavesFloatingTagsAlone(t *testing.T) {
	srv := regtest.GGCR().Start(t)
	c := client(t)
	repo := srv.Ref("acme/app")
	idx := versioned(t, "1.0.0")
	req := Request{Settle: -1, Repositories: []string{repo}, Index: idx, Plan: planFor("1.0.0", exact("1.0.0"), alias("latest")),
		Attach: func(context.Context, string, *registry.Manifest) ([]string, error) { return nil, errors.New("boom") }}
	if _, err := Publish(ctxBg, c, req); err == nil || !strings.Contains(err.Error(), "run again") {
		t.Fatalf("err = %v", err)
	}
	if digestAt(t, c, repo+":latest") != "" || digestAt(t, c, repo+":1.0.0") == "" {
		t.Errorf("after a failed attach: latest=%q 1.0.0=%q", digestAt(t, c, repo+":latest"), digestAt(t, c, repo+":1.0.0"))
	}
	req.Attach = func(context.Context, string, *registry.Manifest) ([]string, error) { return nil, nil }
	if _, err := Publish(ctxBg, c, req); err != nil {
		t.Fatal(err)
	}
	if digestAt(t, c, repo+":latest") == "" {
		t.Errorf("re-run did not finish")
	}
}
