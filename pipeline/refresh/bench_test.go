package refresh_test

import (
	"fmt"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/patchline/patchline/pipeline/build"
	"github.com/patchline/patchline/pipeline/dockerfile"
	"github.com/patchline/patchline/pipeline/internal/testing/fixture"
	"github.com/patchline/patchline/pipeline/internal/testing/regtest"
	"github.com/patchline/patchline/pipeline/refresh"
	"github.com/patchline/patchline/pipeline/watch"
)

// fleet publishes L line images as a release would, without building
// them: each records, on every platform descriptor, a final base and an
// image copied into it, taken from B distinct images, and a builder image
// that refresh.watch: content does not watch. The newest line also has
// latest, the tag a publish writes last.
func fleet(b *testing.B, lines, images int, opts ...regtest.Option) (*fixture.Env, []string) {
	b.Helper()
	e := fixture.New(b, regtest.GGCR(), opts...)
	refs := make([]string, images)
	digests := make([]string, images)
	for i := range refs {
		refs[i] = e.Server.Ref(fmt.Sprintf("library/base%d", i)) + ":1"
		idx := fixture.BaseIndex(b, fmt.Sprint(i+1))
		e.Server.Seed(b, refs[i], idx)
		d, _ := idx.Digest()
		digests[i] = d.String()
	}
	tool := e.Server.Ref("library/tool") + ":1"
	toolIndex := fixture.BaseIndex(b, "99")
	e.Server.Seed(b, tool, toolIndex)
	toolDigest, _ := toolIndex.Digest()
	var tags []string
	for i := 0; i < lines; i++ {
		v := fmt.Sprintf("1.%d.0", i)
		inputs := []watch.Input{
			{Ref: refs[i%images], Digest: digests[i%images], Role: dockerfile.RoleFinal, Stages: []string{"1"}},
			{Ref: tool, Digest: toolDigest.String(), Role: dockerfile.RoleBuilder, Stages: []string{"lint"}},
		}
		if images > 1 {
			j := (i + 1) % images
			inputs = append(inputs, watch.Input{Ref: refs[j], Digest: digests[j], Role: dockerfile.RoleContent, Stages: []string{"build"}})
		}
		enc, err := watch.Encode(inputs)
		if err != nil {
			b.Fatal(err)
		}
		ann := map[string]string{
			build.AnnotationVersion:    v,
			build.AnnotationBaseName:   refs[i%images],
			build.AnnotationBaseDigest: digests[i%images],
			watch.AnnotationInputs:     enc,
		}
		idx := describedIndex(b, regtest.Index(b, "linux/amd64"), ann)
		e.Server.Seed(b, e.Repo+":"+fmt.Sprintf("1.%d", i), idx)
		if i == lines-1 {
			e.Server.Seed(b, e.Repo+":latest", idx)
		}
		tags = append(tags, "v"+v)
	}
	return e, tags
}

// describedIndex puts ann on idx and on each of its descriptors, as the
// release flow does.
func describedIndex(b *testing.B, idx v1.ImageIndex, ann map[string]string) v1.ImageIndex {
	b.Helper()
	im, err := idx.IndexManifest()
	if err != nil {
		b.Fatal(err)
	}
	out := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, d := range im.Manifests {
		img, err := idx.Image(d.Digest)
		if err != nil {
			b.Fatal(err)
		}
		out = mutate.AppendManifests(out, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: d.Platform, Annotations: ann}})
	}
	return mutate.Annotations(out, ann).(v1.ImageIndex)
}

const allLines = "version: 1\nsupport:\n  newest_lines: 0\n"

// The cost bound of a refresh with nothing to do: L lines watching B
// distinct images make exactly B HEADs (one per watched image, shared by
// the lines) and L manifest GETs (one per line, of the tag its publish
// writes last), with no blob read and no write; the only other requests
// are the client's /v2/ pings, one per repository the first time it is
// reached. The builder image every line records is not watched under
// refresh.watch: content, so it costs nothing.
func BenchmarkNoopRefresh(b *testing.B) {
	for _, c := range []struct{ lines, images int }{{4, 1}, {20, 3}, {50, 5}} {
		b.Run(fmt.Sprintf("lines=%d/images=%d", c.lines, c.images), func(b *testing.B) {
			e, tags := fleet(b, c.lines, c.images)
			b.ResetTimer()
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
				b.ReportMetric(float64(d.HeadManifest), "HEADs/op")
				b.ReportMetric(float64(d.GetManifest), "manifest-GETs/op")
				if d.HeadManifest != int64(c.images) || d.GetManifest != int64(c.lines) || d.GetBlob != 0 || d.Total()-d.Other != d.HeadManifest+d.GetManifest {
					b.Fatalf("no-op refresh of %d lines watching %d images: %s; want exactly %d HEADs and %d manifest GETs", c.lines, c.images, d, c.images, c.lines)
				}
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
