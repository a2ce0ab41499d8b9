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
	Commit    string
	Time      time.Time
	OriginURL string
}

// ReadSourceFacts reads the commit id, commit time and origin URL of a
// checkout that still has its .git directory (GitRef.Tree keeps it).
func ReadSourceFacts(ctx context.Context, client *dagger.Client, tree *dagger.Directory) (SourceFacts, error) {
	out, err := client.Container().
		From(GitImage).
		WithMountedDirectory("/src", tree).
		WithWorkdir("/src").
		WithExec([]string{"sh", "-c", "git config --global --add safe.directory /src && git log -1 --format='%H %ct' && (git config --get remote.origin.url || true)"}).
		Stdout(ctx)
	if err != nil {
		return SourceFacts{}, fmt.Errorf("reading the commit of the source checkout: %w", err)
	}
	return ParseSourceFacts(out)
}

// ParseSourceFacts parses the output of the git step: "<sha> <unix time>"
// and, on the next line, the origin URL if there is one.
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
	f := SourceFacts{Commit: fields[0], Time: time.Unix(secs, 0).UTC()}
	if len(lines) > 1 {
		f.OriginURL = strings.TrimSpace(lines[1])
	}
	return f, nil
}
