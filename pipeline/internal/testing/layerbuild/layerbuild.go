// Package layerbuild is a Builder that runs nothing: it reads the
// Dockerfile's target stage, starts from the pinned base image of each
// platform, adds one layer with the files its COPY instructions name (from
// the source tree, from another stage or from an image with COPY --from),
// and applies the config instructions (ENV, LABEL, WORKDIR, USER,
// ENTRYPOINT, CMD, EXPOSE, ARG). RUN is refused unless the builder is
// given a RunFunc that stands in for the command; its results are cached
// the way BuildKit caches a RUN layer, by the step's inputs, so that tests
// see what a persistent engine does. Its output is a real, deterministic
// multi-platform image, which is what the release and refresh flows are
// tested against when no Dagger engine is available.
package layerbuild

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/patchline/patchline/pipeline/build"
)

// ErrUnsupported is returned for Dockerfile features this builder cannot
// honour without running containers.
var ErrUnsupported = errors.New("not supported without a container engine")

// FetchFunc returns the image of one platform of a pinned reference
// (name:tag@sha256:... or name@sha256:...).
type FetchFunc func(ctx context.Context, ref string, platform v1.Platform) (v1.Image, error)

// Run is one RUN instruction handed to a RunFunc.
type Run struct {
	// Platform is the platform being built.
	Platform v1.Platform
	// Command is the command as written after RUN and its flags.
	Command string
	// Args are the build arguments in scope (declared with ARG in the
	// stage), with their values: what BuildKit puts in the step's
	// environment and in its cache key.
	Args map[string]string
	// File returns a regular file of the stage's filesystem so far, by
	// absolute path.
	File func(path string) ([]byte, bool)
}

// RunFunc stands in for a RUN instruction: it returns the files the step
// writes, by absolute path.
type RunFunc func(ctx context.Context, r Run) (map[string][]byte, error)

// Cache holds RUN results by their inputs, as an engine's layer cache
// does: a step whose stage so far, command and build arguments in scope
// are those of an earlier step gets that step's files without running.
// Share one between builders to model one persistent engine.
type Cache struct {
	mu    sync.Mutex
	steps map[string]map[string][]byte
	runs  int
}

// NewCache returns an empty cache.
func NewCache() *Cache { return &Cache{steps: map[string]map[string][]byte{}} }

// Runs returns how many RUN steps ran (not taken from the cache).
func (c *Cache) Runs() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.runs
}

// Option configures a Builder.
type Option func(*Builder)

// WithRun lets the builder run RUN instructions with run.
func WithRun(run RunFunc) Option { return func(b *Builder) { b.run = run } }

// WithCache shares a RUN cache; without it each builder has its own.
func WithCache(c *Cache) Option { return func(b *Builder) { b.cache = c } }

// Builder assembles images from a source tree held in memory.
type Builder struct {
	files map[string][]byte
	fetch FetchFunc
	run   RunFunc
	cache *Cache

	mu     sync.Mutex
	builds int
}

// New returns a builder over files (path → content, "Dockerfile" among
// them) that fetches base images with fetch.
func New(files map[string]string, fetch FetchFunc, opts ...Option) *Builder {
	fs := map[string][]byte{}
	for k, v := range files {
		fs[path.Clean(k)] = []byte(v)
	}
	b := &Builder{files: fs, fetch: fetch}
	for _, o := range opts {
		o(b)
	}
	if b.cache == nil {
		b.cache = NewCache()
	}
	return b
}

// Builds returns how many builds ran, so tests can assert that a refresh
// that should skip did not build.
func (b *Builder) Builds() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.builds
}

// SetFile replaces a file of the source tree, e.g. to simulate a new commit.
func (b *Builder) SetFile(p, content string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.files[path.Clean(p)] = []byte(content)
}

// ReadFile returns a file of the source tree.
func (b *Builder) ReadFile(ctx context.Context, p string) ([]byte, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	f, ok := b.files[path.Clean(p)]
	if !ok {
		return nil, fmt.Errorf("%s is not in the source directory", p)
	}
	return append([]byte(nil), f...), nil
}

