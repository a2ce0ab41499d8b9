package release

import (
	"context"
	"fmt"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/patchline/patchline/pipeline/attest"
	"github.com/patchline/patchline/pipeline/build"
	"github.com/patchline/patchline/pipeline/policy"
	"github.com/patchline/patchline/pipeline/watch"
)

// Build says what is being built, for annotations and provenance.
type Build struct {
	Kind    attest.BuildKind
	Version string
}

// PlatformImage is one platform manifest of a product.
type PlatformImage struct {
	Platform   string        `json:"platform"`
	Digest     string        `json:"digest"`
	BaseDigest string        `json:"base_digest,omitempty"`
	Descriptor v1.Descriptor `json:"-"`
}

// Product is a built (or adopted) image with its attestations, ready to
// publish.
type Product struct {
	Index     v1.ImageIndex
	Digest    string
	Platforms []PlatformImage
	// Statements are the attestations per platform manifest, attached in
	// the referrers layout at publish time (in the index layout they are
	// already inside Index).
	Statements map[v1.Hash][]attest.Statement
	// Documents are the SBOMs as syft printed them, per platform manifest:
	// the referrers layout attaches the document itself.
	Documents map[v1.Hash]attest.SBOM
	Pinned    *Pinned
	// Adopted is set when the image was already published for this
	// revision and is being finished rather than rebuilt.
	Adopted bool

	// make fills Statements and Documents for one platform image; the
	// referrers step calls it for what is missing.
	make func(ctx context.Context, d v1.Descriptor) error
}

// Annotations returns the OCI annotations of a build of in.Source on the
// pinned bases: the same keys go on the index and on every platform
// manifest, and the base digest on a platform manifest is that platform's
// base image. Every external image the build uses is recorded under
// watch.AnnotationInputs (the same list on every platform: one pinned
// Dockerfile serves them all).
func Annotations(in Inputs, b Build, pinned *Pinned) (common map[string]string, perPlatform map[string]map[string]string, err error) {
	common = map[string]string{
		build.AnnotationVersion:  b.Version,
		build.AnnotationRevision: in.Source.Commit,
		build.AnnotationCreated:  in.Source.Created.UTC().Format(time.RFC3339),
	}
	if in.Source.URL != "" {
		common[build.AnnotationSource] = in.Source.URL
	}
	perPlatform = map[string]map[string]string{}
	if pinned != nil && pinned.Final != nil {
		common[build.AnnotationBaseName] = pinned.Final.Ref
		common[build.AnnotationBaseDigest] = pinned.Final.Digest
		for p, d := range pinned.Final.Platforms {
			perPlatform[p] = map[string]string{build.AnnotationBaseDigest: d}
		}
	}
	if pinned != nil {
		inputs, err := watch.Encode(pinned.Inputs())
		if err != nil {
			return nil, nil, err
		}
		common[watch.AnnotationInputs] = inputs
	}
	return common, perPlatform, nil
}

// Produce resolves and pins the bases, builds every platform, annotates
// the index, and makes the attestations the policy asks for.
func Produce(ctx context.Context, in Inputs, res *Resolver, b Build) (*Product, error) {
	platforms := in.platforms()
	content, err := in.Builder.ReadFile(ctx, in.Dockerfile)
	if err != nil {
		return nil, err
	}
	pinned, err := res.Pin(ctx, in.Dockerfile, content, in.Target, in.BuildArgs, platforms)
	if err != nil {
		return nil, err
	}
	if pinned.Final != nil {
		// One GET of the final base's index: each platform manifest records
		// the base image of its own platform, which rebase needs and which
		// check reports.
		pd, err := res.PlatformDigests(ctx, pinned.Final.Ref, pinned.Final.Digest, platforms)
		if err != nil {
			return nil, err
		}
		pinned.Final.Platforms = pd
	}
	started := in.Now()
	common, per, err := Annotations(in, b, pinned)
	if err != nil {
		return nil, err
	}
	idx, err := in.Builder.Build(ctx, build.Spec{
		Dockerfile:          in.Dockerfile,
		Content:             pinned.Content,
		Target:              in.Target,
		BuildArgs:           pinned.BuildArgs,
		Platforms:           platforms,
		Annotations:         common,
		PlatformAnnotations: per,
	})
	if err != nil {
		return nil, err
	}
	idx, err = Describe(idx, common)
	if err != nil {
		return nil, err
	}
	prod := &Product{Pinned: pinned}
	if err := prod.attest(ctx, in, b, idx, started, "build"); err != nil {
		return nil, err
	}
	return prod, nil
}

