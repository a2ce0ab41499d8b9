package tagname

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode"

	"github.com/patchline/patchline/pipeline/internal/safetext"
)

// ValidateBranch refuses names that git itself refuses as branch names (see
// git-check-ref-format), so a mistyped CI variable is caught instead of being
// published as a tag. A "refs/heads/" prefix is accepted and removed.
func ValidateBranch(branch string) (string, error) {
	b := strings.TrimPrefix(branch, "refs/heads/")
	bad := func(why string) (string, error) {
		return "", fmt.Errorf("%w %s: %s; pass the branch name as git shows it, e.g. --branch main or --branch feature/login", ErrInvalidBranch, safetext.Quote(branch), why)
	}
	switch {
	case b == "":
		return bad("it is empty")
	case b == "@":
		return bad(`"@" alone is not a branch`)
	case strings.HasPrefix(b, "-"):
		return bad("it starts with -")
	case strings.HasPrefix(b, "/") || strings.HasSuffix(b, "/"):
		return bad("it starts or ends with /")
	case strings.HasSuffix(b, "."):
		return bad("it ends with .")
	case strings.HasSuffix(b, ".lock"):
		return bad("it ends with .lock")
	case strings.Contains(b, ".."):
		return bad(`it contains ".."`)
	case strings.Contains(b, "//"):
		return bad(`it contains "//"`)
	case strings.Contains(b, "@{"):
		return bad(`it contains "@{"`)
	}
	for _, r := range b {
		if unicode.IsControl(r) || r == ' ' || strings.ContainsRune("~^:?*[\\", r) {
			return bad(fmt.Sprintf("it contains %q", r))
		}
	}
	for _, seg := range strings.Split(b, "/") {
		if strings.HasPrefix(seg, ".") {
			return bad("a path component starts with .")
		}
	}
	return b, nil
}

// SanitizeBranch turns a valid branch name into a string that is safe inside
// a tag and at most max characters long, and that no other branch turns
// into: two branches must not move each other's edge tags.
//
//   - Letters, digits, '_', '.' and '-' are kept, case included.
//   - '/' becomes "..": git refuses ".." in a branch name, so
//     feature/login (feature..login) and feature-login (kept as is) stay
//     apart, and the name still reads as the branch.
//   - Any other character (such as '#', '+' or 'é') cannot appear in a
//     tag; a run of them becomes one '-', and because that loses what
//     they were, the result ends in "-" and the first 7 hex digits of the
//     SHA-256 of the branch name: feature/Big_Thing#2 becomes
//     feature..Big_Thing-2-<hash>.
//   - A '-' at the end (git allows one) is dropped, with the hash.
//   - A result longer than max is cut and ends in that hash too, so two
//     long branches that share a prefix get different tags.
func SanitizeBranch(branch string, max int) (string, error) {
	b, err := ValidateBranch(branch)
	if err != nil {
		return "", err
	}
	var sb strings.Builder
	lossy, dash := false, false
	for _, r := range b {
		switch {
		case r == '/':
			sb.WriteString("..")
			dash = false
		case r < unicode.MaxASCII && (r == '_' || r == '.' || r == '-' ||
			('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9')):
			sb.WriteRune(r)
			dash = r == '-'
		default:
			lossy = true
			if !dash {
				sb.WriteByte('-')
				dash = true
			}
		}
	}
	// A tag starts with a letter, digit or '_', and one that ends in '-'
	// or '.' reads badly with a suffix after it; what is trimmed is lost.
	s := strings.TrimRight(strings.TrimLeft(sb.String(), ".-"), "-.")
	if s != sb.String() {
		lossy = true
	}
	if s == "" {
		return "", fmt.Errorf("%w %s: nothing of it can appear in an image tag; edge tags need a branch with letters or digits", ErrInvalidBranch, safetext.Quote(branch))
	}
	if max < 12 {
		return "", fmt.Errorf("%w %s: the tag template leaves only %d characters for the branch; shorten the template", ErrInvalidBranch, safetext.Quote(branch), max)
	}
	if lossy || len(s) > max {
		sum := sha256.Sum256([]byte(b))
		suffix := "-" + hex.EncodeToString(sum[:])[:7]
		if len(s) > max-len(suffix) {
			s = strings.TrimRight(s[:max-len(suffix)], "-.")
		}
		s += suffix
	}
	return s, nil
}

// NormalizeSHA checks that sha is a git commit id (7 to 64 hexadecimal
// characters) and returns it in lowercase.
func NormalizeSHA(sha string) (string, error) {
	if len(sha) < 7 || len(sha) > 64 {
		return "", fmt.Errorf("%w %s: give the commit id, 7 to 64 hexadecimal characters (e.g. --sha $GITHUB_SHA)", ErrInvalidSHA, safetext.Quote(sha))
	}
	for _, r := range sha {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return "", fmt.Errorf("%w %s: %q is not hexadecimal; give the commit id (e.g. --sha $GITHUB_SHA)", ErrInvalidSHA, safetext.Quote(sha), r)
		}
	}
	return strings.ToLower(sha), nil
}