// Build builds every platform of spec.
func (b *Builder) Build(ctx context.Context, spec build.Spec) (v1.ImageIndex, error) {
	b.mu.Lock()
	b.builds++
	b.mu.Unlock()
	res, err := parser.Parse(bytes.NewReader(spec.Content))
	if err != nil {
		return nil, fmt.Errorf("%w: parsing %s: %v", build.ErrBuild, spec.Dockerfile, err)
	}
	stages, _, err := instructions.Parse(res.AST, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: parsing %s: %v", build.ErrBuild, spec.Dockerfile, err)
	}
	if len(stages) == 0 {
		return nil, fmt.Errorf("%w: %s has no FROM", build.ErrBuild, spec.Dockerfile)
	}
	target := len(stages) - 1
	if spec.Target != "" {
		target = -1
		for i, s := range stages {
			if strings.EqualFold(s.Name, spec.Target) {
				target = i
			}
		}
		if target < 0 {
			return nil, fmt.Errorf("%w: target %q is not a stage of %s", build.ErrBuild, spec.Target, spec.Dockerfile)
		}
	}
	created := time.Unix(0, 0).UTC()
	if c, ok := spec.Created(); ok {
		created = c
	}
	args := map[string]string{}
	for _, a := range spec.BuildArgs {
		args[a.Name] = a.Value
	}
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, p := range spec.Platforms {
		bc := &buildCtx{stages: stages, platform: p, created: created, args: args, done: map[int]v1.Image{}}
		img, err := b.stage(ctx, bc, target)
		if err != nil {
			return nil, err
		}
		img = mutate.Annotations(img, spec.ManifestAnnotations(p)).(v1.Image)
		plat := p
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &plat}})
	}
	return idx, nil
}

// buildCtx is one platform's build: the stages, what is built so far.
type buildCtx struct {
	stages   []instructions.Stage
	platform v1.Platform
	created  time.Time
	args     map[string]string
	done     map[int]v1.Image
}

