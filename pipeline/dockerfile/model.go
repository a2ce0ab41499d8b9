package dockerfile

// BaseKind says what a stage is built on.
type BaseKind string

const (
	// BaseImage is an external image pulled from a registry.
	BaseImage BaseKind = "image"
	// BaseStage is an earlier stage of the same Dockerfile.
	BaseStage BaseKind = "stage"
	// BaseScratch is the empty image, "FROM scratch".
	BaseScratch BaseKind = "scratch"
)

// UseKind says which instruction names an external image.
type UseKind string

const (
	// UseFrom is the image of a FROM line.
	UseFrom UseKind = "FROM"
	// UseCopyFrom is COPY --from=<image>.
	UseCopyFrom UseKind = "COPY --from"
	// UseMountFrom is RUN --mount=...,from=<image>.
	UseMountFrom UseKind = "RUN --mount"
)

// Role says how an external image reaches the image being built: its
// base, files copied into it, or only a tool of the build. A refresh
// watches images by role (the policy's refresh.watch), so the roles are
// decided here, from the same evaluation of the file that pins it.
type Role string

const (
	// RoleFinal is the base of the target stage, followed through stages
	// built FROM other stages to an external image.
	RoleFinal Role = "final"
	// RoleContent is an image whose files are copied into the target
	// stage: COPY --from=<image> in the target stage (or a stage it is
	// built FROM), or the base of a stage whose files are copied in with
	// COPY --from=<stage>, directly or through a chain of such stages.
	// The shipped files come from it, like the Go toolchain of a builder
	// stage whose binary is copied into a distroless runtime.
	RoleContent Role = "content"
	// RoleBuilder is any other image the target needs: the base of a
	// stage used only through RUN --mount=from=<stage>, and an image a
	// RUN --mount=from=<image> mounts. A mount is read while a step runs
	// and is not part of the result, so its files are not copied.
	RoleBuilder Role = "builder"
)

// Stronger reports whether r says more about the result than o: final,
// then content, then builder. An image used in several ways takes its
// strongest role.
func (r Role) Stronger(o Role) bool { return roleRank[r] > roleRank[o] }

var roleRank = map[Role]int{RoleBuilder: 1, RoleContent: 2, RoleFinal: 3}

// Image is one distinct external image the target depends on, with the
// strongest role any of its uses gives it and the stages that use it.
type Image struct {
	// Ref is the normalised reference.
	Ref Reference `json:"ref"`
	// Role is how the image reaches the result.
	Role Role `json:"role"`
	// Stages name the stages that use the image, by AS name or, for an
	// unnamed stage, by index, in file order.
	Stages []string `json:"stages"`
}

// Stage is one FROM line and the instructions under it.
type Stage struct {
	// Index is the 0-based position of the stage, as COPY --from=<n> counts.
	Index int `json:"index"`
	// Name is the AS name, lowercased as BuildKit does; empty when unnamed.
	Name string `json:"name,omitempty"`
	// Line is the 1-based line of the FROM instruction.
	Line int `json:"line"`
	// Image is the image expression as written ("${BASE}").
	Image string `json:"image"`
	// Expanded is Image after global ARG expansion ("debian:bookworm").
	Expanded string `json:"expanded"`
	// Platform is the --platform value as written, empty when absent.
	Platform string `json:"platform,omitempty"`
	// ExpandedPlatform is Platform after ARG expansion.
	ExpandedPlatform string `json:"expandedPlatform,omitempty"`
	// Kind says whether the stage starts from an image, a stage or scratch.
	Kind BaseKind `json:"kind"`
	// BaseStage is the index of the stage this one builds on when Kind is
	// BaseStage, else -1.
	BaseStage int `json:"baseStage"`
	// Ref is the external image when Kind is BaseImage; its Digest says
	// whether the FROM is already pinned and to what.
	Ref Reference `json:"ref,omitzero"`
	// Args are the variables the image expression refers to, sorted,
	// including unset ones it has a fallback for (${TAG:-bookworm}).
	Args []string `json:"args,omitempty"`
	// Reachable reports that the build target depends on this stage.
	Reachable bool `json:"reachable"`
}

// Use is one place where the file names an external image: a FROM line,
// COPY --from=<image> or RUN --mount=from=<image>.
type Use struct {
	// Kind is the instruction.
	Kind UseKind `json:"kind"`
	// Line is the 1-based line of the instruction.
	Line int `json:"line"`
	// Stage is the index of the stage the instruction starts (FROM) or
	// belongs to (COPY, RUN).
	Stage int `json:"stage"`
	// Text is the reference as written ("${BASE}", "debian:bookworm").
	Text string `json:"text"`
	// Expanded is Text after ARG expansion.
	Expanded string `json:"expanded"`
	// Ref is the normalised reference.
	Ref Reference `json:"ref"`
	// Args are the variables Text refers to, sorted.
	Args []string `json:"args,omitempty"`
	// Reachable reports that the build target depends on this use.
	Reachable bool `json:"reachable"`
	// Role is how this use brings the image into the result; empty when
	// the target does not depend on it.
	Role Role `json:"role,omitempty"`
}

// Report is what a Dockerfile builds on, for a given set of build args and
// target: the answer to "which images must be resolved, and which one is
// the result based on?".
type Report struct {
	// File is the name the Dockerfile was given (WithFilename).
	File string `json:"file"`
	// Target is the name of the target stage; empty when it has none.
	Target string `json:"target,omitempty"`
	// TargetIndex is the index of the target stage.
	TargetIndex int `json:"targetIndex"`
	// Base is the image the result is based on: the target stage's FROM,
	// followed through stage references to an external image. Nil when the
	// target is built from scratch.
	Base *Reference `json:"base,omitempty"`
	// References are the distinct external images the target depends on,
	// in order of first appearance in the file.
	References []Reference `json:"references"`
	// Images are References with the role and stages of each.
	Images []Image `json:"images"`
	// Args are the global ARGs, in file order.
	Args []Arg `json:"args,omitempty"`
	// Stages are all stages, reachable from the target or not.
	Stages []Stage `json:"stages"`
	// Uses are all places that name an external image, in file order.
	Uses []Use `json:"uses"`
	// StageArgs are the names of the ARGs declared inside stages (the
	// build arguments RUN steps see), in file order.
	StageArgs []string `json:"stageArgs,omitempty"`
}

// DeclaresStageArg reports whether a stage declares ARG name, so that a
// build argument of that name reaches its RUN steps (and their cache key).
func (r Report) DeclaresStageArg(name string) bool {
	for _, a := range r.StageArgs {
		if a == name {
			return true
		}
	}
	return false
}
