// Package layerbuild is a Builder that runs nothing: it reads the
// Dockerfile's target stage, starts from the pinned base image of each
// platform, adds one layer with the files its COPY instructions name, and
// applies the config instructions (ENV, LABEL, WORKDIR, USER, ENTRYPOINT,
// CMD, EXPOSE). RUN is refused. Its output is a real, deterministic
// multi-platform image, which is what the release and refresh flows are
// tested against when no Dagger engine is available.
package layerbuild

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"path"
	"sort"
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

// Builder assembles images from a source tree held in memory.
type Builder struct {
	files map[string][]byte
	fetch FetchFunc

	mu     sync.Mutex
	builds int
}

// New returns a builder over files (path → content, "Dockerfile" among
// them) that fetches base images with fetch.
func New(files map[string]string, fetch FetchFunc) *Builder {
	fs := map[string][]byte{}
	for k, v := range files {
		fs[path.Clean(k)] = []byte(v)
	}
	return &Builder{files: fs, fetch: fetch}
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
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, p := range spec.Platforms {
		img, err := b.stage(ctx, stages, target, p, created)
		if err != nil {
			return nil, err
		}
		img = mutate.Annotations(img, spec.ManifestAnnotations(p)).(v1.Image)
		plat := p
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &plat}})
	}
	return idx, nil
}

func (b *Builder) stage(ctx context.Context, stages []instructions.Stage, i int, p v1.Platform, created time.Time) (v1.Image, error) {
	st := stages[i]
	base, err := b.base(ctx, stages, i, p, created)
	if err != nil {
		return nil, err
	}
	cf, err := base.ConfigFile()
	if err != nil {
		return nil, err
	}
	cfg := cf.DeepCopy()
	files := map[string][]byte{}
	workdir := cfg.Config.WorkingDir
	if workdir == "" {
		workdir = "/"
	}
	for _, c := range st.Commands {
		switch c := c.(type) {
		case *instructions.CopyCommand:
			if c.From != "" {
				return nil, fmt.Errorf("%w: COPY --from=%s in stage %q", ErrUnsupported, c.From, st.Name)
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
			// ARGs only matter to FROM lines, which the caller pinned.
		case *instructions.RunCommand:
			return nil, fmt.Errorf("%w: RUN in stage %q (build it with the Dagger builder)", ErrUnsupported, st.Name)
		default:
			return nil, fmt.Errorf("%w: %s", ErrUnsupported, strings.ToUpper(c.Name()))
		}
	}
	img := base
	if len(files) > 0 {
		layer, err := tarLayer(files, created)
		if err != nil {
			return nil, err
		}
		img, err = mutate.Append(img, mutate.Addendum{Layer: layer, MediaType: types.OCILayer, History: v1.History{Created: v1.Time{Time: created}, CreatedBy: "COPY (layerbuild)"}})
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
	cfg.Created = v1.Time{Time: created}
	cfg.OS, cfg.Architecture, cfg.Variant = p.OS, p.Architecture, p.Variant
	img, err = mutate.ConfigFile(img, cfg)
	if err != nil {
		return nil, err
	}
	img = mutate.MediaType(img, types.OCIManifestSchema1)
	return mutate.ConfigMediaType(img, types.OCIConfigJSON), nil
}

func (b *Builder) base(ctx context.Context, stages []instructions.Stage, i int, p v1.Platform, created time.Time) (v1.Image, error) {
	st := stages[i]
	if strings.EqualFold(st.BaseName, "scratch") {
		return mutate.ConfigFile(empty.Image, &v1.ConfigFile{OS: p.OS, Architecture: p.Architecture, RootFS: v1.RootFS{Type: "layers"}})
	}
	for j := 0; j < i; j++ {
		if stages[j].Name != "" && strings.EqualFold(stages[j].Name, st.BaseName) {
			return b.stage(ctx, stages, j, p, created)
		}
	}
	if !strings.Contains(st.BaseName, "@sha256:") {
		return nil, fmt.Errorf("%w: FROM %s is not pinned to a digest", build.ErrBuild, st.BaseName)
	}
	if _, err := name.ParseReference(st.BaseName); err != nil {
		return nil, fmt.Errorf("%w: FROM %s: %v", build.ErrBuild, st.BaseName, err)
	}
	img, err := b.fetch(ctx, st.BaseName, p)
	if err != nil {
		return nil, fmt.Errorf("%w: fetching base %s for %s: %v", build.ErrBuild, st.BaseName, p, err)
	}
	return img, nil
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
