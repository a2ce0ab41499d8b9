package dockerfile

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Digests maps image references to the digests a resolver found for them,
// for example {"debian:bookworm-slim": "sha256:..."}. Keys may be written
// in any form ParseReference accepts; "debian:bookworm" and
// "docker.io/library/debian:bookworm" are the same key. Look up
// Reference.Key() to fill it.
type Digests map[string]string

// normalize re-keys the map by Reference.Key and validates every digest.
func (ds Digests) normalize(file string) (map[string]string, error) {
	out := make(map[string]string, len(ds))
	for _, k := range slices.Sorted(maps.Keys(ds)) {
		v := ds[k]
		ref, err := ParseReference(k)
		if err != nil {
			return nil, errorf(file, 0, "digest for %w", err)
		}
		if err := validateDigest(k, v); err != nil {
			return nil, errorf(file, 0, "%w", err)
		}
		key := ref.Key()
		if prev, ok := out[key]; ok && prev != v {
			return nil, errorf(file, 0, "%w: %q and another key both name %s but give %s and %s; keep one", ErrInvalidDigest, k, key, prev, v)
		}
		out[key] = v
	}
	return out, nil
}

// Action is what Pin did with one reference.
type Action string

const (
	// ActionPinned means a digest was added where there was none.
	ActionPinned Action = "pinned"
	// ActionUpdated means an existing digest was replaced by a newer one.
	ActionUpdated Action = "updated"
	// ActionUnchanged means the reference already carried the digest.
	ActionUnchanged Action = "unchanged"
	// ActionBuildArg means the reference comes from a build arg, which the
	// caller must pass pinned (PinResult.BuildArgs); the file is untouched.
	ActionBuildArg Action = "build-arg"
	// ActionSkipped means the reference was left as it was; Reason says why.
	ActionSkipped Action = "skipped"
)

// Change reports what Pin did with one FROM, COPY --from or RUN --mount.
type Change struct {
	// Kind is the instruction.
	Kind UseKind `json:"kind"`
	// Line is the 1-based line of the instruction.
	Line int `json:"line"`
	// Stage is the index of the stage the instruction belongs to.
	Stage int `json:"stage"`
	// Old is the reference before pinning, as the build sees it (expanded).
	Old string `json:"old"`
	// New is the reference after pinning; equal to Old when unchanged and
	// empty when skipped.
	New string `json:"new,omitempty"`
	// OldDigest is the digest Old carried, empty when it was not pinned.
	OldDigest string `json:"oldDigest,omitempty"`
	// NewDigest is the digest New carries.
	NewDigest string `json:"newDigest,omitempty"`
	// Action is what happened.
	Action Action `json:"action"`
	// Arg is the global ARG the pin went into (its default was rewritten,
	// or it must be passed as a build arg); empty when the instruction
	// itself was rewritten.
	Arg string `json:"arg,omitempty"`
	// ArgLine is the line of that ARG instruction, 0 for a build arg.
	ArgLine int `json:"argLine,omitempty"`
	// Reason explains a skip, a build arg, or a pin that holds only for
	// the current values of the ARGs an expression uses.
	Reason string `json:"reason,omitempty"`
}

// String renders the change for a human-readable report.
func (c Change) String() string {
	s := fmt.Sprintf("line %d: %s %s", c.Line, c.Kind, c.Old)
	switch c.Action {
	case ActionUnchanged:
		s += ": unchanged"
	case ActionSkipped:
		s += ": skipped"
	case ActionBuildArg:
		s += fmt.Sprintf(" -> %s: pass --build-arg %s=%s", c.New, c.Arg, c.New)
	default:
		s += " -> " + c.New
		if c.OldDigest != "" {
			s += fmt.Sprintf(" (%s -> %s)", c.OldDigest, c.NewDigest)
		}
		if c.Arg != "" {
			s += fmt.Sprintf(" via ARG %s on line %d", c.Arg, c.ArgLine)
		}
	}
	if c.Reason != "" {
		s += " (" + c.Reason + ")"
	}
	return s
}

// PinResult is the outcome of Pin.
type PinResult struct {
	// Dockerfile is the rewritten file. It is byte-identical to the input
	// when Changed is false.
	Dockerfile []byte `json:"-"`
	// Changed reports that Dockerfile differs from the input.
	Changed bool `json:"changed"`
	// Changes has one entry per external image use, in file order.
	Changes []Change `json:"changes"`
	// BuildArgs are pinned values for build args that supply an image; pass
	// them (with the other build args) to the build. Only values that differ
	// from the build args given are listed.
	BuildArgs map[string]string `json:"buildArgs,omitempty"`
}

