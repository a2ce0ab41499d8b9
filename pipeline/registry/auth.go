package registry

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"sort"
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
}

// secret yields a password to the one caller that needs it.
type secret func() string

func newCredential(username, password string) *credential {
	return &credential{username: username, password: func() string { return password }}
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

// forms returns every spelling of the password that could end up in a
// message: as is, URL-encoded (a token request body) and inside a Basic
// Authorization header.
func (c *credential) forms() []string {
	pw := c.password()
	if pw == "" {
		return nil
	}
	fs := []string{
		pw,
		base64.StdEncoding.EncodeToString([]byte(c.username + ":" + pw)),
	}
	if q := url.QueryEscape(pw); q != pw {
		fs = append(fs, q)
	}
	return fs
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
