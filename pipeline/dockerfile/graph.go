package dockerfile

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// evalRefs resolves COPY --from and RUN --mount=from values: a stage index
// (COPY --from only), a stage name (any case, any position in the file, as
// BuildKit looks them up), or else an image reference.
func (b *builder) evalRefs() error {
	for _, r := range b.refs {
		if idx, err := strconv.Atoi(r.value); err == nil && r.kind == UseCopyFrom {
			if idx < 0 || idx >= len(b.stages) {
				return b.errorf(r.line, "%s=%q: %w: stages are numbered from 0 to %d", r.kind, r.value, ErrUnknownStage, len(b.stages)-1)
			}
			b.deps[r.stage][idx] = true
			continue
		}
		if j := b.stageIndex(r.value); j >= 0 {
			b.deps[r.stage][j] = true
			continue
		}
		if _, err := ParseReference(r.value); err != nil {
			return b.errorf(r.line, "%s=%q: %w: it names no stage and is not a valid image reference (%v); %s",
				r.kind, r.value, ErrUnknownStage, err, b.stageList())
		}
	}
	return nil
}

// stageIndex finds a stage by name, case-insensitively (names are kept in
// lower case); -1 if none.
func (b *builder) stageIndex(name string) int {
	if j, ok := b.byName[strings.ToLower(name)]; ok {
		return j
	}
	return -1
}

// stageList names the stages for an error message.
func (b *builder) stageList() string {
	var names []string
	for _, s := range b.stages {
		if s.Name != "" {
			names = append(names, strconv.Quote(s.Name))
		}
	}
	if len(names) == 0 {
		return "the file names no stages (add AS <name> to a FROM line)"
	}
	return "stages are: " + strings.Join(names, ", ")
}

// target finds the stage to build: the --target, or the last stage.
func (b *builder) target() (int, error) {
	if b.o.target == "" {
		return len(b.stages) - 1, nil
	}
	if j := b.stageIndex(b.o.target); j >= 0 {
		return j, nil
	}
	return 0, b.errorf(0, "target %q: %w; %s", b.o.target, ErrUnknownTarget, b.stageList())
}

// checkCycles refuses stages that depend on each other in a loop (only
// possible through COPY --from or RUN --mount=from), as BuildKit does.
func (b *builder) checkCycles() error {
	const (
		unvisited = iota
		visiting
		done
	)
	state := make([]int, len(b.stages))
	var path []int
	var visit func(i int) error
	visit = func(i int) error {
		switch state[i] {
		case visiting:
			start := slices.Index(path, i)
			var names []string
			for _, j := range append(path[start:], i) {
				names = append(names, b.stageLabel(j))
			}
			return b.errorf(b.stages[path[len(path)-1]].Line, "%w: %s", ErrCircularDependency, strings.Join(names, " -> "))
		case done:
			return nil
		}
		state[i] = visiting
		path = append(path, i)
		for _, j := range sortedInts(b.deps[i]) {
			if err := visit(j); err != nil {
				return err
			}
		}
		path = path[:len(path)-1]
		state[i] = done
		return nil
	}
	for i := range b.stages {
		if err := visit(i); err != nil {
			return err
		}
	}
	return nil
}

// stageLabel names a stage in messages: its name, or its index.
func (b *builder) stageLabel(i int) string {
	if n := b.stages[i].Name; n != "" {
		return strconv.Quote(n)
	}
	return fmt.Sprintf("stage %d", i)
}

// sortedInts lists a set of stage indexes in order, so that traversals
// and their error messages are deterministic.
func sortedInts(m map[int]bool) []int {
	var out []int
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
