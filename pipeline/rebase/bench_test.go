package rebase

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/patchline/patchline/pipeline/build"
	"github.com/patchline/patchline/pipeline/internal/testing/regtest"
	"github.com/patchline/patchline/pipeline/registry"
)

// The benchmarked line: two platforms, each a base of two 1 MiB layers
// (random, so incompressible) under two 256 KiB application layers, each
// holding one file as a COPY makes it.
const (
	benchBaseLayer = 1 << 20
	benchAppLayer  = 256 << 10
)

// BenchmarkRefresh measures one refresh of a 2-platform line whose base
// moved, done three ways, on CNCF Distribution (per-repository blobs, like
// registry:2 and the hosted registries):
//
//   - rebase: Fetch, Rebase and push, as the rebase strategy does;
//   - rebuild: the new base's images with the application's files copied
//     on again (what a rebuild costs with no RUN step), as builds usually
//     come out: the files get a new mtime, so the layers are new blobs;
//   - rebuild-reproducible: the same with the release's mtimes
//     (SOURCE_DATE_EPOCH and rewritten timestamps), so the layers come out
//     byte for byte as published and are not uploaded again.
//
// Each runs with the base in the application's registry (its layers are
// mounted across repositories) and in another registry (as Docker Hub and
// GHCR: the new base's layers must be copied). Every op pushes to a fresh
// repository holding the published line, with a fresh client, so each pays
// the same: registry requests (both registries, the client's Counter) and
// bytes uploaded (request bodies of blob uploads and manifest PUTs) are
// reported per op. The rebase sub-benchmarks also report the ratio of
// their blob bytes uploaded to each rebuild's.
func BenchmarkRefresh(b *testing.B) {
	for _, layout := range []struct {
		name     string
		separate bool
	}{{"base-same-registry", false}, {"base-other-registry", true}} {
		b.Run(layout.name+"/rebase", func(b *testing.B) {
			l := newBenchLine(b, layout.separate)
			// One op of each rebuild, untimed, for the ratios.
			rebuild := l.op(b, -1, l.rebuild(false), false)
			repro := l.op(b, -2, l.rebuild(true), false)
			total := l.run(b, l.rebase)
			b.ReportMetric(ratio(total.blobBytes, int64(b.N)*rebuild.blobBytes), "blob-bytes-vs-rebuild")
			b.ReportMetric(ratio(total.blobBytes, int64(b.N)*repro.blobBytes), "blob-bytes-vs-reproducible")
		})
		b.Run(layout.name+"/rebuild", func(b *testing.B) {
			l := newBenchLine(b, layout.separate)
			l.run(b, l.rebuild(false))
		})
		b.Run(layout.name+"/rebuild-reproducible", func(b *testing.B) {
			l := newBenchLine(b, layout.separate)
			l.run(b, l.rebuild(true))
		})
	}
}

