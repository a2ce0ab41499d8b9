// Package safetext makes text from users and registries safe to print:
// URLs lose what may carry a secret, and values echoed in messages are
// cut to a length a person can read.
//
// URLs are the one thing every part of patchline prints or records that
// may carry a token: a remote with credentials in it, a --source-url with
// ?access_token=..., an upload location with its session state. URL is
// the only function that decides what of a URL may be shown, so every
// place that prints or records one agrees.
package safetext

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// URL returns s without what may carry a secret: user information (a
// user name alone is kept for ssh URLs, where it is "git"), the query and
// the fragment. Text that is not an absolute URL with a host is cut at its
// first '?' or '#' and loses everything before its last '@', so even a
// malformed URL prints no token.
func URL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return roughURL(s)
	}
	if u.User != nil {
		if _, hasPassword := u.User.Password(); hasPassword || u.Scheme != "ssh" {
			u.User = nil
		}
	}
	u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = "", false, "", ""
	return u.String()
}

// roughURL is URL for text that does not parse.
func roughURL(s string) string {
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		s = s[:i]
	}
	if at := strings.LastIndexByte(s, '@'); at >= 0 {
		if j := strings.Index(s, "://"); j >= 0 && j < at {
			return s[:j+3] + s[at+1:]
		}
		return s[at+1:]
	}
	return s
}

// urlInText finds http and https URLs inside a longer message, up to the
// first character that cannot be part of one (or a quote around it).
var urlInText = regexp.MustCompile(`(?i)\bhttps?://[^\s"'<>` + "`" + `]+`)

// URLs applies URL to every http and https URL inside msg, such as the
// "GET https://host/v2/...?_state=..." a registry error names.
func URLs(msg string) string {
	return urlInText.ReplaceAllStringFunc(msg, URL)
}

// MaxValue is how much of a value Quote and Clip show: all of any real
// image reference, tag or URL, and short enough that one bad value does
// not bury the rest of a message.
const MaxValue = 512

// Clip returns s cut to at most MaxValue bytes (on a character boundary)
// with a note of how much was left out.
func Clip(s string) string { return ClipTo(s, MaxValue) }

// ClipTo is Clip with a limit of n bytes.
func ClipTo(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…(" + strconv.Itoa(len(s)-cut) + " more bytes)"
}

// Quote is strconv.Quote of s cut to MaxValue bytes, for "%s" where a
// message would use %q.
func Quote(s string) string {
	if len(s) <= MaxValue {
		return strconv.Quote(s)
	}
	cut := MaxValue
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + "…(" + strconv.Itoa(len(s)-cut) + " more bytes)"
}
