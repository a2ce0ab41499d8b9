package dockerfile

import (
	"bytes"
	"strings"
	"unicode"
)

// span is a half-open byte range [start, end) of the original file.
type span struct{ start, end int }

// source maps BuildKit's view of a Dockerfile back to its bytes.
//
// BuildKit's parser hands out instructions as "logical lines": continuation
// lines joined, escape characters at line ends and comment lines inside a
// continuation dropped, line numbers kept. Pin must edit the original bytes
// and nothing else, so source rebuilds each logical line the same way while
// remembering where every piece came from.
type source struct {
	src    []byte
	lines  []int // lines[i] is the offset of line i+1; a final entry is len(src)
	escape byte  // backslash or backtick, the only escape characters BuildKit allows
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

func newSource(src []byte, escape rune) *source {
	s := &source{src: src, escape: byte(escape)}
	s.lines = append(s.lines, 0)
	for i, b := range src {
		if b == '\n' && i+1 < len(src) {
			s.lines = append(s.lines, i+1)
		}
	}
	s.lines = append(s.lines, len(src))
	return s
}

// numLines is the number of lines in the file.
func (s *source) numLines() int { return len(s.lines) - 1 }

// segment says that text[logical:logical+n] is src[raw:raw+n].
type segment struct{ logical, raw, n int }

// logicalLine is one instruction's text as BuildKit's parser saw it, with
// the origin of each piece.
type logicalLine struct {
	text string
	segs []segment
}

// logical rebuilds the logical line that starts on the 1-based line.
func (s *source) logical(line int) logicalLine {
	var l logicalLine
	var text strings.Builder
	first := true
	for idx := line - 1; idx >= 0 && idx < s.numLines(); idx++ {
		off := s.lines[idx]
		b := s.src[off:s.lines[idx+1]]
		if idx == 0 && bytes.HasPrefix(b, utf8BOM) {
			b = b[len(utf8BOM):]
			off += len(utf8BOM)
		}
		b = bytes.TrimRight(b, "\r\n")
		if first {
			t := bytes.TrimLeftFunc(b, unicode.IsSpace)
			off += len(b) - len(t)
			b = t
			first = false
		} else if isCommentLine(b) || len(bytes.TrimLeftFunc(b, unicode.IsSpace)) == 0 {
			continue
		}
		keep, more := s.trimContinuation(b)
		l.segs = append(l.segs, segment{logical: text.Len(), raw: off, n: len(keep)})
		text.Write(keep)
		if !more {
			break
		}
	}
	l.text = text.String()
	return l
}

// trimContinuation drops a trailing continuation escape and reports
// whether the instruction continues on the next line. This is BuildKit's
// rule: the last character other than spaces and tabs is the escape
// character, and it is not itself escaped (or it is alone on the line).
// Its spaces and tabs go with it.
func (s *source) trimContinuation(b []byte) ([]byte, bool) {
	t := bytes.TrimRight(b, " \t")
	n := len(t)
	switch {
	case n == 0 || t[n-1] != s.escape:
		return b, false
	case n >= 2 && t[n-2] == s.escape:
		return b, false
	}
	return t[:n-1], true
}

func isCommentLine(b []byte) bool {
	b = bytes.TrimLeftFunc(b, unicode.IsSpace)
	return len(b) > 0 && b[0] == '#'
}

// raw maps text[i:j] to the file. It fails when the range is empty or
// crosses a line continuation, because such a range is not one run of bytes.
func (l logicalLine) raw(i, j int) (span, bool) {
	if i < 0 || j <= i || j > len(l.text) {
		return span{}, false
	}
	for _, sg := range l.segs {
		if i >= sg.logical && j <= sg.logical+sg.n {
			start := sg.raw + (i - sg.logical)
			return span{start, start + (j - i)}, true
		}
	}
	return span{}, false
}
