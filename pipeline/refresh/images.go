package refresh

import (
	"context"
	"fmt"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/patchline/patchline/pipeline/dockerfile"
	"github.com/patchline/patchline/pipeline/registry"
	"github.com/patchline/patchline/pipeline/release"
	"github.com/patchline/patchline/pipeline/watch"
)

// verdict is what the images a published build records say about it.
type verdict struct {
	// current is set when every watched image still resolves to the
	// digest the build recorded.
	current bool
	// reason says what moved, or what was found unchanged.
	reason string
	// moved lists the watched images that moved.
	moved []watch.Input
}

// judge compares the images the published build m records with what their
// tags point at now: one HEAD per watched image, shared by every line of
// the run. Where an image moved, the manifests of each platform are read
// (one GET of each index, shared) to say which platforms moved. It fills
// the line's report with every recorded image.
func judge(ctx context.Context, req Request, res *release.Resolver, lr *LineReport, m *registry.Manifest) (verdict, error) {
	in := req.Inputs
	mode := in.Policy.Refresh.Watch
	where := in.Repositories[0] + ":" + lr.Tag
	lr.Base, lr.BaseEOL, lr.Images, lr.Known, lr.moved = nil, nil, nil, "", nil
	rec, err := watch.Read(m.Annotations, m.Manifests)
	if err != nil {
		return verdict{reason: fmt.Sprintf("%s: %v; rebuilding records it again", where, err)}, nil
	}
	if rec.FinalOnly {
		lr.Known = KnownFinalOnly
	}
	if f, ok := rec.Final(); ok {
		base := &BaseCheck{Name: f.Ref, Recorded: f.Digest}
		for _, p := range rec.Order {
			base.Platforms = append(base.Platforms, PlatformBase{Platform: p, Recorded: rec.Platforms[p]})
		}
		lr.Base = base
		if req.BaseEOL != nil {
			lr.BaseEOL = req.BaseEOL(f.Ref)
		}
	}
	if rec.FinalOnly && len(rec.Inputs) == 0 {
		return verdict{reason: fmt.Sprintf("%s records no base image (no %s annotation); rebuilding records it", where, watch.AnnotationInputs)}, nil
	}
	var v verdict
	var unchanged []string
	for _, input := range rec.Inputs {
		ic := ImageCheck{Ref: input.Ref, Role: input.Role, Stages: input.Stages, Recorded: input.Digest, Watched: watch.Watches(mode, input.Role) || rec.FinalOnly}
		if ic.Watched {
			current, err := res.Digest(ctx, input.Ref)
			if err != nil {
				return verdict{}, fmt.Errorf("resolving %s: %w", input.Ref, err)
			}
			ic.Current = current
			ic.Moved = current != input.Digest
			if ic.Moved {
				v.moved = append(v.moved, input)
				ic.Platforms = platformsMoved(ctx, res, input, current, rec)
			} else {
				unchanged = append(unchanged, fmt.Sprintf("%s at %s", input.Ref, short(current)))
			}
		}
		if input.Role == dockerfile.RoleFinal && lr.Base != nil {
			lr.Base.Current = ic.Current
			for i, p := range lr.Base.Platforms {
				switch {
				case !ic.Moved:
					lr.Base.Platforms[i].Current = p.Recorded
				default:
					lr.Base.Platforms[i].Current = platformCurrent(ic.Platforms, p.Platform)
				}
			}
		}
		lr.Images = append(lr.Images, ic)
	}
	known := ""
	if rec.FinalOnly {
		known = fmt.Sprintf("; only the final base is known: %s was published without the %s annotation, and its next rebuild records every image it uses", where, watch.AnnotationInputs)
	}
	if len(v.moved) > 0 {
		var parts []string
		for _, ic := range lr.Images {
			if ic.Moved {
				parts = append(parts, fmt.Sprintf("%s moved %s → %s%s", describe(ic, rec.FinalOnly), short(ic.Recorded), short(ic.Current), onlyOn(ic.Platforms)))
			}
		}
		v.reason = strings.Join(parts, "; ") + known
		lr.moved = v.moved
		return v, nil
	}
	v.current = true
	switch {
	case len(unchanged) == 0:
		v.reason = fmt.Sprintf("the build uses no image that refresh.watch: %s watches", mode)
	case lr.Base != nil && len(unchanged) == 1:
		v.reason = fmt.Sprintf("base %s unchanged at %s", lr.Base.Name, short(lr.Base.Current))
	default:
		v.reason = "watched images unchanged: " + strings.Join(unchanged, ", ")
	}
	v.reason += known
	return v, nil
}

// describe names a moved image in a reason.
func describe(ic ImageCheck, finalOnly bool) string {
	if ic.Role == dockerfile.RoleFinal && (finalOnly || len(ic.Stages) == 0) {
		return "base " + ic.Ref
	}
	return watch.Input{Ref: ic.Ref, Role: ic.Role, Stages: ic.Stages}.Describe()
}

// platformsMoved returns, per platform of the published image, the
// manifest of a moved image it was built on and the one its tag points
// at now. The final base's are recorded per platform and its new index is
// read (one GET, shared with the rebuild that follows); another image's
// old and new index are read. A platform an image does not have (a
// builder stage pulled for the build platform only) is left out, and so
// is everything when an index cannot be read: the report then says the
// image moved without naming platforms.
func platformsMoved(ctx context.Context, res *release.Resolver, input watch.Input, current string, rec watch.Record) []PlatformBase {
	var before, now map[string]string
	var err error
	if input.Role == dockerfile.RoleFinal {
		want := make([]v1.Platform, 0, len(rec.Order))
		for _, p := range rec.Order {
			if pl, err := v1.ParsePlatform(p); err == nil {
				want = append(want, *pl)
			}
		}
		if now, err = res.PlatformDigests(ctx, input.Ref, current, want); err != nil {
			return nil
		}
		before = rec.Platforms
	} else {
		if now, err = res.PlatformDigests(ctx, input.Ref, current, nil); err != nil {
			return nil
		}
		if before, err = res.PlatformDigests(ctx, input.Ref, input.Digest, nil); err != nil {
			return nil
		}
		// A single-platform image is its own manifest on every platform.
		now, before = everyPlatform(now, current, rec.Order), everyPlatform(before, input.Digest, rec.Order)
	}
	var out []PlatformBase
	for _, p := range rec.Order {
		pb := PlatformBase{Platform: p, Recorded: before[p], Current: now[p]}
		if pb.Recorded == "" && pb.Current == "" {
			continue
		}
		out = append(out, pb)
	}
	return out
}

// everyPlatform maps each platform to digest when m is empty (the image is
// a single manifest, not an index).
func everyPlatform(m map[string]string, digest string, platforms []string) map[string]string {
	if len(m) > 0 {
		return m
	}
	out := map[string]string{}
	for _, p := range platforms {
		out[p] = digest
	}
	return out
}

func platformCurrent(ps []PlatformBase, p string) string {
	for _, x := range ps {
		if x.Platform == p {
			return x.Current
		}
	}
	return ""
}

// onlyOn says which platforms moved when not all of them did.
func onlyOn(ps []PlatformBase) string {
	var moved []string
	for _, p := range ps {
		if p.Current != "" && p.Current != p.Recorded {
			moved = append(moved, p.Platform)
		}
	}
	if len(moved) == 0 || len(moved) == len(ps) {
		return ""
	}
	return " (only " + strings.Join(moved, ", ") + ")"
}
