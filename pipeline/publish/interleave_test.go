package publish

import (
	"context"
	"errors"
	"testing"

	"github.com/patchline/patchline/pipeline/internal/testing/regtest"
	"github.com/patchline/patchline/pipeline/registry"
)

// hooked is a Registry that runs a hook before each Resolve, so a test can
// put another run's writes at an exact point of a publish.
type hooked struct {
	Registry
	before func(ref string)
}

func (h *hooked) Resolve(ctx context.Context, ref string) (registry.Descriptor, error) {
	h.before(ref)
	return h.Registry.Resolve(ctx, ref)
}

// Two runs of one release publish to a repository and its mirror. When
// this run finds the exact tag taken in the first repository at its last
// look, it has lost, and writes nothing more: not the mirror's tag either,
// which the winner then writes. Both repositories end on the winner's
// image.
func TestALostImmutableTagStopsTheMirrorsToo(t *testing.T) {
	a, b := regtest.GGCR().Start(t), regtest.GGCR().Start(t)
	c := client(t)
	primary, mirror := a.Ref("acme/app"), b.Ref("acme/app")
	winner, loser := built(t, "2.0.0", day), built(t, "2.0.0", day.Add(1))
	looks := 0
	h := &hooked{Registry: c, before: func(ref string) {
		if ref != primary+":2.0.0" {
			return
		}
		if looks++; looks == 2 { // the look right before the write
			if _, err := Publish(ctxBg, c, Request{Settle: -1, Repositories: []string{primary}, Index: winner, Plan: planFor("2.0.0", exact("2.0.0"))}); err != nil {
				t.Fatal(err)
			}
		}
	}}
	_, err := Publish(ctxBg, h, Request{Settle: -1, Repositories: []string{primary, mirror}, Index: loser, Plan: planFor("2.0.0", exact("2.0.0"))})
	var race *RaceError
	if !errors.As(err, &race) {
		t.Fatalf("the run that lost the tag: %v; want a *RaceError", err)
	}
	if got := digestAt(t, c, mirror+":2.0.0"); got != "" {
		t.Fatalf("the losing run wrote the mirror's 2.0.0 (%s) after losing the primary's", got)
	}
	if _, err := Publish(ctxBg, c, Request{Settle: -1, Repositories: []string{primary, mirror}, Index: winner, Plan: planFor("2.0.0", exact("2.0.0"))}); err != nil {
		t.Fatalf("the winner finishing the mirror: %v", err)
	}
	w, _ := winner.Digest()
	if digestAt(t, c, primary+":2.0.0") != w.String() || digestAt(t, c, mirror+":2.0.0") != w.String() {
		t.Error("the repository and its mirror hold different images under 2.0.0")
	}
}

// A floating tag missing when the publish began may be written by another
// run while this one pushes and attests. It is looked at again right
// before it is written, and a newer build there keeps it.
func TestAFloatingTagIsLookedAtAgainBeforeItIsWritten(t *testing.T) {
	srv := regtest.GGCR().Start(t)
	c := client(t)
	repo := srv.Ref("acme/app")
	older, newer := built(t, "1.7.0", day), built(t, "1.7.0", day.Add(3600e9))
	res, err := Publish(ctxBg, c, Request{Settle: -1, Repositories: []string{repo}, Index: older, Plan: planFor("1.7.0", dated("1.7.0-20260204"), line("1.7")),
		Attach: func(ctx context.Context, _ string, _ *registry.Manifest) ([]string, error) {
			_, err := Publish(ctx, c, Request{Settle: -1, Repositories: []string{repo}, Index: newer, Plan: planFor("1.7.0", dated("1.7.0-20260204.1"), line("1.7"))})
			return nil, err
		}})
	if err != nil {
		t.Fatal(err)
	}
	n, _ := newer.Digest()
	if got := digestAt(t, c, repo+":1.7"); got != n.String() {
		t.Errorf("1.7 moved back to the older build (%s); the newer build %s should keep it", got, n)
	}
	if tags := res.Repositories[0].Tags; tags[len(tags)-1].Action != Skipped {
		t.Errorf("the older build's report: %+v; want 1.7 skipped", tags)
	}
}