func (b *Builder) stage(ctx context.Context, bc *buildCtx, i int) (v1.Image, error) {
	if img, ok := bc.done[i]; ok {
		return img, nil
	}
	st := bc.stages[i]
	p := bc.platform
	base, err := b.base(ctx, bc, i)
	if err != nil {
		return nil, err
	}
	cf, err := base.ConfigFile()
	if err != nil {
		return nil, err
	}
	cfg := cf.DeepCopy()
	files := map[string][]byte{}
	var baseFiles map[string][]byte
	file := func(name string) ([]byte, bool) {
		name = strings.TrimPrefix(path.Clean(name), "/")
		if c, ok := files["/"+name]; ok {
			return c, true
		}
		if baseFiles == nil {
			fs, err := imageFiles(base)
			if err != nil {
				return nil, false
			}
			baseFiles = fs
		}
		c, ok := baseFiles[name]
		return c, ok
	}
	scope := map[string]string{}
	workdir := cfg.Config.WorkingDir
	if workdir == "" {
		workdir = "/"
	}
	for _, c := range st.Commands {
		switch c := c.(type) {
		case *instructions.CopyCommand:
			if c.From != "" {
				src, err := b.from(ctx, bc, c.From)
				if err != nil {
					return nil, err
				}
				if err := copyPaths(src, c.SourcePaths, c.DestPath, workdir, files, "COPY --from="+c.From); err != nil {
					return nil, err
				}
				continue
			}
			if err := b.copy(c.SourcePaths, c.DestPath, workdir, files); err != nil {
				return nil, err
			}
		case *instructions.EnvCommand:
			for _, kv := range c.Env {
				cfg.Config.Env = setEnv(cfg.Config.Env, kv.Key, kv.Value)
			}
		case *instructions.LabelCommand:
			if cfg.Config.Labels == nil {
				cfg.Config.Labels = map[string]string{}
			}
			for _, kv := range c.Labels {
				cfg.Config.Labels[kv.Key] = kv.Value
			}
		case *instructions.WorkdirCommand:
			workdir = path.Join(workdir, c.Path)
			if path.IsAbs(c.Path) {
				workdir = path.Clean(c.Path)
			}
			cfg.Config.WorkingDir = workdir
		case *instructions.UserCommand:
			cfg.Config.User = c.User
		case *instructions.EntrypointCommand:
			cfg.Config.Entrypoint = c.CmdLine
		case *instructions.CmdCommand:
			cfg.Config.Cmd = c.CmdLine
		case *instructions.ExposeCommand:
			if cfg.Config.ExposedPorts == nil {
				cfg.Config.ExposedPorts = map[string]struct{}{}
			}
			for _, port := range c.Ports {
				if !strings.Contains(port, "/") {
					port += "/tcp"
				}
				cfg.Config.ExposedPorts[port] = struct{}{}
			}
		case *instructions.ArgCommand:
			// The FROM lines were pinned by the caller; in a stage, an ARG
			// brings a build argument into scope for the RUN steps below.
			for _, kv := range c.Args {
				v, given := bc.args[kv.Key]
				if !given && kv.Value != nil {
					v = *kv.Value
				}
				scope[kv.Key] = v
			}
		case *instructions.RunCommand:
			if b.run == nil {
				return nil, fmt.Errorf("%w: RUN in stage %q (build it with the Dagger builder)", ErrUnsupported, st.Name)
			}
			out, err := b.runStep(ctx, base, files, Run{Platform: p, Command: strings.Join(c.CmdLine, " "), Args: scope, File: file})
			if err != nil {
				return nil, fmt.Errorf("%w: RUN %s: %v", build.ErrBuild, strings.Join(c.CmdLine, " "), err)
			}
			for k, v := range out {
				files[path.Clean("/"+k)] = v
			}
			scope = copyMap(scope)
		default:
			return nil, fmt.Errorf("%w: %s", ErrUnsupported, strings.ToUpper(c.Name()))
		}
	}
	img := base
	if len(files) > 0 {
		layer, err := tarLayer(files, bc.created)
		if err != nil {
			return nil, err
		}
		img, err = mutate.Append(img, mutate.Addendum{Layer: layer, MediaType: types.OCILayer, History: v1.History{Created: v1.Time{Time: bc.created}, CreatedBy: "COPY (layerbuild)"}})
		if err != nil {
			return nil, err
		}
		// mutate.Append updated the history and rootfs; keep them.
		appended, err := img.ConfigFile()
		if err != nil {
			return nil, err
		}
		cfg.RootFS = appended.RootFS
		cfg.History = appended.History
	}
	cfg.Created = v1.Time{Time: bc.created}
	cfg.OS, cfg.Architecture, cfg.Variant = p.OS, p.Architecture, p.Variant
	img, err = mutate.ConfigFile(img, cfg)
	if err != nil {
		return nil, err
	}
	img = mutate.MediaType(img, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	bc.done[i] = img
	return img, nil
}

// runStep runs a RUN step, or takes its files from the cache when a step
// with the same inputs ran before.
func (b *Builder) runStep(ctx context.Context, base v1.Image, files map[string][]byte, r Run) (map[string][]byte, error) {
	d, err := base.Digest()
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00", d, r.Platform, r.Command)
	for _, k := range slices.Sorted(maps.Keys(files)) {
		sum := sha256.Sum256(files[k])
		fmt.Fprintf(h, "%s=%x\x00", k, sum)
	}
	for _, k := range slices.Sorted(maps.Keys(r.Args)) {
		fmt.Fprintf(h, "ARG %s=%s\x00", k, r.Args[k])
	}
	key := hex.EncodeToString(h.Sum(nil))
	b.cache.mu.Lock()
	out, ok := b.cache.steps[key]
	b.cache.mu.Unlock()
	if ok {
		return out, nil
	}
	out, err = b.run(ctx, r)
	if err != nil {
		return nil, err
	}
	b.cache.mu.Lock()
	b.cache.steps[key] = out
	b.cache.runs++
	b.cache.mu.Unlock()
	return out, nil
}

// from returns the filesystem COPY --from names: a stage (by name or
// index) built for the same platform, or a pinned image.
func (b *Builder) from(ctx context.Context, bc *buildCtx, from string) (map[string][]byte, error) {
	j := -1
	if n, err := strconv.Atoi(from); err == nil && n >= 0 && n < len(bc.stages) {
		j = n
	}
	for k, s := range bc.stages {
		if s.Name != "" && strings.EqualFold(s.Name, from) {
			j = k
		}
	}
	var img v1.Image
	var err error
	if j >= 0 {
		img, err = b.stage(ctx, bc, j)
	} else {
		img, err = b.image(ctx, from, bc.platform)
	}
	if err != nil {
		return nil, err
	}
	return imageFiles(img)
}

func (b *Builder) base(ctx context.Context, bc *buildCtx, i int) (v1.Image, error) {
	st := bc.stages[i]
	p := bc.platform
	if strings.EqualFold(st.BaseName, "scratch") {
		return mutate.ConfigFile(empty.Image, &v1.ConfigFile{OS: p.OS, Architecture: p.Architecture, RootFS: v1.RootFS{Type: "layers"}})
	}
	for j := 0; j < i; j++ {
		if bc.stages[j].Name != "" && strings.EqualFold(bc.stages[j].Name, st.BaseName) {
			return b.stage(ctx, bc, j)
		}
	}
	return b.image(ctx, st.BaseName, p)
}

// image fetches one platform of a pinned external image.
func (b *Builder) image(ctx context.Context, ref string, p v1.Platform) (v1.Image, error) {
	if !strings.Contains(ref, "@sha256:") {
		return nil, fmt.Errorf("%w: %s is not pinned to a digest", build.ErrBuild, ref)
	}
	if _, err := name.ParseReference(ref); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", build.ErrBuild, ref, err)
	}
	img, err := b.fetch(ctx, ref, p)
	if err != nil {
		return nil, fmt.Errorf("%w: fetching %s for %s: %v", build.ErrBuild, ref, p, err)
	}
	return img, nil
}

