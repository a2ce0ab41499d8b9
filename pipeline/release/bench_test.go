package release_test

import (
	"fmt"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/patchline/patchline/pipeline/internal/testing/fixture"
	"github.com/patchline/patchline/pipeline/internal/testing/regtest"
	"github.com/patchline/patchline/pipeline/plan"
	"github.com/patchline/patchline/pipeline/policy"
	"github.com/patchline/patchline/pipeline/publish"
	"github.com/patchline/patchline/pipeline/release"
)

// Resolving the bases of a release costs one HEAD per distinct base
// reference and no GET, however many stages and platforms use them.
func BenchmarkResolveBases(b *testing.B) {
	for _, bases := range []int{1, 4, 8} {
		b.Run(fmt.Sprintf("bases=%d", bases), func(b *testing.B) {
			e := fixture.New(b, regtest.GGCR())
			var df, final strings.Builder
			final.WriteString("FROM scratch\n")
			for i := 0; i < bases; i++ {
				ref := e.Server.Ref(fmt.Sprintf("library/tool%d", i)) + ":1"
				e.Server.Seed(b, ref, fixture.BaseIndex(b, "1"))
				// Each base is used by two stages and once more by COPY --from.
				fmt.Fprintf(&df, "FROM %s AS s%da\nFROM %s AS s%db\n", ref, i, ref, i)
				fmt.Fprintf(&final, "COPY --from=s%da /etc/debian_version /a%d\nCOPY --from=s%db /etc/debian_version /b%d\nCOPY --from=%s /etc/debian_version /c%d\n", i, i, i, i, ref, i)
			}
			df.WriteString(final.String())
			platforms := []v1.Platform{{OS: "linux", Architecture: "amd64"}, {OS: "linux", Architecture: "arm64"}}
			b.ResetTimer()
			var heads, gets float64
			for i := 0; i < b.N; i++ {
				before := e.Client.Counter().Counts()
				res := release.NewResolver(e.Client)
				if _, err := res.Pin(ctx, "Dockerfile", []byte(df.String()), "", nil, platforms); err != nil {
					b.Fatal(err)
				}
				d := e.Client.Counter().Counts().Sub(before)
				heads += float64(d.HeadManifest)
				gets += float64(d.GetManifest)
			}
			b.ReportMetric(heads/float64(b.N), "HEADs/op")
			b.ReportMetric(gets/float64(b.N), "GETs/op")
			if heads/float64(b.N) != float64(bases) || gets != 0 {
				b.Fatalf("%d bases cost %.1f HEADs and %.0f GETs per run", bases, heads/float64(b.N), gets)
			}
		})
	}
}

// Publishing K extra tags of an image already in the repository costs
// exactly K manifest PUTs and no blob upload.
func BenchmarkPublishExtraTags(b *testing.B) {
	for _, k := range []int{1, 5, 20} {
		b.Run(fmt.Sprintf("tags=%d", k), func(b *testing.B) {
			e := fixture.New(b, regtest.GGCR())
			idx := fixture.BaseIndex(b, "1")
			base := &plan.Plan{Kind: plan.KindRelease, Policy: "bench", Tags: []plan.Tag{{Name: "1.0.0", Role: policy.RoleExact, Immutable: true}}}
			if _, err := publish.Publish(ctx, e.Client, publish.Request{Settle: -1, Repositories: []string{e.Repo}, Index: idx, Plan: base}); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			var puts, uploads float64
			for i := 0; i < b.N; i++ {
				pl := &plan.Plan{Kind: plan.KindEdge, Policy: "bench", Tags: base.Tags}
				for j := 0; j < k; j++ {
					pl.Tags = append(pl.Tags, plan.Tag{Name: fmt.Sprintf("extra-%d-%d", i, j), Role: policy.RoleEdge})
				}
				before := e.Client.Counter().Counts()
				if _, err := publish.Publish(ctx, e.Client, publish.Request{Settle: -1, Repositories: []string{e.Repo}, Index: idx, Plan: pl}); err != nil {
					b.Fatal(err)
				}
				d := e.Client.Counter().Counts().Sub(before)
				puts += float64(d.PutManifest)
				uploads += float64(d.BlobUpload)
			}
			b.ReportMetric(puts/float64(b.N), "manifest-PUTs/op")
			b.ReportMetric(uploads/float64(b.N), "blob-uploads/op")
			if puts/float64(b.N) != float64(k) || uploads != 0 {
				b.Fatalf("%d extra tags cost %.1f PUTs and %.0f uploads", k, puts/float64(b.N), uploads)
			}
		})
	}
}
