package release

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"sort"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/patchline/patchline/pipeline/build"
	"github.com/patchline/patchline/pipeline/dockerfile"
	"github.com/patchline/patchline/pipeline/registry"
	"github.com/patchline/patchline/pipeline/reponame"
	"github.com/patchline/patchline/pipeline/watch"
)

// Base is one external image the build uses, resolved for this run.
type Base struct {
	// Ref is the normalised reference, e.g. docker.io/library/debian:bookworm-slim.
	Ref string `json:"ref"`
	// Digest is what the tag points at now (an index for multi-platform
	// images).
	Digest string `json:"digest"`
	// Previous is the digest the Dockerfile was pinned to, if it was.
	Previous string `json:"previous,omitempty"`
	// Final marks the image the result is based on.
	Final bool `json:"final,omitempty"`
	// Role is how the image reaches the result: the final base, content
	// copied into the final stage, or a builder.
	Role dockerfile.Role `json:"role,omitempty"`
	// Stages are the Dockerfile stages that use the image.
	Stages []string `json:"stages,omitempty"`
	// Platforms maps os/arch to the platform manifest digest (final base
	// only).
	Platforms map[string]string `json:"platforms,omitempty"`
}

// Inputs are the bases as the image records them (see watch).
func (p *Pinned) Inputs() []watch.Input {
	if p == nil {
		return nil
	}
	out := make([]watch.Input, 0, len(p.Bases))
	for _, b := range p.Bases {
		out = append(out, watch.Input{Ref: b.Ref, Digest: b.Digest, Role: b.Role, Stages: b.Stages})
	}
	return out
}

// Pinned is a Dockerfile with every base pinned for this build.
type Pinned struct {
	Content   []byte
	BuildArgs []build.Arg
	Bases     []Base
	Final     *Base
	Changes   []dockerfile.Change
	// RebasedFrom is set when the image was not built but rebased: the
	// published image (repository@digest) whose layers it keeps.
	RebasedFrom string
}

// Resolver caches base digests for one run, so every base is resolved with
// one HEAD however many lines, stages or platforms use it. It is safe for
// concurrent use: goroutines asking for the same base at once share one
// request.
type Resolver struct {
	reg *registry.Client

	mu        sync.Mutex
	digests   map[string]*lookup
	platforms map[string]*lookup
}

type lookup struct {
	once      sync.Once
	digest    string
	platforms map[string]string
	notIndex  bool // the digest is one image, not an index
	err       error
}

// NewResolver returns a resolver that asks reg.
func NewResolver(reg *registry.Client) *Resolver {
	return &Resolver{reg: reg, digests: map[string]*lookup{}, platforms: map[string]*lookup{}}
}

func (r *Resolver) entry(m map[string]*lookup, key string) *lookup {
	r.mu.Lock()
	defer r.mu.Unlock()
	l, ok := m[key]
	if !ok {
		l = &lookup{}
		m[key] = l
	}
	return l
}

// Digest resolves ref with one HEAD the first time it is asked.
func (r *Resolver) Digest(ctx context.Context, ref string) (string, error) {
	l := r.entry(r.digests, ref)
	l.once.Do(func() {
		desc, err := r.reg.Resolve(ctx, ref)
		if err != nil {
			l.err = err
			return
		}
		l.digest = desc.Digest.String()
	})
	return l.digest, l.err
}

// known returns a digest already resolved, without a request.
func (r *Resolver) known(ref string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if l, ok := r.digests[ref]; ok {
		return l.digest
	}
	return ""
}

// PlatformDigests returns the platform manifest digests of ref@digest:
// one GET of the index, only for the final base. A single-platform base
// maps every requested platform to its own digest.
//
// What the registry answered is kept per digest, and want is applied to
// it on every call: callers that want other platforms of the same image
// (a line's final base, another line's copied-in image) each get their
// own answer.
func (r *Resolver) PlatformDigests(ctx context.Context, ref, digest string, want []v1.Platform) (map[string]string, error) {
	l := r.entry(r.platforms, ref+"@"+digest)
	l.once.Do(func() { l.platforms, l.notIndex, l.err = r.platformManifests(ctx, ref, digest) })
	if l.err != nil {
		return nil, l.err
	}
	out := map[string]string{}
	if l.notIndex {
		for _, p := range want {
			out[p.String()] = digest
		}
		return out, nil
	}
	maps.Copy(out, l.platforms)
	for _, p := range want {
		if _, ok := out[p.String()]; !ok {
			return nil, fmt.Errorf("base %s has no %s image (it has %s); build only the platforms the base provides with --platform, or choose another base", ref, p, keys(out))
		}
	}
	return out, nil
}

// platformManifests reads the index digest names: each platform's
// manifest, or notIndex when the digest is a single image.
func (r *Resolver) platformManifests(ctx context.Context, ref, digest string) (platforms map[string]string, notIndex bool, err error) {
	descs, err := r.reg.PlatformManifests(ctx, reponame.Of(ref)+"@"+digest)
	switch {
	case errors.Is(err, registry.ErrNotIndex):
		return nil, true, nil
	case err != nil:
		return nil, false, err
	}
	platforms = map[string]string{}
	for _, d := range descs {
		if d.Platform != nil {
			platforms[d.Platform.String()] = d.Digest.String()
		}
	}
	return platforms, false, nil
}

// Pin parses the Dockerfile for every platform, resolves its bases (one
// HEAD per distinct reference, no GET) and returns it pinned. Every platform must need the same bases: one pinned
// Dockerfile serves the whole multi-platform build.
func (r *Resolver) Pin(ctx context.Context, file string, content []byte, target string, args []build.Arg, platforms []v1.Platform) (*Pinned, error) {
	argMap := map[string]string{}
	for _, a := range args {
		argMap[a.Name] = a.Value
	}
	var first *dockerfile.PinResult
	var report dockerfile.Report
	for i, p := range platforms {
		df, err := dockerfile.Parse(content, dockerfile.WithFilename(file), dockerfile.WithBuildArgs(argMap), dockerfile.WithTarget(target), dockerfile.WithTargetPlatform(p.String()))
		if err != nil {
			return nil, err
		}
		rep := df.Report()
		digests, err := dockerfile.Resolve(ctx, rep.References, r.Digest)
		if err != nil {
			return nil, err
		}
		res, err := df.Pin(digests)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			first, report = res, rep
			continue
		}
		if !bytes.Equal(res.Dockerfile, first.Dockerfile) {
			return nil, fmt.Errorf("%w: %s names other base images for %s than for %s; use one base for every platform", ErrPlatforms, file, p, platforms[0])
		}
	}
	out := &Pinned{Content: first.Dockerfile, Changes: first.Changes}
	pinnedArgs := map[string]string{}
	for k, v := range first.BuildArgs {
		pinnedArgs[k] = v
	}
	for _, a := range args {
		if v, ok := pinnedArgs[a.Name]; ok {
			a.Value = v
		}
		out.BuildArgs = append(out.BuildArgs, a)
	}
	for _, img := range report.Images {
		ref := img.Ref
		b := Base{Ref: ref.Key(), Digest: r.known(ref.Key()), Previous: ref.Digest, Role: img.Role, Stages: img.Stages}
		if report.Base != nil && report.Base.Key() == ref.Key() {
			b.Final = true
		}
		out.Bases = append(out.Bases, b)
	}
	for i := range out.Bases {
		if out.Bases[i].Final {
			out.Final = &out.Bases[i]
		}
	}
	return out, nil
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
