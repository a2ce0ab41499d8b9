package daggerbuild

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"dagger.io/dagger"
)

// GitImage runs git to read commit facts that the Dagger API does not
// expose (the commit time), pinned by digest.
const GitImage = "docker.io/alpine/git:v2.49.1@sha256:c0280cf9572316299b08544065d3bf35db65043d5e3963982ec50647d2746e26"

// SourceFacts are what a checkout says about itself.
type SourceFacts struct {
	Commit string
	Time   time.Time
}

// ReadSourceFacts reads the commit id and commit time of a checkout that
// still has its .git directory (GitRef.Tree keeps it). It asks for nothing
// else: the step's output shows in the progress view and traces, and the
// repository's URL, which may carry a token, is read elsewhere and
// stripped of it.
func ReadSourceFacts(ctx context.Context, client *dagger.Client, tree *dagger.Directory) (SourceFacts, error) {
	out, err := client.Container().
		From(GitImage).
		WithMountedDirectory("/src", tree).
		WithWorkdir("/src").
		WithExec([]string{"sh", "-c", "git config --global --add safe.directory /src && git log -1 --format='%H %ct'"}).
		Stdout(ctx)
	if err != nil {
		return SourceFacts{}, fmt.Errorf("reading the commit of the source checkout: %w", err)
	}
	return ParseSourceFacts(out)
}

// ParseSourceFacts parses the output of the git step: "<sha> <unix time>".
func ParseSourceFacts(out string) (SourceFacts, error) {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	fields := strings.Fields(lines[0])
	if len(fields) != 2 {
		return SourceFacts{}, fmt.Errorf("unexpected git output %q", lines[0])
	}
	secs, err := strconv.ParseInt(fields[1], 10, 64)
	if err != nil {
		return SourceFacts{}, fmt.Errorf("unexpected commit time %q", fields[1])
	}
	return SourceFacts{Commit: fields[0], Time: time.Unix(secs, 0).UTC()}, nil
}
