package dockerfile

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// site is where Pin may write a reference: a range of one logical line.
// BuildKit's AST keeps instruction text but not byte offsets, so sites are
// found by matching the AST's words back onto the logical line; when that
// fails the site is left unknown and Pin says so instead of guessing.
type site struct {
	line  logicalLine
	start int  // logical offset of the reference text
	end   int  // end of it
	found bool // the range is known
}

// text is the located text, empty when unknown.
func (s site) text() string {
	if !s.found {
		return ""
	}
	return s.line.text[s.start:s.end]
}

// locateTail finds words at the end of text, in order, separated by
// whitespace only: how FROM images and ARG words sit in their line after
// BuildKit removed the instruction name and flags. The words must be raw
// substrings of the line, which holds for both because BuildKit's
// whitespace splitting and word splitting keep quotes and escapes. It
// returns the start offset of each word.
func locateTail(text string, words []string) ([]int, bool) {
	at := make([]int, len(words))
	cursor := len(strings.TrimRightFunc(text, unicode.IsSpace))
	for i := len(words) - 1; i >= 0; i-- {
		w := words[i]
		if w == "" {
			return nil, false
		}
		p := strings.LastIndex(text[:cursor], w)
		if p < 0 || strings.TrimFunc(text[p+len(w):cursor], unicode.IsSpace) != "" {
			return nil, false
		}
		if r, _ := utf8.DecodeLastRuneInString(text[:p]); p > 0 && !unicode.IsSpace(r) {
			return nil, false
		}
		at[i] = p
		cursor = p
	}
	return at, true
}

// flagWord is one --flag word of an instruction in its logical line.
type flagWord struct {
	start, end int  // the word's range in the logical line
	plain      bool // the word has no quotes or escapes: its text is the flag
}

// flagWords finds the --flag words that follow the instruction name, with
// the word boundaries BuildKit uses when it extracts flags: words end at
// unquoted whitespace (tested byte by byte, as BuildKit does), quotes
// group, the escape character protects the next character, and a bare
// "--" ends the flags. Only flag words whose
// text BuildKit took verbatim (plain) can be rewritten in place.
func flagWords(text string, escape byte) []flagWord {
	text = strings.TrimRightFunc(text, unicode.IsSpace)
	pos := len(text) - len(strings.TrimLeftFunc(text, unicode.IsSpace))
	for pos < len(text) && !isFlagSpace(text[pos]) {
		pos++ // the instruction name
	}
	var words []flagWord
	for {
		for pos < len(text) && unicode.IsSpace(rune(text[pos])) {
			pos++
		}
		if !strings.HasPrefix(text[pos:], "--") {
			return words
		}
		w := flagWord{start: pos, plain: true}
		var quote byte
	word:
		for ; pos < len(text); pos++ {
			c := text[pos]
			switch {
			case c == escape:
				w.plain = false
				pos++
			case quote != 0:
				if c == quote {
					quote = 0
				}
			case c == '\'' || c == '"':
				w.plain = false
				quote = c
			case unicode.IsSpace(rune(c)):
				break word
			}
		}
		w.end = min(pos, len(text))
		pos = w.end
		if text[w.start:w.end] == "--" {
			return words
		}
		words = append(words, w)
	}
}

// isFlagSpace is the whitespace that separates an instruction's name from
// its arguments.
func isFlagSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r'
}

// wholeVar matches an expression that is exactly one variable, $NAME or
// ${NAME}, the form in which a FROM can be pinned through its ARG.
var wholeVar = regexp.MustCompile(`^\$(?:\{([\pL_][\pL\p{Nd}_]*)\}|([\pL_][\pL\p{Nd}_]*))$`)

// singleVar returns the variable an expression consists of, or "".
func singleVar(expr string) string {
	m := wholeVar.FindStringSubmatch(expr)
	if m == nil {
		return ""
	}
	return m[1] + m[2]
}
