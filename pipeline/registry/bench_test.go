package registry_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/patchline/patchline/pipeline/internal/testing/regtest"
	"github.com/patchline/patchline/pipeline/registry"
)

// report turns the requests a server saw during the benchmark into
// per-operation metrics. Counters, not time, are what the suite checks.
func report(b *testing.B, got registry.Counts) {
	n := float64(b.N)
	b.ReportMetric(float64(got.PutManifest)/n, "manifest-PUTs/op")
	b.ReportMetric(float64(got.BlobUpload)/n, "blob-uploads/op")
	b.ReportMetric(float64(got.HeadManifest+got.HeadBlob)/n, "HEADs/op")
	b.ReportMetric(float64(got.GetManifest+got.GetBlob)/n, "GETs/op")
	b.ReportMetric(float64(got.Total())/n, "requests/op")
}

// BenchmarkPublishTags is the tail of a release: an index is pushed, then
// K more tags point at it. Each op writes the K tags; the expected cost is
// K manifest PUTs and nothing else.
func BenchmarkPublishTags(b *testing.B) {
	const k = 5
	tags := []string{"1.6.0-20260204", "1.6", "1", "stable", "latest"}
	for _, impl := range regtest.All() {
		b.Run(impl.Name, func(b *testing.B) {
			srv := impl.Start(b)
			c, _ := newClient(b)
			ctx := context.Background()
			m, err := c.PushIndex(ctx, srv.Ref("app:1.6.0"), regtest.Index(b))
			if err != nil {
				b.Fatal(err)
			}
			srv.ResetCounts()
			b.ResetTimer()
			for range b.N {
				for _, tag := range tags[:k] {
					if err := c.Tag(ctx, srv.Ref("app"), tag, m); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.StopTimer()
			report(b, srv.Counts())
		})
	}
}

// BenchmarkResolveBases is the base check of a refresh run: N distinct
// bases, each resolved once by a new client (a new run). Expected: N HEADs,
// no GET, plus one ping per repository (and a token exchange where asked).
func BenchmarkResolveBases(b *testing.B) {
	const n = 10
	for _, impl := range regtest.All() {
		b.Run(impl.Name, func(b *testing.B) {
			srv := impl.Start(b)
			var refs []string
			for i := range n {
				ref := srv.Ref(fmt.Sprintf("library/base%d:stable", i))
				srv.SeedImage(b, ref)
				refs = append(refs, ref)
			}
			ctx := context.Background()
			srv.ResetCounts()
			b.ResetTimer()
			for range b.N {
				c, _ := newClient(b)
				for _, ref := range refs {
					if _, err := c.Resolve(ctx, ref); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.StopTimer()
			report(b, srv.Counts())
		})
	}
}