// attest stamps idx with its build time, makes the statements of every
// platform image and, for the index layout, puts them into the index.
func (prod *Product) attest(ctx context.Context, in Inputs, b Build, idx v1.ImageIndex, started time.Time, strategy string) error {
	idx = mutate.Annotations(idx, map[string]string{build.AnnotationBuilt: started.UTC().Format(time.RFC3339Nano)}).(v1.ImageIndex)
	prod.Statements = map[v1.Hash][]attest.Statement{}
	prod.Documents = map[v1.Hash]attest.SBOM{}
	if err := prod.setPlatforms(idx); err != nil {
		return err
	}
	prod.make = func(ctx context.Context, d v1.Descriptor) error {
		return prod.makeStatements(ctx, in, b, idx, d, started, strategy)
	}
	for _, pi := range prod.Platforms {
		if err := prod.make(ctx, pi.Descriptor); err != nil {
			return err
		}
	}
	if in.Policy.Attestations.Has(policy.LayoutIndex) && len(prod.Statements) > 0 {
		var err error
		idx, err = attest.AttachToIndex(idx, prod.Statements)
		if err != nil {
			return err
		}
	}
	prod.Index = idx
	dg, err := idx.Digest()
	if err != nil {
		return err
	}
	prod.Digest = dg.String()
	return prod.checkAttested(in.Policy)
}

// setPlatforms lists the platform images of idx, leaving out attestation
// manifests.
func (prod *Product) setPlatforms(idx v1.ImageIndex) error {
	im, err := idx.IndexManifest()
	if err != nil {
		return err
	}
	prod.Platforms = nil
	for _, d := range im.Manifests {
		if d.Platform == nil || d.Platform.OS == "unknown" {
			continue
		}
		img, err := idx.Image(d.Digest)
		if err != nil {
			return err
		}
		m, err := img.Manifest()
		if err != nil {
			return err
		}
		prod.Platforms = append(prod.Platforms, PlatformImage{Platform: d.Platform.String(), Digest: d.Digest.String(), BaseDigest: m.Annotations[build.AnnotationBaseDigest], Descriptor: d})
	}
	return nil
}

// makeStatements makes the SBOM and provenance statements of one platform
// image, as the policy asks.
func (prod *Product) makeStatements(ctx context.Context, in Inputs, b Build, idx v1.ImageIndex, d v1.Descriptor, started time.Time, strategy string) error {
	if _, done := prod.Statements[d.Digest]; done {
		return nil
	}
	pol := in.Policy.Attestations
	img, err := idx.Image(d.Digest)
	if err != nil {
		return err
	}
	subject, err := subjectOf(in, b, d)
	if err != nil {
		return err
	}
	var stmts []attest.Statement
	if pol.SBOM != policy.SBOMNone {
		doc, err := in.Scanner.Scan(ctx, img, *d.Platform, pol.SBOM, SBOMName(in.Repositories[0], d))
		if err != nil {
			return fmt.Errorf("making the SBOM of %s: %w", d.Platform, err)
		}
		sbom, err := attest.ParseSBOM(sbomFormat(pol.SBOM), doc)
		if err != nil {
			return fmt.Errorf("SBOM of %s: %w", d.Platform, err)
		}
		st, err := attest.NewSBOMStatement(sbom, subject)
		if err != nil {
			return err
		}
		prod.Documents[d.Digest] = sbom
		stmts = append(stmts, st)
	}
	if pol.Provenance {
		st, err := provenance(in, b, d, subject, prod.Pinned, started, strategy)
		if err != nil {
			return err
		}
		stmts = append(stmts, st)
	}
	prod.Statements[d.Digest] = stmts
	return nil
}

// SBOMName is the name of the SBOM document of one platform image: its
// repository and digest, and its platform, e.g.
// "ghcr.io/acme/app@sha256:... (linux/amd64)". Without it a scanner names
// the document after what it scanned, such as the path of a layout.
func SBOMName(repository string, d v1.Descriptor) string {
	name := repository + "@" + d.Digest.String()
	if d.Platform != nil {
		name += " (" + d.Platform.String() + ")"
	}
	return name
}

func sbomFormat(f policy.SBOMFormat) attest.Format {
	if f == policy.SBOMCycloneDX {
		return attest.CycloneDXJSON
	}
	return attest.SPDXJSON
}

// subjectOf names a platform image the way BuildKit does: the package URL
// of the primary repository at this version, for this platform.
func subjectOf(in Inputs, b Build, d v1.Descriptor) (attest.Subject, error) {
	ref := in.Repositories[0]
	if b.Version != "" {
		ref += ":" + b.Version
	}
	purl, err := attest.ImagePURL(ref, d.Platform)
	if err != nil {
		return attest.Subject{}, err
	}
	return attest.NewSubject(purl, d.Digest), nil
}

