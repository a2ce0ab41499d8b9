package attest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// stressRounds is how many rounds one benchmark operation runs; run with
// -benchtime 8x for the 400 rounds the fallback tag is held to.
const stressRounds = 50

// stressWriters attach at once to one subject, each with its own Referrers,
// as two CI runs attaching an SBOM and a provenance each would.
const stressWriters = 4

// jitterFallback delays every request on a fallback tag by up to max, at
// random: a registry under load, where one writer's read-modify-write of
// the tag can straddle another's write and read-back.
func jitterFallback(next http.Handler, max time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "/manifests/sha256-") {
			time.Sleep(time.Duration(rand.Int64N(int64(max))))
		}
		next.ServeHTTP(w, r)
	})
}

// stressRound attaches one artifact per writer to a fresh subject at once
// and returns how many of the attached entries the fallback tag lacks once
// every writer has returned.
func stressRound(tb testing.TB, kind registryKind, round int) int {
	h := jitterFallback(kind.handler(tb), 3*time.Millisecond)
	srv := httptest.NewServer(h)
	defer srv.Close()
	reg, err := name.NewRegistry(strings.TrimPrefix(srv.URL, "http://"), name.Insecure)
	if err != nil {
		tb.Fatal(err)
	}
	repo := reg.Repo("acme", "app")
	img, err := random.Image(64, 1)
	if err != nil {
		tb.Fatal(err)
	}
	d, _ := img.Digest()
	if err := remote.Write(repo.Digest(d.String()), img); err != nil {
		tb.Fatal(err)
	}
	m, _ := img.Manifest()
	size, _ := img.Size()
	subject := v1.Descriptor{MediaType: m.MediaType, Digest: d, Size: size}

	attached := make([]v1.Descriptor, stressWriters)
	errs := make([]error, stressWriters)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range stressWriters {
		done.Add(1)
		go func() {
			defer done.Done()
			r, err := NewReferrers(newClient(tb), WithSettle(40*time.Millisecond))
			if err != nil {
				errs[i] = err
				return
			}
			art := Artifact{ArtifactType: MediaTypeInToto, Content: fmt.Appendf(nil, `{"writer":%d,"round":%d}`, i, round)}
			start.Wait()
			a, err := r.Attach(context.Background(), repo, subject, art, created)
			if err != nil {
				errs[i] = err
				return
			}
			attached[i] = a.Descriptor
			_, errs[i] = r.Settle(context.Background(), repo, subject, []v1.Descriptor{a.Descriptor})
		}()
	}
	start.Done()
	done.Wait()
	for i, err := range errs {
		if err != nil {
			tb.Fatalf("round %d writer %d: %v", round, i, err)
		}
	}
	r := newReferrers(tb)
	im, err := r.readFallback(context.Background(), FallbackTag(repo, subject.Digest))
	if err != nil {
		tb.Fatal(err)
	}
	lost := 0
	for _, a := range attached {
		found := false
		for _, e := range im.Manifests {
			found = found || e.Digest == a.Digest
		}
		if !found {
			lost++
		}
	}
	return lost
}

// BenchmarkFallbackStress measures entries lost from the fallback tag when
// four independent writers attach to one subject at once on a registry
// without the referrers API, with jittered request latency on the tag. The
// target is 0 lost entries; it fails on any.
func BenchmarkFallbackStress(b *testing.B) {
	for _, kind := range []registryKind{ggcrWithoutAPI, distributionKind} {
		b.Run(kind.name, func(b *testing.B) {
			lost, rounds := 0, 0
			for i := 0; i < b.N; i++ {
				for range stressRounds {
					lost += stressRound(b, kind, rounds)
					rounds++
				}
			}
			b.ReportMetric(float64(lost), "lost-entries")
			b.ReportMetric(float64(rounds), "rounds")
			if lost > 0 {
				b.Fatalf("%d entries lost over %d rounds of %d writers", lost, rounds, stressWriters)
			}
		})
	}
}