// Pin rewrites every external image the file names into
// name:tag@sha256:<digest> form, keeping the tag as Renovate does, and
// returns the new bytes with a summary. Only the bytes of the references
// (or of the ARG defaults they come from) change; comments, spacing, flags,
// stage names, continuations and line endings stay as they were.
//
// Where the pin goes:
//   - FROM, COPY --from and RUN --mount=from with a literal reference: the
//     reference itself.
//   - FROM ${NAME}: the default of the global ARG NAME, when it is a
//     literal that no other expression builds on (stages that re-declare
//     ARG NAME then see the pinned value too); when NAME comes from a
//     build arg, nothing is rewritten and PinResult.BuildArgs holds the
//     pinned value to pass instead.
//   - Any other expression (FROM $REGISTRY/debian:${TAG}): the digest is
//     appended to the expression; it pins the image the current ARG values
//     select, and the Change says so.
//
// Every tagged reference the target depends on must have a digest in
// digests (ErrMissingDigest otherwise); references outside the target are
// pinned when a digest is given and skipped when not. A digest-only
// reference (image@sha256:x) is replaced when digests maps it to another
// digest and otherwise left as it is. Pinning an already pinned
// file with the same digests changes nothing.
func (d *Dockerfile) Pin(digests Digests) (*PinResult, error) {
	file := d.opts.filename
	want, err := digests.normalize(file)
	if err != nil {
		return nil, err
	}
	var missing []string
	for _, u := range d.report.Uses {
		if _, ok := want[u.Ref.Key()]; !ok && u.Reachable && u.Ref.Tag != "" {
			missing = append(missing, fmt.Sprintf("%s (%s on line %d)", u.Ref.Key(), u.Kind, u.Line))
		}
	}
	if len(missing) > 0 {
		return nil, errorf(file, 0, "%w for %s; resolve every reference in Report().References and pass all of them",
			ErrMissingDigest, strings.Join(missing, ", "))
	}

	p := pinner{d: d, want: want, edits: map[span]string{}, buildArgs: map[string]string{}}
	res := &PinResult{}
	for i, u := range d.report.Uses {
		res.Changes = append(res.Changes, p.pin(i, u))
	}
	if len(p.buildArgs) > 0 {
		res.BuildArgs = p.buildArgs
	}
	out, err := applyEdits(d.src.src, p.edits)
	if err != nil {
		return nil, errorf(file, 0, "%w: %v", ErrSyntax, err)
	}
	res.Dockerfile = out
	res.Changed = !bytes.Equal(out, d.src.src)
	if err := d.verify(res); err != nil {
		return nil, err
	}
	return res, nil
}

// pinner carries the state of one Pin call.
type pinner struct {
	d         *Dockerfile
	want      map[string]string
	edits     map[span]string
	buildArgs map[string]string
}

// pin decides what happens to the i-th use and plans its edit: look up the
// digest, stop if it is already current, else write it through the ARG the
// FROM consists of, or into the reference text itself.
func (p *pinner) pin(i int, u Use) Change {
	c := Change{Kind: u.Kind, Line: u.Line, Stage: u.Stage, Old: u.Expanded, OldDigest: u.Ref.Digest}
	dg, ok := p.want[u.Ref.Key()]
	if !ok && u.Ref.Tag == "" {
		// A digest-only reference names its own content; without a
		// replacement it stays as it is.
		dg, ok = u.Ref.Digest, true
	}
	if !ok {
		c.Action = ActionSkipped
		c.Reason = fmt.Sprintf("no digest given for %s, and the target does not depend on it", u.Ref.Key())
		return c
	}
	c.NewDigest = dg
	c.New = withDigest(u.Expanded, dg)
	if u.Ref.Digest == dg {
		c.Action = ActionUnchanged
		return c
	}
	c.Action = ActionPinned
	if u.Ref.Digest != "" {
		c.Action = ActionUpdated
	}
	if u.Kind == UseFrom {
		if name := singleVar(u.Text); name != "" {
			if done := p.pinArg(name, u, &c); done {
				return c
			}
		}
	}
	scope := newEnv()
	if u.Kind == UseFrom {
		scope = p.d.scope
	}
	if p.rewrite(p.d.useSites[i], u.Expanded, c.New, scope) {
		if len(u.Args) > 0 && singleVar(u.Text) == "" {
			c.Reason = fmt.Sprintf("the digest is for the current value of ARG %s", strings.Join(u.Args, ", "))
		}
		return c
	}
	c.Action = ActionSkipped
	c.New = ""
	c.Reason = fmt.Sprintf("cannot rewrite %q in place without touching other text; pin it by hand as %s", u.Text, withDigest(u.Expanded, dg))
	return c
}

// pinArg pins FROM ${name} through the global ARG name, when that is
// possible and safe; it reports whether it handled the change.
func (p *pinner) pinArg(name string, u Use, c *Change) bool {
	ai := p.d.setter(name)
	if ai < 0 {
		return false
	}
	a := p.d.report.Args[ai]
	if a.Overridden {
		p.buildArgs[name] = c.New
		c.Action, c.Arg = ActionBuildArg, name
		c.Reason = fmt.Sprintf("the image comes from --build-arg %s; pass it pinned", name)
		return true
	}
	if !p.d.argLits[ai] || !p.d.argRewritable(name) {
		return false
	}
	if !p.rewrite(p.d.argSites[ai], u.Expanded, c.New, newEnv()) {
		return false
	}
	c.Arg, c.ArgLine = name, a.Line
	return true
}
