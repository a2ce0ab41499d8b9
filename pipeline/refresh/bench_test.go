package refresh_test

import (
	"fmt"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/patchline/patchline/pipeline/build"
	"github.com/patchline/patchline/pipeline/internal/testing/fixture"
	"github.com/patchline/patchline/pipeline/internal/testing/regtest"
	"github.com/patchline/patchline/pipeline/refresh"
)

// fleet publishes L line images that record one of B bases each, as a
// release would, without building them.
func fleet(b *testing.B, lines, bases int, opts ...regtest.Option) (*fixture.Env, []string) {
	b.Helper()
	e := fixture.New(b, regtest.GGCR(), opts...)
	refs := make([]string, bases)
	digests := make([]string, bases)
	for i := range refs {
		refs[i] = e.Server.Ref(fmt.Sprintf("library/base%d", i)) + ":1"
		idx := fixture.BaseIndex(b, fmt.Sprint(i+1))
		e.Server.Seed(b, refs[i], idx)
		d, _ := idx.Digest()
		digests[i] = d.String()
	}
	var tags []string
	for i := 0; i < lines; i++ {
		v := fmt.Sprintf("1.%d.0", i)
		idx := mutate.Annotations(regtest.Index(b, "linux/amd64"), map[string]string{
			build.AnnotationVersion:    v,
			build.AnnotationBaseName:   refs[i%bases],
			build.AnnotationBaseDigest: digests[i%bases],
		}).(v1.ImageIndex)
		e.Server.Seed(b, e.Repo+":"+fmt.Sprintf("1.%d", i), idx)
		if i == lines-1 {
			e.Server.Seed(b, e.Repo+":latest", idx)
		}
		tags = append(tags, "v"+v)
	}
	return e, tags
}

const allLines = "version: 1\nsupport:\n  newest_lines: 0\n"

// A no-op refresh of L lines sharing B bases costs at most B HEADs of the
// bases, one HEAD of latest (the newest line's other tag) and L manifest
// GETs, and uploads nothing.
func BenchmarkNoopRefresh(b *testing.B) {
	for _, c := range []struct{ lines, bases int }{{4, 1}, {20, 3}, {50, 5}} {
		b.Run(fmt.Sprintf("lines=%d/bases=%d", c.lines, c.bases), func(b *testing.B) {
			e, tags := fleet(b, c.lines, c.bases)
			b.ResetTimer()
			var heads, gets, uploads float64
			for i := 0; i < b.N; i++ {
				before := e.Server.Counts()
				in := e.Inputs(allLines)
				rep, err := refresh.Run(ctx, refresh.Request{Inputs: in, Released: fixture.Released(in.Policy, tags), SourceFor: e.Source})
				if err != nil {
					b.Fatal(err)
				}
				if rep.Skipped != c.lines {
					b.Fatalf("skipped %d of %d lines", rep.Skipped, c.lines)
				}
				d := e.Server.Counts().Sub(before)
				heads += float64(d.HeadManifest)
				gets += float64(d.GetManifest)
				uploads += float64(d.BlobUpload + d.PutManifest)
			}
			n := float64(b.N)
			b.ReportMetric(heads/n, "HEADs/op")
			b.ReportMetric(gets/n, "manifest-GETs/op")
			b.ReportMetric(uploads/n, "writes/op")
			if heads/n > float64(c.bases+1) || gets/n > float64(c.lines) || uploads > 0 {
				b.Fatalf("no-op refresh of %d lines on %d bases: %.1f HEADs, %.1f GETs, %.0f writes per run", c.lines, c.bases, heads/n, gets/n, uploads/n)
			}
		})
	}
}

// A fleet of 100 lines with 50 ms per request: the checks run in parallel,
// so the run takes about requests / parallelism × latency. The benchmark
// reports the ratio of the measured time to that bound (target: ≤ 1.5).
func BenchmarkFleetWithLatency(b *testing.B) {
	const lines, bases, parallel = 100, 4, 8
	const latency = 50 * time.Millisecond
	e, tags := fleet(b, lines, bases)
	e.Server.SetLatency(latency)
	b.ResetTimer()
	var ratio float64
	for i := 0; i < b.N; i++ {
		before := e.Server.Counts()
		in := e.Inputs(allLines)
		start := time.Now()
		if _, err := refresh.Run(ctx, refresh.Request{Inputs: in, Released: fixture.Released(in.Policy, tags), SourceFor: e.Source, Parallel: parallel}); err != nil {
			b.Fatal(err)
		}
		took := time.Since(start)
		reqs := e.Server.Counts().Sub(before).Total()
		bound := time.Duration(float64(reqs) / parallel * float64(latency))
		ratio += float64(took) / float64(bound)
	}
	b.ReportMetric(ratio/float64(b.N), "time/bound")
}

// A rebase refresh of one line against the layer builder's rebuild of the
// same line: the ratio of their times and of their registry requests.
func BenchmarkRebaseVersusRebuild(b *testing.B) {
	var rebaseTime, rebuildTime time.Duration
	var rebaseReqs, rebuildReqs int64
	for i := 0; i < b.N; i++ {
		for _, strategy := range []string{"rebase", "rebuild"} {
			b.StopTimer()
			policy := "version: 1\nrefresh:\n  strategy: " + strategy + "\n"
			e := fixture.New(b, regtest.GGCR())
			e.Release(e.Inputs(policy), "v1.6.2", []string{"v1.6.2"})
			e.PushBase(b, "2")
			before := e.Server.Counts()
			in := e.Inputs(policy)
			b.StartTimer()
			start := time.Now()
			rep, err := refresh.Run(ctx, refresh.Request{Inputs: in, Released: fixture.Released(in.Policy, []string{"v1.6.2"}), SourceFor: e.Source})
			took := time.Since(start)
			if err != nil || rep.Rebuilt != 1 {
				b.Fatalf("%s: %v %+v", strategy, err, rep)
			}
			reqs := e.Server.Counts().Sub(before).Total()
			if strategy == "rebase" {
				rebaseTime += took
				rebaseReqs += reqs
			} else {
				rebuildTime += took
				rebuildReqs += reqs
			}
		}
	}
	b.ReportMetric(float64(rebaseTime)/float64(rebuildTime), "rebase/rebuild-time")
	b.ReportMetric(float64(rebaseReqs)/float64(rebuildReqs), "rebase/rebuild-requests")
}