// imageFiles reads the regular files of an image's filesystem, by path
// without the leading slash.
func imageFiles(img v1.Image) (map[string][]byte, error) {
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	out := map[string][]byte{}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		c, err := io.ReadAll(tr)
		if err != nil {
			return nil, err
		}
		out[strings.TrimPrefix(path.Clean("/"+h.Name), "/")] = c
	}
}

// copyPaths copies the named paths of a filesystem (a file, or every file
// under a directory) to dest, as COPY --from does.
func copyPaths(src map[string][]byte, srcs []string, dest, workdir string, files map[string][]byte, what string) error {
	if !path.IsAbs(dest) {
		dest = path.Join(workdir, dest)
	}
	for _, s := range srcs {
		s = strings.TrimPrefix(path.Clean("/"+s), "/")
		matched := false
		for p, content := range src {
			switch {
			case p == s:
				target := dest
				if strings.HasSuffix(dest, "/") || len(srcs) > 1 {
					target = path.Join(dest, path.Base(p))
				}
				files[path.Clean(target)] = content
				matched = true
			case s == "" || strings.HasPrefix(p, s+"/"):
				files[path.Join(dest, strings.TrimPrefix(p, s+"/"))] = content
				matched = true
			}
		}
		if !matched {
			return fmt.Errorf("%w: %s %s: no such file", build.ErrBuild, what, s)
		}
	}
	return nil
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// copy adds the named source files (a file, or every file under a
// directory; "." is the whole tree) to files at dest.
func (b *Builder) copy(srcs []string, dest, workdir string, files map[string][]byte) error {
	if !path.IsAbs(dest) {
		dest = path.Join(workdir, dest)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, src := range srcs {
		src = path.Clean(src)
		matched := false
		for p, content := range b.files {
			switch {
			case p == src:
				target := dest
				if strings.HasSuffix(dest, "/") || len(srcs) > 1 {
					target = path.Join(dest, path.Base(p))
				}
				files[path.Clean(target)] = content
				matched = true
			case src == "." || strings.HasPrefix(p, src+"/"):
				rel := strings.TrimPrefix(p, src+"/")
				if src == "." {
					rel = p
				}
				files[path.Join(dest, rel)] = content
				matched = true
			}
		}
		if !matched {
			return fmt.Errorf("%w: COPY %s: no such file in the source directory", build.ErrBuild, src)
		}
	}
	return nil
}

func tarLayer(files map[string][]byte, created time.Time) (v1.Layer, error) {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	dirs := map[string]bool{}
	for _, n := range names {
		rel := strings.TrimPrefix(n, "/")
		for d := path.Dir(rel); d != "." && !dirs[d]; d = path.Dir(d) {
			dirs[d] = true
		}
	}
	var dirNames []string
	for d := range dirs {
		dirNames = append(dirNames, d)
	}
	sort.Strings(dirNames)
	for _, d := range dirNames {
		if err := tw.WriteHeader(&tar.Header{Name: d + "/", Typeflag: tar.TypeDir, Mode: 0o755, ModTime: created}); err != nil {
			return nil, err
		}
	}
	for _, n := range names {
		c := files[n]
		if err := tw.WriteHeader(&tar.Header{Name: strings.TrimPrefix(n, "/"), Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(c)), ModTime: created}); err != nil {
			return nil, err
		}
		if _, err := tw.Write(c); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	return tarball.LayerFromOpener(func() (ioReadCloser, error) { return nopCloser{bytes.NewReader(data)}, nil }, tarball.WithMediaType(types.OCILayer))
}

func setEnv(env []string, k, v string) []string {
	for i, e := range env {
		if strings.HasPrefix(e, k+"=") {
			env[i] = k + "=" + v
			return env
		}
	}
	return append(env, k+"="+v)
}
