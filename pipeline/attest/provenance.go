package attest

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// BuildKind is why a build ran; it is recorded so a reader can tell a
// release from a base-image refresh of the same version.
type BuildKind string

// Build kinds, as the release, refresh and edge flows name them.
const (
	KindRelease BuildKind = "release"
	KindRefresh BuildKind = "refresh"
	KindEdge    BuildKind = "edge"
)

// SourceRequest is the source a build was asked for: where and which ref.
// The commit it resolved to is ProvenanceInput.SourceCommit.
type SourceRequest struct {
	// URI is the repository URL, e.g. "https://github.com/acme/app". It
	// must not contain userinfo: provenance is public.
	URI string `json:"uri"`
	// Ref is the git ref built, e.g. "refs/tags/v1.6.0" or "refs/heads/main".
	Ref string `json:"ref"`
}

// Request is what the caller asked patchline to build: it becomes the
// provenance's externalParameters, the part a verifier compares with what it
// expects. It deliberately has no field for a registry, token or password:
// credentials reach a build as Dagger secrets and never pass through here.
type Request struct {
	Kind    BuildKind     `json:"kind"`
	Version string        `json:"version,omitempty"`
	Source  SourceRequest `json:"source"`
	// Dockerfile is the Dockerfile's path relative to the source root.
	Dockerfile string `json:"dockerfile"`
	// Target is the multi-stage target, empty for the last stage.
	Target string `json:"target,omitempty"`
	// Platform is the platform of the image this provenance is about,
	// "os/arch[/variant]".
	Platform string `json:"platform"`
	// BuildArgs are the --build-arg values. Names that look like secrets
	// (TOKEN, PASSWORD, API_KEY, ...) are refused, as BuildKit's
	// SecretsUsedInArgOrEnv check warns: build args end up in provenance
	// and image history.
	BuildArgs map[string]string `json:"buildArgs,omitempty"`
}

// InternalParameters are the choices patchline made itself; optional.
type InternalParameters struct {
	// Strategy is "build" (a full Dockerfile build) or "rebase" (the app
	// layers moved onto a new base).
	Strategy string `json:"strategy,omitempty"`
	// EngineVersion is the Dagger engine version that ran the build.
	EngineVersion string `json:"engineVersion,omitempty"`
}

// Image is an image reference with the manifest digest actually used.
type Image struct {
	// Ref is the reference as written, e.g. "debian:bookworm-slim" or
	// "debian:bookworm-slim@sha256:...".
	Ref    string
	Digest v1.Hash
	// Platform is set when Digest is the manifest of one platform of a
	// multi-platform image, the one the build used; its package URL then
	// carries the platform. When nil, Digest is what Ref resolved to (an
	// index for a multi-platform image) and the package URL names no
	// platform: a platform-qualified URL with an index digest would say
	// something untrue.
	Platform *v1.Platform
}

// ProvenanceInput is everything a provenance statement is built from. Times
// are passed in; nothing here reads the clock.
type ProvenanceInput struct {
	// Subjects are the image digests the provenance is about, usually the
	// platform manifest under each name it is published as.
	Subjects []Subject
	Request  Request
	Internal InternalParameters
	// SourceCommit is the full commit hash Request.Source.Ref resolved to.
	SourceCommit string
	// BaseImages are every base image of the build, resolved to digests.
	BaseImages []Image
	// PatchlineVersion is the version of patchline that ran the build.
	PatchlineVersion string
	// Tools are images the build ran besides the build itself, such as the
	// pinned syft image; recorded as builder dependencies.
	Tools []Image
	// RebasedFrom is, for a rebase, the published image whose layers were
	// kept: the provenance then says BuildTypeRebase and lists it among
	// the resolved dependencies, since nothing was built.
	RebasedFrom  *Image
	InvocationID string
	StartedOn    time.Time
	FinishedOn   time.Time
}

// ResourceDescriptor is in-toto's description of an artifact by URI and
// digest.
type ResourceDescriptor struct {
	URI    string    `json:"uri,omitempty"`
	Digest DigestSet `json:"digest,omitempty"`
	Name   string    `json:"name,omitempty"`
}

// ProvenancePredicate is the SLSA provenance v1 predicate; it is exported
// so readers (tests, the rollback guard) can decode what was written.
type ProvenancePredicate struct {
	BuildDefinition BuildDefinition `json:"buildDefinition"`
	RunDetails      RunDetails      `json:"runDetails"`
}

// BuildDefinition is SLSA's description of the build's inputs.
type BuildDefinition struct {
	BuildType            string               `json:"buildType"`
	ExternalParameters   Request              `json:"externalParameters"`
	InternalParameters   *InternalParameters  `json:"internalParameters,omitempty"`
	ResolvedDependencies []ResourceDescriptor `json:"resolvedDependencies"`
}