func ratio(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

type benchLine struct {
	appSrv, baseSrv *regtest.Server
	oldBase         v1.ImageIndex
	newBase         v1.ImageIndex
	app             v1.ImageIndex
	files           map[string][][]byte // platform -> the app's file contents
}

func newBenchLine(b *testing.B, separate bool) *benchLine {
	b.Helper()
	l := &benchLine{appSrv: regtest.Distribution().Start(b), files: map[string][][]byte{}}
	l.baseSrv = l.appSrv
	if separate {
		l.baseSrv = regtest.Distribution().Start(b)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, p := range platforms {
		for range 2 {
			content := make([]byte, benchAppLayer)
			for i := range content {
				content[i] = byte(rng.Uint32())
			}
			l.files[p.String()] = append(l.files[p.String()], content)
		}
	}
	l.oldBase = baseIndex(b, baseSpec{version: "12.1", layerSize: benchBaseLayer})
	l.newBase = baseIndex(b, baseSpec{version: "12.2", layerSize: benchBaseLayer})
	l.app = appIndex(b, l.oldBase, appSpec{baseName: l.baseSrv.Ref("base:12"), layers: func(p v1.Platform) []v1.Layer {
		return l.appLayers(b, p, releaseTime)
	}})
	l.baseSrv.Seed(b, "base:12.1", l.oldBase)
	l.baseSrv.Seed(b, "base:12.2", l.newBase)
	return l
}

// appLayers are the app's files as layers, with the given mtime.
func (l *benchLine) appLayers(tb testing.TB, p v1.Platform, mtime time.Time) []v1.Layer {
	var out []v1.Layer
	for i, content := range l.files[p.String()] {
		out = append(out, fileLayer(tb, fmt.Sprintf("app/file-%d", i), content, mtime))
	}
	return out
}

// cost is what ops cost, summed.
type cost struct {
	requests, bytes, blobBytes int64
}

// opFunc refreshes the line in repo with client c at time now.
type opFunc func(b *testing.B, c *registry.Client, repo string, now time.Time)

// run runs op b.N times and reports its cost per op.
func (l *benchLine) run(b *testing.B, op opFunc) cost {
	var total cost
	for i := range b.N {
		c := l.op(b, i, op, true)
		total.requests += c.requests
		total.bytes += c.bytes
		total.blobBytes += c.blobBytes
	}
	n := float64(b.N)
	b.ReportMetric(float64(total.requests)/n, "requests/op")
	b.ReportMetric(float64(total.bytes)/n, "upload-B/op")
	b.ReportMetric(float64(total.blobBytes)/n, "blob-upload-B/op")
	return total
}

// op runs one refresh against a fresh repository holding the published
// line, with a fresh client; setting those up is not timed, nor the
// refresh itself unless timed.
func (l *benchLine) op(b *testing.B, i int, op opFunc, timed bool) cost {
	b.StopTimer()
	defer b.StartTimer()
	repo := fmt.Sprintf("app-%d", i+2)
	l.appSrv.Seed(b, repo+":1.6.0", l.app)
	m := &meter{inner: remote.DefaultTransport}
	c, err := registry.New(registry.WithInsecure(l.appSrv.Host), registry.WithInsecure(l.baseSrv.Host), registry.WithTransport(m))
	if err != nil {
		b.Fatal(err)
	}
	// Every refresh is at another time, so no two ops make the same
	// config blob.
	now := refreshTime.Add(time.Duration(i+2) * time.Second)
	if timed {
		b.StartTimer()
	}
	op(b, c, repo, now)
	b.StopTimer()
	return cost{
		requests:  c.Counter().Counts().Total(),
		bytes:     m.blob.Load() + m.manifest.Load(),
		blobBytes: m.blob.Load(),
	}
}

func (l *benchLine) rebase(b *testing.B, c *registry.Client, repo string, now time.Time) {
	ctx := context.Background()
	in, err := Fetch(ctx, c, FetchRequest{
		Image:   l.appSrv.Ref(repo + "@" + digestOf(b, l.app).String()),
		NewBase: l.baseSrv.Ref("base@" + digestOf(b, l.newBase).String()),
	})
	if err != nil {
		b.Fatal(err)
	}
	in.Created = now
	out, err := Rebase(ctx, in)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := c.PushIndex(ctx, l.appSrv.Ref(repo+":refresh"), out.Index); err != nil {
		b.Fatal(err)
	}
}

// rebuild returns the op that builds the line again on the new base. The
// new base is read from the registry (its index, and per platform its
// manifest and config) as a builder must; its layers are not pulled, as a
// builder that only copies files need not.
func (l *benchLine) rebuild(reproducible bool) opFunc {
	return func(b *testing.B, c *registry.Client, repo string, now time.Time) {
		ctx := context.Background()
		base, err := c.Index(ctx, l.baseSrv.Ref("base@"+digestOf(b, l.newBase).String()))
		if err != nil {
			b.Fatal(err)
		}
		mtime := now
		if reproducible {
			mtime = releaseTime
		}
		anns := map[string]string{
			build.AnnotationVersion:  "1.6.0",
			build.AnnotationCreated:  now.Format(time.RFC3339),
			build.AnnotationSource:   "https://example.com/app",
			build.AnnotationBaseName: l.baseSrv.Ref("base:12"),
		}
		idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
		for _, p := range platforms {
			d := descFor(b, base, p)
			img, err := base.Image(d.Digest)
			if err != nil {
				b.Fatal(err)
			}
			img = appOn(b, img, l.appLayers(b, p, mtime), now)
			pa := map[string]string{build.AnnotationBaseDigest: d.Digest.String()}
			for k, v := range anns {
				pa[k] = v
			}
			img = mutate.Annotations(img, pa).(v1.Image)
			plat := p
			idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &plat, Annotations: pa}})
		}
		anns[build.AnnotationBaseDigest] = digestOf(b, l.newBase).String()
		idx = mutate.Annotations(idx, anns).(v1.ImageIndex)
		if _, err := c.PushIndex(ctx, l.appSrv.Ref(repo+":refresh"), idx); err != nil {
			b.Fatal(err)
		}
	}
}

// meter counts the request body bytes of blob uploads and manifest PUTs.
type meter struct {
	inner          http.RoundTripper
	blob, manifest atomic.Int64
}

func (m *meter) RoundTrip(req *http.Request) (*http.Response, error) {
	var n *atomic.Int64
	switch registry.KindOf(req.Method, req.URL.Path) {
	case registry.KindBlobUpload:
		n = &m.blob
	case registry.KindPutManifest:
		n = &m.manifest
	}
	if n == nil || req.Body == nil || req.Body == http.NoBody {
		return m.inner.RoundTrip(req)
	}
	r := req.Clone(req.Context())
	r.Body = &countingBody{ReadCloser: req.Body, n: n}
	return m.inner.RoundTrip(r)
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (c *countingBody) Read(p []byte) (int, error) {
	k, err := c.ReadCloser.Read(p)
	c.n.Add(int64(k))
	return k, err
}
