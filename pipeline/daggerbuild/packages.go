package daggerbuild

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"dagger.io/dagger"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"

	"github.com/patchline/patchline/pipeline/ospkg"
	"github.com/patchline/patchline/pipeline/refresh"
)

// PackageChecker asks a published image's own package manager what it
// would upgrade, in a container started from that image (see
// refresh.PackageChecker and package ospkg). The image is read through
// patchline's registry client, which holds the credentials of every
// repository (the local registry included), written as an OCI layout
// tarball and imported into the engine; the container then runs with the
// engine's network, which reaches the distribution's mirrors.
type PackageChecker struct {
	client  *dagger.Client
	scratch string
}

// NewPackageChecker returns a checker that writes image tarballs under
// scratch, a directory inside the module's working directory.
func NewPackageChecker(client *dagger.Client, scratch string) *PackageChecker {
	return &PackageChecker{client: client, scratch: scratch}
}

// CheckPackages reads ospkg.Files and looks for ospkg.Binaries in img
// without running anything, then runs, as root and one after the other in
// the same container, the commands ospkg.PlanFor plans, keeping each
// one's exit code and output whatever it is. An image with no package
// manager runs nothing.
func (c *PackageChecker) CheckPackages(ctx context.Context, img refresh.PackageImage) (ospkg.Probe, []ospkg.Run, error) {
	var probe ospkg.Probe
	d, err := img.Image.Digest()
	if err != nil {
		return probe, nil, err
	}
	dir := filepath.Join(c.scratch, "packages-"+d.Hex[:16])
	defer os.RemoveAll(dir)
	tarPath := dir + ".tar"
	defer os.Remove(tarPath)
	lp, err := layout.Write(dir, empty.Index)
	if err != nil {
		return probe, nil, err
	}
	if err := lp.AppendImage(img.Image, layout.WithPlatform(img.Platform)); err != nil {
		return probe, nil, fmt.Errorf("reading %s: %w", img.Ref, err)
	}
	if err := layoutTar(dir, tarPath); err != nil {
		return probe, nil, err
	}
	rel, err := workdirRelative(tarPath)
	if err != nil {
		return probe, nil, err
	}
	ctr := c.client.Container(dagger.ContainerOpts{Platform: dagger.Platform(img.Platform.String())}).
		Import(c.client.CurrentModule().WorkdirFile(rel)).
		WithUser("0")
	root := ctr.Rootfs()
	probe.Files = map[string]string{}
	for _, f := range ospkg.Files {
		ok, err := root.Exists(ctx, f)
		if err != nil {
			return probe, nil, fmt.Errorf("looking for %s in %s: %w", f, img.Ref, err)
		}
		if !ok {
			continue
		}
		s, err := root.File(f).Contents(ctx)
		if err != nil {
			return probe, nil, fmt.Errorf("reading %s in %s: %w", f, img.Ref, err)
		}
		probe.Files[f] = s
	}
	for _, b := range ospkg.Binaries {
		ok, err := root.Exists(ctx, b)
		if err != nil {
			return probe, nil, fmt.Errorf("looking for %s in %s: %w", b, img.Ref, err)
		}
		if ok {
			probe.Binaries = append(probe.Binaries, b)
		}
	}
	plan := ospkg.PlanFor(probe)
	if plan.Unsupported != "" {
		return probe, nil, nil
	}
	env := ospkg.StepEnv(img.Asked)
	for _, k := range slices.Sorted(maps.Keys(env)) {
		ctr = ctr.WithEnvVariable(k, env[k])
	}
	var runs []ospkg.Run
	for _, cmd := range plan.Commands {
		ctr = ctr.WithExec(cmd.Args, dagger.ContainerWithExecOpts{Expect: dagger.ReturnTypeAny})
		r := ospkg.Run{Command: cmd}
		if r.Exit, err = ctr.ExitCode(ctx); err != nil {
			return probe, runs, fmt.Errorf("running %v in %s: %w", cmd.Args, img.Ref, err)
		}
		if r.Stdout, err = ctr.Stdout(ctx); err != nil {
			return probe, runs, err
		}
		if r.Stderr, err = ctr.Stderr(ctx); err != nil {
			return probe, runs, err
		}
		runs = append(runs, r)
	}
	return probe, runs, nil
}

// layoutTar writes the files under dir into a tar file at path, with paths
// relative to dir: an OCI layout tarball, which Container.Import reads.
func layoutTar(dir, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(f)
	err = filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		info, err := e.Info()
		if err != nil {
			return err
		}
		h, err := tar.FileInfoHeader(info, "")
		if err != nil {
			return err
		}
		h.Name = filepath.ToSlash(rel)
		if e.IsDir() {
			h.Name += "/"
		}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if e.IsDir() {
			return nil
		}
		src, err := os.Open(p)
		if err != nil {
			return err
		}
		defer src.Close()
		_, err = io.Copy(tw, src)
		return err
	})
	if err == nil {
		err = tw.Close()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
