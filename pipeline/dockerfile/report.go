package dockerfile

import (
	"slices"
	"strconv"
)

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
		if _, err := strconv.Atoi(r.value); err == nil || b.stageIndex(r.value) >= 0 {
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
		Args:        b.args,
		Stages:      b.stages,
		Uses:        []Use{},
	}
	seen := map[string]bool{}
	for _, e := range exts {
		rep.Uses = append(rep.Uses, e.use)
		d.useSites = append(d.useSites, e.site)
		if e.use.Reachable && !seen[e.use.Ref.String()] {
			seen[e.use.Ref.String()] = true
			rep.References = append(rep.References, e.use.Ref)
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
