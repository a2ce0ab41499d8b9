package dockerfile

import (
	"bufio"
	"bytes"
	"fmt"
	"maps"
)

// longLine returns the first 1-based line too long for BuildKit's line
// scanner, or 0.
func longLine(b []byte) int {
	for i, l := range bytes.SplitAfter(b, []byte("\n")) {
		if len(l) >= bufio.MaxScanTokenSize {
			return i + 1
		}
	}
	return 0
}

// verify parses the pinned file again and checks that every use now
// carries the digest the Change promises. It guards the promise that Pin
// never hands back a file that builds something other than what it says.
func (d *Dockerfile) verify(res *PinResult) error {
	file := d.opts.filename
	args := maps.Clone(d.opts.buildArgs)
	maps.Copy(args, res.BuildArgs)
	again, err := Parse(res.Dockerfile,
		WithFilename(file), WithBuildArgs(args), WithTarget(d.opts.target),
		WithBuildPlatform(d.opts.buildPlatform), WithTargetPlatform(d.opts.targetPlatform))
	if err != nil {
		if line := longLine(res.Dockerfile); line > 0 {
			return errorf(file, line, "%w: pinning would make this line longer than the %d bytes BuildKit reads in one line; split the instruction with line continuations",
				ErrSyntax, bufio.MaxScanTokenSize-1)
		}
		return fmt.Errorf("pinning %s produced a file that does not parse (a bug in package dockerfile): %w", file, err)
	}
	uses := again.report.Uses
	if len(uses) != len(res.Changes) {
		return errorf(file, 0, "%w: pinning changed the number of image references from %d to %d (a bug in package dockerfile)",
			ErrSyntax, len(res.Changes), len(uses))
	}
	for i, c := range res.Changes {
		wantDigest := c.NewDigest
		if c.Action == ActionSkipped {
			wantDigest = c.OldDigest
		}
		if uses[i].Ref.Digest != wantDigest {
			return errorf(file, c.Line, "%w: after pinning, %s reads %q, not %q (a bug in package dockerfile)",
				ErrSyntax, c.Kind, uses[i].Expanded, c.New)
		}
	}
	return nil
}