func provenance(in Inputs, b Build, d v1.Descriptor, subject attest.Subject, pinned *Pinned, started time.Time, strategy string) (attest.Statement, error) {
	args := map[string]string{}
	var rebasedFrom *attest.Image
	if pinned != nil && pinned.RebasedFrom != "" {
		// Nothing was built: the run's build arguments did not make these
		// layers, and the image that did is a dependency.
		ref, digest, _ := strings.Cut(pinned.RebasedFrom, "@")
		h, err := v1.NewHash(digest)
		if err != nil {
			return attest.Statement{}, fmt.Errorf("rebased from %s: %w", pinned.RebasedFrom, err)
		}
		rebasedFrom = &attest.Image{Ref: ref, Digest: h}
	} else {
		for _, a := range in.BuildArgs {
			args[a.Name] = a.Value
		}
	}
	var bases []attest.Image
	if pinned != nil {
		for _, base := range pinned.Bases {
			img, err := baseImage(base, d)
			if err != nil {
				return attest.Statement{}, err
			}
			bases = append(bases, img)
		}
	}
	return attest.NewProvenance(attest.ProvenanceInput{
		Subjects: []attest.Subject{subject},
		Request: attest.Request{
			Kind:       b.Kind,
			Version:    b.Version,
			Source:     attest.SourceRequest{URI: in.Source.URL, Ref: in.Source.Ref},
			Dockerfile: in.Dockerfile,
			Target:     in.Target,
			Platform:   d.Platform.String(),
			BuildArgs:  args,
		},
		Internal:         attest.InternalParameters{Strategy: strategy},
		SourceCommit:     in.Source.Commit,
		BaseImages:       bases,
		PatchlineVersion: in.PatchlineVersion,
		Tools:            in.Tools,
		RebasedFrom:      rebasedFrom,
		InvocationID:     in.InvocationID,
		StartedOn:        started,
		FinishedOn:       in.Now(),
	})
}

// baseImage is how the provenance of platform image d records a base: the
// final base by the manifest of d's platform (from the resolved platforms,
// or the base digest d itself records), under a package URL for that
// platform; any other base by what its tag resolved to (the index of a
// multi-platform image), under a package URL with no platform.
func baseImage(base Base, d v1.Descriptor) (attest.Image, error) {
	digest, platform := base.Digest, (*v1.Platform)(nil)
	if base.Final && d.Platform != nil {
		pd := base.Platforms[d.Platform.String()]
		if pd == "" {
			pd = d.Annotations[build.AnnotationBaseDigest]
		}
		if pd != "" {
			digest, platform = pd, d.Platform
		}
	}
	h, err := v1.NewHash(digest)
	if err != nil {
		return attest.Image{}, fmt.Errorf("base %s: digest %q: %w", base.Ref, digest, err)
	}
	return attest.Image{Ref: base.Ref, Digest: h, Platform: platform}, nil
}

// Describe returns idx with annotations on the index itself and, on each
// platform's descriptor, the annotations of that platform's manifest: a
// reader of the index (one GET) then sees every platform's recorded base
// without fetching each manifest.
func Describe(idx v1.ImageIndex, annotations map[string]string) (v1.ImageIndex, error) {
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, err
	}
	out := mutate.IndexMediaType(empty.Index, im.MediaType)
	for _, d := range im.Manifests {
		img, err := idx.Image(d.Digest)
		if err != nil {
			return nil, err
		}
		m, err := img.Manifest()
		if err != nil {
			return nil, err
		}
		desc := v1.Descriptor{MediaType: d.MediaType, Platform: d.Platform, Annotations: map[string]string{}}
		for k, v := range d.Annotations {
			desc.Annotations[k] = v
		}
		for k, v := range m.Annotations {
			desc.Annotations[k] = v
		}
		out = mutate.AppendManifests(out, mutate.IndexAddendum{Add: img, Descriptor: desc})
	}
	return mutate.Annotations(out, annotations).(v1.ImageIndex), nil
}

// Attest makes the attestations of an image built some other way (a
// rebase) and returns it as a Product ready to publish. pinned lists the
// bases for provenance; strategy is "build" or "rebase".
func Attest(ctx context.Context, in Inputs, b Build, idx v1.ImageIndex, pinned *Pinned, strategy string) (*Product, error) {
	prod := &Product{Pinned: pinned}
	if err := prod.attest(ctx, in, b, idx, in.Now(), strategy); err != nil {
		return nil, err
	}
	return prod, nil
}
