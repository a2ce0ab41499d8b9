package refresh

import (
	"context"
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/patchline/patchline/pipeline/attest"
	"github.com/patchline/patchline/pipeline/build"
	"github.com/patchline/patchline/pipeline/calendar"
	"github.com/patchline/patchline/pipeline/dockerfile"
	"github.com/patchline/patchline/pipeline/policy"
	"github.com/patchline/patchline/pipeline/release"
)

// withRefreshArg adds RefreshArg to the build arguments of a refresh
// rebuild when the line's Dockerfile declares it in a stage (and the run
// does not set it itself). Without the declaration the argument would
// reach no step; a rebuild for OS package updates then says so.
func withRefreshArg(ctx context.Context, in release.Inputs, lr *LineReport) (release.Inputs, error) {
	for _, a := range in.BuildArgs {
		if a.Name == RefreshArg {
			return in, nil
		}
	}
	content, err := in.Builder.ReadFile(ctx, in.Dockerfile)
	if err != nil {
		return in, err
	}
	args := map[string]string{}
	for _, a := range in.BuildArgs {
		args[a.Name] = a.Value
	}
	df, err := dockerfile.Parse(content, dockerfile.WithFilename(in.Dockerfile), dockerfile.WithBuildArgs(args), dockerfile.WithTarget(in.Target))
	if err != nil {
		return in, err
	}
	if !df.Report().DeclaresStageArg(RefreshArg) {
		if lr.packageUpdates {
			lr.Notes = append(lr.Notes, fmt.Sprintf("%s declares no ARG %s, so an engine that cached the step upgrading the packages reuses it; see the README's Dockerfile contract for OS package updates", in.Dockerfile, RefreshArg))
		}
		return in, nil
	}
	value := refreshValue(in.Date.UTC().Format(calendar.Layout), lr.Packages)
	in.BuildArgs = append(append([]build.Arg(nil), in.BuildArgs...), build.Arg{Name: RefreshArg, Value: value})
	return in, nil
}

// packagesUnchanged compares the OS packages of each rebuilt platform image
// (its new SBOM) with the published one's, for a line rebuilt only for OS
// package updates. When no platform's packages changed, the build did not
// install the updates: the line is reported unchanged and nothing is
// published. A published image without an SBOM to compare with is
// published, with a note.
func packagesUnchanged(ctx context.Context, in release.Inputs, lr *LineReport, prod *release.Product) (bool, error) {
	if lr.image == nil {
		return false, nil
	}
	format := attest.SPDXJSON
	if in.Policy.Attestations.SBOM == policy.SBOMCycloneDX {
		format = attest.CycloneDXJSON
	}
	published := map[string]v1.Hash{}
	for _, d := range lr.image.Manifests {
		if d.Platform != nil && d.Platform.OS != "unknown" {
			published[d.Platform.String()] = d.Digest
		}
	}
	read, err := publishedSBOMs(ctx, in, lr, format)
	if err != nil {
		return false, err
	}
	lr.PackageChanges = map[string][]attest.PackageChange{}
	changed := false
	for _, pi := range prod.Platforms {
		after, ok := prod.Documents[pi.Descriptor.Digest]
		if !ok {
			return false, nil
		}
		before, ok, err := read(published[pi.Platform])
		if err != nil {
			return false, err
		}
		if !ok {
			lr.Notes = append(lr.Notes, fmt.Sprintf("the published %s image has no %s SBOM to compare the rebuild's packages with; published without the comparison", pi.Platform, format))
			return false, nil
		}
		diff, err := attest.DiffOSPackages(before, after)
		if err != nil {
			return false, err
		}
		if len(diff) > 0 {
			changed = true
			lr.PackageChanges[pi.Platform] = diff
		}
	}
	if changed {
		return false, nil
	}
	lr.PackageChanges = nil
	lr.Status = StatusUnchanged
	lr.Reason = fmt.Sprintf("rebuilt for %s, but the rebuilt image's SBOM lists the published image's OS packages, so it was not published: the build did not install the updates. Upgrade the packages in a Dockerfile step that declares ARG %s (see the README)", lr.Reason, RefreshArg)
	return true, nil
}

// publishedSBOMs returns a reader of the SBOM of a platform image of the
// line's published image: from its referrers when the policy attaches
// them there, else from the index's own attestations.
func publishedSBOMs(ctx context.Context, in release.Inputs, lr *LineReport, format attest.Format) (func(v1.Hash) (attest.SBOM, bool, error), error) {
	repo := in.Repositories[0]
	if in.Policy.Attestations.Has(policy.LayoutReferrers) {
		refs, err := attest.NewReferrers(in.Registry)
		if err != nil {
			return nil, err
		}
		r, err := in.Registry.ParseRepository(repo)
		if err != nil {
			return nil, err
		}
		return func(d v1.Hash) (attest.SBOM, bool, error) { return refs.SBOM(ctx, r, d, format) }, nil
	}
	idx, err := in.Registry.Index(ctx, repo+"@"+lr.Published)
	if err != nil {
		return nil, err
	}
	atts, err := attest.ReadIndexAttestations(idx)
	if err != nil {
		return nil, err
	}
	return func(d v1.Hash) (attest.SBOM, bool, error) { return attest.IndexSBOM(atts, d, format) }, nil
}
