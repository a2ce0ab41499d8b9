package registry

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
)

// redacted is what is printed wherever a password would be.
const redacted = "[redacted]"

// credential is one registry host's username and password.
//
// The password is held by a closure, not a string field: fmt prints
// unexported fields by reflection, without calling their String or Format
// methods, and a bad verb (%s on a struct holding a pointer) even
// dereferences pointers; a func value prints as an address whatever the
// path. Printing a credential itself, with any verb, shows the username and
// "[redacted]".
type credential struct {
	username string
	password secret
	forms    func() []string
}

// secret yields a password to the one caller that needs it.
type secret func() string

func newCredential(username, password string) *credential {
	forms := secretForms(username, password)
	return &credential{
		username: username,
		password: func() string { return password },
		forms:    func() []string { return forms },
	}
}

var _ authn.Authenticator = (*credential)(nil)

// Authorization hands the credential to go-containerregistry's transport,
// which sends it as Basic auth or exchanges it for a bearer token.
func (c *credential) Authorization() (*authn.AuthConfig, error) {
	return &authn.AuthConfig{Username: c.username, Password: c.password()}, nil
}

// String shows the username only.
func (c *credential) String() string {
	return fmt.Sprintf("user %q, password %s", c.username, redacted)
}

// GoString is String, so %#v does not print the struct.
func (c *credential) GoString() string { return c.String() }

// Format prints String for every verb, so %x or %d cannot reach the
// password either.
func (c *credential) Format(f fmt.State, _ rune) { fmt.Fprint(f, c.String()) }

// secretForms returns every spelling of a password that could end up in a
// message: a registry or token service may repeat it raw, or escaped the
// way its own language escapes a string in JSON, HTML or a URL, and the Go
// code in between may quote it again with %q. Each spelling is taken of
// the password as given and of the forms a line-based service leaves of a
// password with CR or LF in it; and escaped once, and twice, by every
// escaper. The Basic Authorization header (base64 of user:password) is
// among them. Forms are searched longest first, so a form that holds
// another is replaced whole.
func secretForms(username, password string) []string {
	if password == "" {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	add := func(f string) {
		if f != "" && !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	for _, v := range lineVariants(password) {
		add(v)
		for _, e1 := range escapers {
			once := e1(v)
			add(once)
			for _, e2 := range escapers {
				add(e2(once))
			}
		}
	}
	// The base64 forms hold +, / and =, which the escapers spell again
	// (%2B, \/): each is added escaped once too.
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		for _, b := range []string{enc.EncodeToString([]byte(username + ":" + password)), enc.EncodeToString([]byte(password))} {
			add(b)
			for _, e := range escapers {
				add(e(b))
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// lineVariants are the password and what services that handle text line
// by line make of it: CR LF as LF, CR or LF dropped, line ends as spaces,
// the ends trimmed.
func lineVariants(pw string) []string {
	return []string{
		pw,
		strings.ReplaceAll(pw, "\r\n", "\n"),
		strings.ReplaceAll(pw, "\r", ""),
		strings.ReplaceAll(pw, "\n", ""),
		strings.NewReplacer("\r", "", "\n", "").Replace(pw),
		strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ").Replace(pw),
		strings.TrimSpace(pw),
	}
}

// escapers turn a string into the inside of a quoted or encoded form of
// it, as the languages and formats registries are written in do.
var escapers = []func(string) string{
	// Go's %q, %+q and strconv.QuoteToGraphic.
	func(s string) string { return unquote(strconv.Quote(s)) },
	func(s string) string { return unquote(strconv.QuoteToASCII(s)) },
	func(s string) string { return unquote(strconv.QuoteToGraphic(s)) },
	// JSON, with Go's HTML-safe escapes (\u003c) and without them, and
	// with / escaped as some encoders do.
	func(s string) string {
		b, _ := json.Marshal(s)
		return unquote(string(b))
	},
	func(s string) string {
		var sb strings.Builder
		enc := json.NewEncoder(&sb)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(s)
		return unquote(strings.TrimSuffix(sb.String(), "\n"))
	},
	func(s string) string {
		b, _ := json.Marshal(s)
		return strings.ReplaceAll(unquote(string(b)), "/", `\/`)
	},
	// URLs: a query or form value, and a path segment.
	url.QueryEscape,
	url.PathEscape,
	// An HTML error page.
	html.EscapeString,
}

// unquote drops the quotes around a quoted string, keeping its escapes.
func unquote(q string) string {
	if len(q) >= 2 {
		return q[1 : len(q)-1]
	}
	return q
}

// credentials maps a canonical registry host (as name.Registry.RegistryStr
// spells it, so "docker.io" is "index.docker.io") to its credential. Hosts
// without an entry are accessed anonymously.
type credentials map[string]*credential

// authenticator returns the credential for host, or anonymous access.
func (cs credentials) authenticator(host string) authn.Authenticator {
	if c, ok := cs[host]; ok {
		return c
	}
	return authn.Anonymous
}

// redact replaces every form of every password in s, longest first so a
// form that contains another is replaced whole. It reports whether anything
// was replaced.
func (cs credentials) redact(s string) (string, bool) {
	var forms []string
	for _, c := range cs {
		forms = append(forms, c.forms()...)
	}
	sort.Slice(forms, func(i, j int) bool { return len(forms[i]) > len(forms[j]) })
	out := s
	for _, f := range forms {
		out = strings.ReplaceAll(out, f, redacted)
	}
	return out, out != s
}

// maxErrorBody is how much of an error response redactingTransport reads
// and rewrites; go-containerregistry reads no more than 64 KiB of one.
const maxErrorBody = 256 << 10

// redactingTransport takes every form of every password out of the bodies
// of error responses (status 400 and up) before anything above reads
// them. The client's own errors are redacted again where they are made;
// this covers what go-containerregistry reads later on its own (the
// config and layers of an image from Read), whose errors it builds from
// the body.
type redactingTransport struct {
	inner http.RoundTripper
	creds credentials
}

func (t *redactingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.inner.RoundTrip(req)
	if err != nil || resp.StatusCode < 400 || resp.Body == nil || resp.Body == http.NoBody {
		return resp, err
	}
	// What arrived before a failed read is passed on: an error body is
	// only ever read for its message.
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	_ = resp.Body.Close()
	clean, _ := t.creds.redact(string(body))
	resp.Body = io.NopCloser(strings.NewReader(clean))
	resp.ContentLength = int64(len(clean))
	resp.Header.Del("Content-Length")
	return resp, nil
}

// String lists hosts and usernames, never passwords.
func (cs credentials) String() string {
	hosts := make([]string, 0, len(cs))
	for h := range cs {
		hosts = append(hosts, h)
	}
	sort.Strings(hosts)
	parts := make([]string, len(hosts))
	for i, h := range hosts {
		parts[i] = fmt.Sprintf("%s (%s)", h, cs[h])
	}
	return strings.Join(parts, ", ")
}
