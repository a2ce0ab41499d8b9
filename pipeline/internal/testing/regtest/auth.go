package regtest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

type authMode int

const (
	authNone authMode = iota
	authBasic
	authToken
)

// tokenPath is where the token service of WithTokenAuth answers, on the
// registry's own host: go-containerregistry refuses a realm on another
// loopback address.
const tokenPath = "/token"

// WithBasicAuth demands HTTP Basic auth with user and pass on every /v2/
// request, as a simple private registry (registry:2 with htpasswd) does.
func WithBasicAuth(user, pass string) Option {
	return func(c *config) { c.auth, c.user, c.pass = authBasic, user, pass }
}

// WithTokenAuth demands a bearer token on every /v2/ request, answering
// 401 with a Bearer challenge whose realm is this server's /token, which
// exchanges Basic user and pass for a token: the Docker Hub and GHCR flow.
func WithTokenAuth(user, pass string) Option {
	return func(c *config) { c.auth, c.user, c.pass = authToken, user, pass }
}

// Echo is a spelling in which an echoing auth failure repeats the password
// it was sent: the ways a registry, a token service or the Go code in
// front of them can escape a string on its way into an error message.
type Echo string

// The spellings WithCredentialEcho can use.
const (
	// EchoRaw is the password as sent.
	EchoRaw Echo = "raw"
	// EchoQuoted is Go's %q of it, quotes included: "pa\"ss\\wo\r\n".
	EchoQuoted Echo = "quoted"
	// EchoASCII is Go's %+q: non-ASCII runes as \u escapes too.
	EchoASCII Echo = "ascii"
	// EchoJSON is it as a JSON string with its escapes (\", \\, \n,
	// \u003c), as a service that marshals the password into its message.
	EchoJSON Echo = "json"
	// EchoURL is it query-escaped, as a token request body carries it.
	EchoURL Echo = "url"
	// EchoPath is it path-escaped (%20 for a space), as a URL path would.
	EchoPath Echo = "path"
	// EchoBase64 is the Authorization header as sent: base64 of
	// user:password.
	EchoBase64 Echo = "base64"
	// EchoLF is it with every CR LF turned into LF, as a line-based log or
	// proxy rewrites line ends.
	EchoLF Echo = "lf"
	// EchoOneLine is it with CR and LF dropped, as a header or a one-line
	// log keeps it.
	EchoOneLine Echo = "oneline"
)

// Echoes lists every spelling, for tests that try each.
func Echoes() []Echo {
	return []Echo{EchoRaw, EchoQuoted, EchoASCII, EchoJSON, EchoURL, EchoPath, EchoBase64, EchoLF, EchoOneLine}
}

// WithCredentialEcho makes auth failures repeat the credentials that were
// presented, password included, in their error body, as a careless token
// service might: once in each of the given spellings, or in every one of
// them when none is given. Tests use it to check that clients redact what
// a server sends back, however it was escaped.
func WithCredentialEcho(forms ...Echo) Option {
	return func(c *config) {
		c.echo = true
		c.echoForms = forms
		if len(forms) == 0 {
			c.echoForms = Echoes()
		}
	}
}

// spell writes the presented password in one spelling.
func spell(form Echo, r *http.Request) string {
	u, p, _ := r.BasicAuth()
	switch form {
	case EchoQuoted:
		return strconv.Quote(p)
	case EchoASCII:
		return strconv.QuoteToASCII(p)
	case EchoJSON:
		b, _ := json.Marshal(p)
		return string(b)
	case EchoURL:
		return url.QueryEscape(p)
	case EchoPath:
		return url.PathEscape(p)
	case EchoBase64:
		if h := r.Header.Get("Authorization"); h != "" {
			return h
		}
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(u+":"+p))
	case EchoLF:
		return strings.ReplaceAll(p, "\r\n", "\n")
	case EchoOneLine:
		return strings.NewReplacer("\r", "", "\n", "").Replace(p)
	default:
		return p
	}
}

// withAuth puts the configured auth in front of h.
func withAuth(h http.Handler, cfg config) http.Handler {
	switch cfg.auth {
	case authBasic:
		return &basicAuth{next: h, cfg: cfg}
	case authToken:
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		return &tokenAuth{next: h, cfg: cfg, token: hex.EncodeToString(b)}
	default:
		return h
	}
}

type basicAuth struct {
	next http.Handler
	cfg  config
}

func (a *basicAuth) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if u, p, ok := r.BasicAuth(); ok && u == a.cfg.user && p == a.cfg.pass {
		a.next.ServeHTTP(w, r)
		return
	}
	w.Header().Set("WWW-Authenticate", `Basic realm="regtest"`)
	unauthorized(w, r, a.cfg)
}

type tokenAuth struct {
	next  http.Handler
	cfg   config
	token string
}

func (a *tokenAuth) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == tokenPath {
		a.serveToken(w, r)
		return
	}
	if r.Header.Get("Authorization") == "Bearer "+a.token {
		a.next.ServeHTTP(w, r)
		return
	}
	challenge := fmt.Sprintf(`Bearer realm="http://%s%s",service="regtest"`, r.Host, tokenPath)
	if repo := repository(r.URL.Path); repo != "" {
		challenge += fmt.Sprintf(`,scope="repository:%s:pull"`, repo)
	}
	w.Header().Set("WWW-Authenticate", challenge)
	unauthorized(w, r, config{})
}

// serveToken is the token service: Basic credentials in, a token out.
func (a *tokenAuth) serveToken(w http.ResponseWriter, r *http.Request) {
	if u, p, ok := r.BasicAuth(); !ok || u != a.cfg.user || p != a.cfg.pass {
		unauthorized(w, r, a.cfg)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"token": a.token, "access_token": a.token, "expires_in": 300})
}

// unauthorized answers 401 with a registry error body; with echo, the body
// repeats the presented credentials in the configured spellings.
func unauthorized(w http.ResponseWriter, r *http.Request, cfg config) {
	msg := "authentication required"
	if cfg.echo {
		u, _, _ := r.BasicAuth()
		var parts []string
		for _, f := range cfg.echoForms {
			parts = append(parts, fmt.Sprintf("%s: %s", f, spell(f, r)))
		}
		msg = fmt.Sprintf("invalid credentials for user %q; password as received: %s", u, strings.Join(parts, "; "))
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusUnauthorized)
	if r.Method != http.MethodHead {
		_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]string{{"code": "UNAUTHORIZED", "message": msg}}})
	}
}

// repository extracts <name> from /v2/<name>/{manifests,blobs,tags,referrers}/….
func repository(path string) string {
	rest, ok := strings.CutPrefix(path, "/v2/")
	if !ok {
		return ""
	}
	for _, sep := range []string{"/manifests/", "/blobs/", "/tags/", "/referrers/"} {
		if i := strings.LastIndex(rest, sep); i > 0 {
			return rest[:i]
		}
	}
	return ""
}
