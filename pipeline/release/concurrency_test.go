package release_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patchline/patchline/pipeline/internal/testing/fixture"
	"github.com/patchline/patchline/pipeline/internal/testing/regtest"
	"github.com/patchline/patchline/pipeline/release"
)

// concurrentSettle is the read-back pause of runs started together.
const concurrentSettle = 20 * time.Millisecond

// releasesAtOnce runs one release per version at the same time, each as
// its own CI run: its own client and invocation id.
func releasesAtOnce(t *testing.T, e *fixture.Env, policy string, gitTags []string, versions ...string) ([]*release.Report, []error) {
	t.Helper()
	reps := make([]*release.Report, len(versions))
	errs := make([]error, len(versions))
	var wg sync.WaitGroup
	for i, v := range versions {
		in := e.Inputs(policy)
		in.Registry = e.NewClient()
		in.InvocationID = fmt.Sprintf("ci-run-%d", i)
		in.Settle = concurrentSettle
		b, src, _ := e.Source(ctx, "v"+v)
		in.Builder, in.Source = b, src
		ver, released := fixture.Version(t, v), fixture.Released(in.Policy, gitTags)
		wg.Add(1)
		go func() {
			defer wg.Done()
			reps[i], errs[i] = release.Release(ctx, in, ver, released)
		}()
	}
	wg.Wait()
	return reps, errs
}

// firstWrites maps each tag to the digest first written to it.
func firstWrites(e *fixture.Env) map[string]string {
	first := map[string]string{}
	for _, w := range e.TagWrites() {
		if _, ok := first[w.Tag]; !ok {
			first[w.Tag] = w.Digest
		}
	}
	return first
}

// Two CI runs release the same version at once. The one that loses the
// immutable tag finishes the winner's build instead of its own, so every
// tag of the release ends on one image, and an immutable tag holds the
// image first written to it unless a run reported losing it in the same
// instant.
func TestTwoReleasesOfOneVersionAtOnce(t *testing.T) {
	for _, c := range []struct{ policy, version, immutable string }{
		{"stable-line", "0.3.1", "0.3.1"},
		{"weekly-refresh", "1.6.2", "1.6.2-20260204"},
	} {
		for _, impl := range regtest.All() {
			t.Run(c.policy+"/"+impl.Name, func(t *testing.T) {
				for round := range 3 {
					e := fixture.New(t, impl)
					reps, errs := releasesAtOnce(t, e, c.policy, []string{"v" + c.version}, c.version, c.version)
					var notes []string
					for i, err := range errs {
						if err != nil {
							t.Fatalf("round %d: release %d: %v", round, i, err)
						}
						notes = append(notes, reps[i].Notes...)
					}
					img := e.Digest(e.Repo + ":" + c.immutable)
					var tags []string
					for _, tg := range e.Tags() {
						if strings.HasPrefix(tg, "sha256-") {
							continue
						}
						tags = append(tags, tg)
						if d := e.Digest(e.Repo + ":" + tg); d != img {
							t.Errorf("round %d: %s -> %s but %s -> %s", round, tg, d, c.immutable, img)
						}
					}
					if f := firstWrites(e)[c.immutable]; f != img && !strings.Contains(strings.Join(notes, "\n"), ":"+c.immutable) {
						t.Errorf("round %d: %s holds %s, not %s first written to it, and no run reported losing it", round, c.immutable, img, f)
					}
					if len(tags) != 4 {
						t.Errorf("round %d: tags %v; want the four of the release", round, tags)
					}
					checkNoUnattestedFloatingTag(t, e, tags)
					if t.Failed() {
						t.FailNow()
					}
				}
			})
		}
	}
}

// Two releases of different versions at once: each line's tags end on its
// own release, and latest on the newer one, whichever finished last.
func TestConcurrentReleasesOfDifferentVersions(t *testing.T) {
	for _, impl := range regtest.All() {
		t.Run(impl.Name, func(t *testing.T) {
			for round := range 3 {
				e := fixture.New(t, impl)
				reps, errs := releasesAtOnce(t, e, "default", []string{"v1.6.2", "v1.6.3", "v1.7.0"}, "1.6.3", "1.7.0")
				for i, err := range errs {
					if err != nil {
						t.Fatalf("round %d: release %d: %v", round, i, err)
					}
				}
				want := map[string]string{
					"1.6.3": reps[0].Digest, "1.6": reps[0].Digest,
					"1.7.0": reps[1].Digest, "1.7": reps[1].Digest, "latest": reps[1].Digest,
				}
				for tg, d := range want {
					if got := e.Digest(e.Repo + ":" + tg); got != d {
						t.Errorf("round %d: %s -> %s; want %s", round, tg, got, d)
					}
				}
			}
		})
	}
}
