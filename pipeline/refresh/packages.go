package refresh

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/patchline/patchline/pipeline/ospkg"
	"github.com/patchline/patchline/pipeline/policy"
	"github.com/patchline/patchline/pipeline/registry"
)

// RefreshArg is the build argument a refresh rebuild passes, for a
// Dockerfile step that upgrades the image's OS packages: a Dockerfile that
// declares it (ARG PATCHLINE_REFRESH) before that step gets a new value on
// every refresh rebuild, which changes the step's cache key, so a
// persistent engine runs the upgrade again instead of reusing the layer it
// cached at the previous build. A release does not pass it.
const RefreshArg = "PATCHLINE_REFRESH"

// ErrNoPackageChecker is returned for a line when the policy asks for OS
// package checks and the run has no container step to make them with.
var ErrNoPackageChecker = errors.New("refresh.packages needs a container step to ask the image's package manager")

// PackageImage is one platform image of a published line.
type PackageImage struct {
	// Ref is the platform image by digest, repository@sha256:...
	Ref      string
	Platform v1.Platform
	// Image reads it from the registry (lazily: layers are read only when
	// the checker needs them).
	Image v1.Image
	// Asked is when the check was asked for. The checker makes it part of
	// what its commands run with (ospkg.StepEnv): a persistent engine
	// caches a step by its inputs, and the same image with the same
	// commands would otherwise replay an earlier check's answer, never
	// seeing the updates published since.
	Asked time.Time
}

// PackageChecker asks an image's own package manager what it would
// upgrade: in a container started from img it reads ospkg.Files, looks
// for ospkg.Binaries, and runs the commands ospkg.PlanFor plans, returning
// what it found and what each command printed (pipeline/daggerbuild runs
// it in the engine; tests replay recorded outputs).
type PackageChecker interface {
	CheckPackages(ctx context.Context, img PackageImage) (ospkg.Probe, []ospkg.Run, error)
}

// PlatformPackages is what the package check found in one platform image.
type PlatformPackages struct {
	Platform string `json:"platform"`
	ospkg.Result
	// Stale are the updates that make the line stale under the policy's
	// refresh.packages.
	Stale []ospkg.Update `json:"stale,omitempty"`
}

// checkPackages asks each platform image of the line's image m what its
// package manager would upgrade, and marks the line stale when an update
// counts under refresh.packages. An image with no package manager is
// noted, not failed.
func checkPackages(ctx context.Context, req Request, lr *LineReport, m *registry.Manifest) error {
	mode := req.Inputs.Policy.Refresh.Packages
	if mode == policy.PackagesIgnore || mode == "" {
		return nil
	}
	if req.Packages == nil {
		return fmt.Errorf("%w; run the refresh through `dagger call`, or set refresh.packages: ignore", ErrNoPackageChecker)
	}
	repo := req.Inputs.Repositories[0]
	lr.Packages = nil
	for _, d := range m.Manifests {
		if d.Platform == nil || d.Platform.OS == "unknown" {
			continue
		}
		ref := repo + "@" + d.Digest.String()
		img, _, err := req.Inputs.Registry.Read(ctx, ref)
		if err != nil {
			return err
		}
		if img == nil {
			return fmt.Errorf("%s, listed as the %s image of %s, is an index, not an image", ref, d.Platform, repo)
		}
		probe, runs, err := req.Packages.CheckPackages(ctx, PackageImage{Ref: ref, Platform: *d.Platform, Image: img, Asked: req.Inputs.Now()})
		if err != nil {
			return fmt.Errorf("checking the OS packages of %s (%s): %w", d.Platform, ref, err)
		}
		res, err := ospkg.Parse(ospkg.PlanFor(probe), probe, runs)
		if err != nil {
			return fmt.Errorf("checking the OS packages of %s (%s): %w", d.Platform, ref, err)
		}
		lr.Packages = append(lr.Packages, PlatformPackages{Platform: d.Platform.String(), Result: res, Stale: res.Stale(mode)})
	}
	return nil
}

// packageReason says which updates make the line stale, grouping the
// platforms that have the same ones; "" when none does.
func packageReason(mode policy.Packages, ps []PlatformPackages) string {
	var order []string
	groups := map[string][]string{}
	for _, p := range ps {
		if len(p.Stale) == 0 {
			continue
		}
		var us []string
		for _, u := range p.Stale {
			us = append(us, u.String())
		}
		key := strings.Join(us, ", ")
		if _, ok := groups[key]; !ok {
			order = append(order, key)
		}
		groups[key] = append(groups[key], p.Platform)
	}
	if len(order) == 0 {
		return ""
	}
	what := "OS package updates"
	if mode == policy.PackagesSecurity {
		what = "OS security updates"
	}
	var parts []string
	for _, k := range order {
		parts = append(parts, fmt.Sprintf("%s (%s)", k, strings.Join(groups[k], ", ")))
	}
	return what + ": " + strings.Join(parts, "; ")
}

// packageNotes says what the check could not count: images with no
// package manager, held and kept-back packages.
func packageNotes(ps []PlatformPackages) []string {
	var out []string
	seen := map[string]bool{}
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, p := range ps {
		switch {
		case !p.Checked:
			add(p.Platform + ": " + p.Reason)
		default:
			if len(p.Held) > 0 {
				add(fmt.Sprintf("held packages are not counted: %s", strings.Join(p.Held, ", ")))
			}
			if len(p.KeptBack) > 0 {
				add(fmt.Sprintf("packages apt keeps back (their upgrade needs other packages installed or removed) are not counted: %s", strings.Join(p.KeptBack, ", ")))
			}
		}
	}
	return out
}

// refreshValue is the value of RefreshArg for a rebuild on date: the date,
// and a digest of the updates that asked for the rebuild, so that updates
// found twice on one day still give the step a new key.
func refreshValue(date string, ps []PlatformPackages) string {
	var us []string
	for _, p := range ps {
		for _, u := range p.Stale {
			us = append(us, p.Platform+" "+u.Name+" "+u.To)
		}
	}
	if len(us) == 0 {
		return date
	}
	sort.Strings(us)
	sum := sha256.Sum256([]byte(strings.Join(us, "\n")))
	return date + "." + hex.EncodeToString(sum[:4])
}
