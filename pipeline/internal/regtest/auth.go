package regtest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
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

// WithCredentialEcho makes auth failures repeat the credentials that were
// presented, password included, in their error body, as a careless token
// service might. Tests use it to check that clients redact what a server
// sends back.
func WithCredentialEcho() Option {
	return func(c *config) { c.echo = true }
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
	unauthorized(w, r, a.cfg.echo)
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
	unauthorized(w, r, false)
}

// serveToken is the token service: Basic credentials in, a token out.
func (a *tokenAuth) serveToken(w http.ResponseWriter, r *http.Request) {
	if u, p, ok := r.BasicAuth(); !ok || u != a.cfg.user || p != a.cfg.pass {
		unauthorized(w, r, a.cfg.echo)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"token": a.token, "access_token": a.token, "expires_in": 300})
}

// unauthorized answers 401 with a registry error body; with echo, the body
// repeats the presented credentials.
func unauthorized(w http.ResponseWriter, r *http.Request, echo bool) {
	msg := "authentication required"
	if echo {
		u, p, _ := r.BasicAuth()
		msg = fmt.Sprintf("invalid credentials for user %q with password %q (Authorization: %s)", u, p, r.Header.Get("Authorization"))
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
