package release_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/patchline/patchline/pipeline/internal/fixture"
	"github.com/patchline/patchline/pipeline/internal/regtest"
	"github.com/patchline/patchline/pipeline/release"
)

func TestConcurrentReleasesOfDifferentVersions(t *testing.T) {
	for _, impl := range []regtest.Impl{regtest.GGCRNoReferrers(), regtest.Olareg()} {
		t.Run(impl.Name, func(t *testing.T) {
			for round := 0; round < 5; round++ {
				e := fixture.New(t, impl)
				tags := []string{"v1.6.2", "v1.6.3", "v1.7.0"}
				versions := []string{"1.6.3", "1.7.0"}
				reps := make([]*release.Report, 2)
				errs := make([]error, 2)
				var wg sync.WaitGroup
				for i, v := range versions {
					wg.Add(1)
					go func() {
						defer wg.Done()
						in := e.Inputs("default")
						in.Source.Commit = strings.Repeat(string("ab"[i]), 40)
						reps[i], errs[i] = release.Release(ctx, in, v, tags)
					}()
				}
				wg.Wait()
				for i, err := range errs {
					if err != nil {
						t.Fatalf("release %s: %v", versions[i], err)
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
