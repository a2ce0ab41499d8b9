package dockerfile

import (
	"slices"
	"strconv"
)

// fileStages returns the stages whose files make up the target's result:
// final is the target and the stages it is built FROM (its filesystem
// starts as theirs); content adds every stage whose files are copied into
// one of those with COPY --from=<stage>, with the stages it is built FROM
// and copies from in turn. RUN --mount=from does not count: a mount is
// read while a step runs and is not part of the result.
func (b *builder) fileStages(target int) (final, content map[int]bool) {
	final = map[int]bool{}
	for i := target; i >= 0; i = b.stages[i].BaseStage {
		final[i] = true
		if b.stages[i].Kind != BaseStage {
			break
		}
	}
	copies := make([][]int, len(b.stages))
	for _, r := range b.refs {
		if j := b.refStage(r.kind, r.value); j >= 0 && r.kind == UseCopyFrom {
			copies[r.stage] = append(copies[r.stage], j)
		}
	}
	content = map[int]bool{}
	queue := []int{target}
	for len(queue) > 0 {
		i := queue[0]
		queue = queue[1:]
		if content[i] {
			continue
		}
		content[i] = true
		if st := b.stages[i]; st.Kind == BaseStage {
			queue = append(queue, st.BaseStage)
		}
		queue = append(queue, copies[i]...)
	}
	return final, content
}

// useRole is the role a reachable use gives its image.
func useRole(u Use, final, content map[int]bool) Role {
	switch {
	case u.Kind == UseFrom && final[u.Stage]:
		return RoleFinal
	case u.Kind == UseMountFrom:
		return RoleBuilder
	case content[u.Stage]:
		return RoleContent
	}
	return RoleBuilder
}

// refStage is the stage a COPY --from or RUN --mount=from value names;
// -1 when it names an image. COPY --from takes a stage's index or name;
// a mount's from only a name, as BuildKit reads them (from=0 mounts the
// image named 0).
func (b *builder) refStage(kind UseKind, value string) int {
	if kind == UseCopyFrom {
		if idx, err := strconv.Atoi(value); err == nil {
			return idx
		}
	}
	return b.stageIndex(value)
}

// stageRef names a stage in reports: its AS name, or its index.
func (b *builder) stageRef(i int) string {
	if n := b.stages[i].Name; n != "" {
		return n
	}
	return strconv.Itoa(i)
}

// external is a use of an external image before reachability is known.
type external struct {
	use  Use
	site site
}

// finish marks what the target depends on and assembles the Dockerfile.
func (b *builder) finish(target int, escape rune) *Dockerfile {
	reach := map[int]bool{}
	queue := []int{target}
	for len(queue) > 0 {
		i := queue[0]
		queue = queue[1:]
		if reach[i] {
			continue
		}
		reach[i] = true
		queue = append(queue, sortedInts(b.deps[i])...)
	}
	var exts []external
	for i := range b.stages {
		st := &b.stages[i]
		st.Reachable = reach[i]
		if st.Kind != BaseImage {
			continue
		}
		exts = append(exts, external{
			use: Use{Kind: UseFrom, Line: st.Line, Stage: i, Text: st.Image, Expanded: st.Expanded,
				Ref: st.Ref, Args: st.Args, Reachable: st.Reachable},
			site: b.fromSites[i],
		})
	}
	for _, r := range b.refs {
		if b.refStage(r.kind, r.value) >= 0 {
			continue
		}
		ref, _ := ParseReference(r.value) // validated by evalRefs
		exts = append(exts, external{
			use:  Use{Kind: r.kind, Line: r.line, Stage: r.stage, Text: r.value, Expanded: r.value, Ref: ref, Reachable: reach[r.stage]},
			site: r.site,
		})
	}
	slices.SortStableFunc(exts, func(x, y external) int { return x.use.Line - y.use.Line })

	d := &Dockerfile{
		opts:     b.o,
		src:      b.src,
		escape:   escape,
		scope:    b.scope,
		argSites: b.argSites,
		argLits:  b.argLits,
	}
	rep := Report{
		File:        b.o.filename,
		Target:      b.stages[target].Name,
		TargetIndex: target,
		References:  []Reference{},
		Images:      []Image{},
		Args:        b.args,
		Stages:      b.stages,
		Uses:        []Use{},
		StageArgs:   slices.Clone(b.stageArgs),
	}
	final, content := b.fileStages(target)
	images := map[string]int{}
	for _, e := range exts {
		if e.use.Reachable {
			e.use.Role = useRole(e.use, final, content)
		}
		rep.Uses = append(rep.Uses, e.use)
		d.useSites = append(d.useSites, e.site)
		if !e.use.Reachable {
			continue
		}
		key := e.use.Ref.String()
		i, seen := images[key]
		if !seen {
			i = len(rep.Images)
			images[key] = i
			rep.References = append(rep.References, e.use.Ref)
			rep.Images = append(rep.Images, Image{Ref: e.use.Ref, Role: e.use.Role})
		}
		img := &rep.Images[i]
		if e.use.Role.Stronger(img.Role) {
			img.Role = e.use.Role
		}
		if label := b.stageRef(e.use.Stage); !slices.Contains(img.Stages, label) {
			img.Stages = append(img.Stages, label)
		}
	}
	for i := target; ; {
		st := b.stages[i]
		if st.Kind == BaseStage {
			i = st.BaseStage
			continue
		}
		if st.Kind == BaseImage {
			ref := st.Ref
			rep.Base = &ref
		}
		break
	}
	d.report = rep
	return d
}

// Report describes what the Dockerfile builds on. The returned value is a
// copy; changing it does not change the Dockerfile.
func (d *Dockerfile) Report() Report {
	r := d.report
	r.References = slices.Clone(r.References)
	r.Args = slices.Clone(r.Args)
	for i := range r.Args {
		r.Args[i].Default = clonePtr(r.Args[i].Default)
		r.Args[i].Value = clonePtr(r.Args[i].Value)
		r.Args[i].Uses = slices.Clone(r.Args[i].Uses)
	}
	r.Stages = slices.Clone(r.Stages)
	for i := range r.Stages {
		r.Stages[i].Args = slices.Clone(r.Stages[i].Args)
	}
	r.Images = slices.Clone(r.Images)
	for i := range r.Images {
		r.Images[i].Stages = slices.Clone(r.Images[i].Stages)
	}
	r.StageArgs = slices.Clone(r.StageArgs)
	r.Uses = slices.Clone(r.Uses)
	for i := range r.Uses {
		r.Uses[i].Args = slices.Clone(r.Uses[i].Args)
	}
	if r.Base != nil {
		b := *r.Base
		r.Base = &b
	}
	return r
}

// clonePtr copies a *string so a Report shares no memory with its
// Dockerfile.
func clonePtr(p *string) *string {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
