package plan

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/patchline/patchline/pipeline/calendar"
	"github.com/patchline/patchline/pipeline/policy"
	"github.com/patchline/patchline/pipeline/version"

	"github.com/patchline/patchline/pipeline/internal/safetext"
)

// LineStatus says whether a release line is kept patched.
type LineStatus string

// Line statuses.
const (
	LineSupported   LineStatus = "supported"
	LineEOL         LineStatus = "eol"
	LineUnsupported LineStatus = "unsupported"
)

// LineInfo describes one release line.
type LineInfo struct {
	Line   version.Line    `json:"line"`
	Newest version.Version `json:"newest"`
	Status LineStatus      `json:"status"`
	Reason string          `json:"reason,omitempty"`
	EOL    string          `json:"eol,omitempty"`
}

// Lines is every release line known from the released versions, newest
// first, with the policy's verdict on each.
type Lines struct {
	All []LineInfo `json:"lines"`
}

// Supported returns the supported lines, newest first.
func (ls Lines) Supported() []LineInfo {
	var out []LineInfo
	for _, l := range ls.All {
		if l.Status == LineSupported {
			out = append(out, l)
		}
	}
	return out
}

// NewestSupported returns the newest supported line, if any.
func (ls Lines) NewestSupported() (LineInfo, bool) {
	s := ls.Supported()
	if len(s) == 0 {
		return LineInfo{}, false
	}
	return s[0], true
}

// Get returns the information on one line.
func (ls Lines) Get(l version.Line) (LineInfo, bool) {
	for _, x := range ls.All {
		if x.Line == l {
			return x, true
		}
	}
	return LineInfo{}, false
}

// NewestInMajor returns the newest line of a major version.
func (ls Lines) NewestInMajor(major uint64) (LineInfo, bool) {
	for _, x := range ls.All {
		if x.Line.Major == major {
			return x, true
		}
	}
	return LineInfo{}, false
}

// ComputeLines applies the policy's support scope to the released versions:
// the constraint first, then the newest-N limit, then EOL dates (a line is
// supported through its EOL day). Prereleases do not make a line.
func ComputeLines(p *policy.Policy, releases []version.Version, today time.Time) Lines {
	newest := version.NewestByLine(releases)
	lines := make([]version.Line, 0, len(newest))
	for l := range newest {
		lines = append(lines, l)
	}
	slices.SortFunc(lines, func(a, b version.Line) int { return b.Compare(a) })

	var out Lines
	kept := 0
	day := today.UTC().Format(calendar.Layout)
	for _, l := range lines {
		info := LineInfo{Line: l, Newest: newest[l], Status: LineSupported}
		eol, hasEOL := p.Support.EOLOf(l)
		if hasEOL {
			info.EOL = eol.String()
		}
		switch {
		case p.Support.Constraint != nil && !p.Support.Constraint.Check(info.Newest.Semver()):
			info.Status = LineUnsupported
			info.Reason = fmt.Sprintf("%s does not satisfy the support constraint %s", info.Newest, safetext.Quote(p.Support.ConstraintText))
		case p.Support.NewestLines > 0 && kept >= p.Support.NewestLines:
			info.Status = LineUnsupported
			info.Reason = fmt.Sprintf("only the newest %d lines are supported", p.Support.NewestLines)
		default:
			kept++
			if hasEOL && day > eol.String() {
				info.Status = LineEOL
				info.Reason = fmt.Sprintf("reached end of life on %s", eol)
			}
		}
		out.All = append(out.All, info)
	}
	return out
}

func lineNames(ls []LineInfo) string {
	var names []string
	for _, l := range ls {
		names = append(names, l.Line.String())
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}