// RunDetails is SLSA's description of the run.
type RunDetails struct {
	Builder  Builder       `json:"builder"`
	Metadata BuildMetadata `json:"metadata"`
}

// Builder names patchline as the builder.
type Builder struct {
	ID                  string               `json:"id"`
	Version             map[string]string    `json:"version,omitempty"`
	BuilderDependencies []ResourceDescriptor `json:"builderDependencies,omitempty"`
}

// BuildMetadata is SLSA's run metadata; times are RFC 3339 in UTC.
type BuildMetadata struct {
	InvocationID string `json:"invocationId"`
	StartedOn    string `json:"startedOn"`
	FinishedOn   string `json:"finishedOn"`
}

// NewProvenance validates in and returns the SLSA provenance v1 statement.
// The output is deterministic: subjects and dependencies are sorted,
// duplicates dropped, maps encode with sorted keys and times are rendered
// in UTC, so the same input gives byte-identical JSON from Encode.
func NewProvenance(in ProvenanceInput) (Statement, error) {
	if err := in.validate(); err != nil {
		return Statement{}, err
	}
	deps, err := resolvedDependencies(in)
	if err != nil {
		return Statement{}, err
	}
	tools, err := imageDescriptors(in.Tools)
	if err != nil {
		return Statement{}, err
	}
	buildType := BuildTypeDockerfile
	if in.RebasedFrom != nil {
		buildType = BuildTypeRebase
		from, err := imageDescriptors([]Image{*in.RebasedFrom})
		if err != nil {
			return Statement{}, err
		}
		deps = append(deps, from...)
	}
	pred := ProvenancePredicate{
		BuildDefinition: BuildDefinition{
			BuildType:            buildType,
			ExternalParameters:   in.Request,
			ResolvedDependencies: deps,
		},
		RunDetails: RunDetails{
			Builder: Builder{
				ID:                  BuilderIDBase + "@" + in.PatchlineVersion,
				Version:             map[string]string{"patchline": in.PatchlineVersion},
				BuilderDependencies: tools,
			},
			Metadata: BuildMetadata{
				InvocationID: in.InvocationID,
				StartedOn:    in.StartedOn.UTC().Format(time.RFC3339Nano),
				FinishedOn:   in.FinishedOn.UTC().Format(time.RFC3339Nano),
			},
		},
	}
	if in.Internal != (InternalParameters{}) {
		internal := in.Internal
		pred.BuildDefinition.InternalParameters = &internal
	}
	if len(pred.BuildDefinition.ExternalParameters.BuildArgs) == 0 {
		pred.BuildDefinition.ExternalParameters.BuildArgs = nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(pred); err != nil {
		return Statement{}, fmt.Errorf("%w: encoding predicate: %w", ErrInvalidProvenance, err)
	}
	s := Statement{
		Type:          StatementTypeV1,
		Subject:       sortedSubjects(in.Subjects),
		PredicateType: PredicateSLSAProvenanceV1,
		Predicate:     json.RawMessage(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))),
	}
	if err := s.Validate(); err != nil {
		return Statement{}, err
	}
	return s, nil
}

// resolvedDependencies lists the source commit first, then every base image
// sorted by URI and digest, without duplicates (a base used by two stages
// is one dependency).
func resolvedDependencies(in ProvenanceInput) ([]ResourceDescriptor, error) {
	src := ResourceDescriptor{
		URI:    "git+" + in.Request.Source.URI + "@" + in.Request.Source.Ref,
		Digest: DigestSet{"gitCommit": in.SourceCommit},
	}
	bases, err := imageDescriptors(in.BaseImages)
	if err != nil {
		return nil, err
	}
	return append([]ResourceDescriptor{src}, bases...), nil
}

// imageDescriptors turns images into sorted, de-duplicated descriptors whose
// URI is the image's package URL, for its platform when it has one.
func imageDescriptors(imgs []Image) ([]ResourceDescriptor, error) {
	if len(imgs) == 0 {
		return nil, nil
	}
	out := make([]ResourceDescriptor, 0, len(imgs))
	for _, img := range imgs {
		uri, err := ImagePURL(img.Ref, img.Platform)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidProvenance, err)
		}
		out = append(out, ResourceDescriptor{URI: uri, Digest: DigestSet{img.Digest.Algorithm: img.Digest.Hex}})
	}
	slices.SortFunc(out, func(a, b ResourceDescriptor) int {
		return cmp.Or(cmp.Compare(a.URI, b.URI), cmp.Compare(digestKey(a.Digest), digestKey(b.Digest)))
	})
	return slices.CompactFunc(out, func(a, b ResourceDescriptor) bool {
		return a.URI == b.URI && digestKey(a.Digest) == digestKey(b.Digest)
	}), nil
}
