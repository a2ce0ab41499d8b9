package registry_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/logs"

	"github.com/patchline/patchline/pipeline/internal/testing/regtest"
	"github.com/patchline/patchline/pipeline/registry"
)

const (
	user     = "release-bot"
	password = "hunter2-Zq9!x/+=s3cr3t" // has characters that URL and base64 encoding change
)

// Credentials work with both auth schemes, and the wrong ones fail with
// ErrUnauthorized; anonymous access to an open registry needs nothing.
func TestAuth(t *testing.T) {
	for _, impl := range regtest.All() {
		t.Run(impl.Name, func(t *testing.T) {
			for _, tc := range []struct {
				name   string
				server regtest.Option
				client []registry.Option
				ok     bool
			}{
				{"basic", regtest.WithBasicAuth(user, password), nil, true},
				{"token", regtest.WithTokenAuth(user, password), nil, true},
				{"basic wrong password", regtest.WithBasicAuth(user, password), []registry.Option{}, false},
				{"token wrong password", regtest.WithTokenAuth(user, password), []registry.Option{}, false},
				{"basic anonymous", regtest.WithBasicAuth(user, password), nil, false},
				{"token anonymous", regtest.WithTokenAuth(user, password), nil, false},
			} {
				t.Run(tc.name, func(t *testing.T) {
					srv := impl.Start(t, tc.server)
					srv.SeedImage(t, "app:1")
					var opts []registry.Option
					switch {
					case strings.Contains(tc.name, "wrong"):
						opts = append(opts, registry.WithCredentials(srv.Host, user, "not-"+password))
					case !strings.Contains(tc.name, "anonymous"):
						opts = append(opts, registry.WithCredentials(srv.Host, user, password))
					}
					c, sl := newClient(t, opts...)
					ctx := context.Background()

					_, rerr := c.Resolve(ctx, srv.Ref("app:1"))
					_, perr := c.Push(ctx, srv.Ref("app:2"), regtest.Image(t))
					_, terr := c.Tags(ctx, srv.Ref("app"))
					for _, err := range []error{rerr, perr, terr} {
						switch {
						case tc.ok && err != nil:
							t.Errorf("unexpected error: %v", err)
						case !tc.ok && !errors.Is(err, registry.ErrUnauthorized):
							t.Errorf("err = %v, want ErrUnauthorized", err)
						}
						assertNoSecret(t, err)
					}
					if len(sl.waits()) != 0 {
						t.Errorf("auth failures were retried: %v", sl.waits())
					}
				})
			}
		})
	}
}

// One client serves several registries with their own credentials, and
// anonymous ones beside them.
func TestSeveralRegistries(t *testing.T) {
	ghcr := regtest.GGCR().Start(t, regtest.WithTokenAuth("bot", "ghcr-token"))
	hub := regtest.Distribution().Start(t, regtest.WithBasicAuth("hubuser", "hub-pass"))
	open := regtest.Olareg().Start(t)
	for _, s := range []*regtest.Server{ghcr, hub, open} {
		s.SeedImage(t, "app:1")
	}
	c, _ := newClient(t,
		registry.WithCredentials(ghcr.Host, "bot", "ghcr-token"),
		registry.WithCredentials(hub.Host, "hubuser", "hub-pass"),
	)
	for _, s := range []*regtest.Server{ghcr, hub, open} {
		if _, err := c.Resolve(context.Background(), s.Ref("app:1")); err != nil {
			t.Errorf("%s: %v", s.Impl.Name, err)
		}
	}
}

// The password never shows: not in errors (even when a token service
// repeats it back), not in ggcr's logs, not in any fmt rendering of the
// client or its counts.
func TestPasswordNeverPrinted(t *testing.T) {
	var logged lockedBuffer
	for _, l := range []**log.Logger{&logs.Warn, &logs.Progress, &logs.Debug} {
		saved := *l
		*l = log.New(&logged, "", 0)
		t.Cleanup(func() { *l = saved })
	}

	tokenEcho := regtest.GGCR().Start(t, regtest.WithTokenAuth(user, "other"), regtest.WithCredentialEcho())
	basicEcho := regtest.Distribution().Start(t, regtest.WithBasicAuth(user, "other"), regtest.WithCredentialEcho())
	flaky := regtest.Olareg().Start(t, regtest.WithBasicAuth(user, password))
	flaky.SeedImage(t, "app:1")
	flaky.Inject(regtest.Fault{Match: regtest.OfKind(registry.KindHeadManifest), Status: 503, Times: -1})

	c, _ := newClient(t,
		registry.WithCredentials(tokenEcho.Host, user, password),
		registry.WithCredentials(basicEcho.Host, user, password),
		registry.WithCredentials(flaky.Host, user, password),
	)
	ctx := context.Background()
	var errs []error
	for _, s := range []*regtest.Server{tokenEcho, basicEcho} {
		_, err := c.Inspect(ctx, s.Ref("app:1")) // a GET: a HEAD's 401 has no body to echo
		if !errors.Is(err, registry.ErrUnauthorized) {
			t.Errorf("%s: err = %v, want ErrUnauthorized", s.Impl.Name, err)
		}
		if err != nil && !strings.Contains(err.Error(), "[redacted]") {
			t.Errorf("%s: the echoed password was not redacted (or not echoed): %v", s.Impl.Name, err)
		}
		errs = append(errs, err)
	}
	_, err := c.Resolve(ctx, flaky.Ref("app:1"))
	if !errors.Is(err, registry.ErrRetriesExhausted) {
		t.Errorf("flaky: err = %v, want ErrRetriesExhausted", err)
	}
	errs = append(errs, err)
	_, err = c.Push(ctx, basicEcho.Ref("app:2"), regtest.Image(t))
	errs = append(errs, err)
	_, err = c.Tags(ctx, tokenEcho.Ref("app"))
	errs = append(errs, err)

	for _, err := range errs {
		assertNoSecret(t, err)
		// Unwrapping must not lead back to an unredacted cause either.
		for e := err; e != nil; e = errors.Unwrap(e) {
			assertNoSecret(t, e)
		}
		var re *registry.Error
		if errors.As(err, &re) {
			for _, w := range re.Unwrap() {
				assertNoSecret(t, w)
			}
		}
	}
	if strings.Contains(logged.String(), password) {
		t.Errorf("ggcr logs carry the password: %s", logged.String())
	}

	var rendered []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T"} {
		rendered = append(rendered, fmt.Sprintf(verb, c), fmt.Sprintf(verb, *c), fmt.Sprintf(verb, c.Counter().Counts()))
	}
	//lint:ignore SA9005 a Client has nothing to marshal, and the test checks that it stays so
	b, _ := json.Marshal(c)
	rendered = append(rendered, string(b), c.String())
	for _, r := range rendered {
		if strings.Contains(r, password) || strings.Contains(r, hex.EncodeToString([]byte(password))) || strings.Contains(r, "hunter2") {
			t.Errorf("rendering shows the password: %s", r)
		}
	}
	if s := c.String(); !strings.Contains(s, user) || !strings.Contains(s, "[redacted]") {
		t.Errorf("String() = %q, want the user and [redacted]", s)
	}
}

// Option errors about credentials do not repeat the password either.
func TestCredentialOptionErrors(t *testing.T) {
	for _, opts := range [][]registry.Option{
		{registry.WithCredentials("ghcr.io", user, password), registry.WithCredentials("ghcr.io", user, password)},
		{registry.WithCredentials("docker.io", user, password), registry.WithCredentials("index.docker.io", user, password)},
		{registry.WithCredentials("", user, password)},
		{registry.WithCredentials("ghcr.io", "", password)},
		{registry.WithCredentials("bad host!", user, password)},
		{registry.WithCredentials("ghcr.io", "org:robot", password)},
		{registry.WithCredentials("ghcr.io", "robot\n", password)},
	} {
		_, err := registry.New(opts...)
		if !errors.Is(err, registry.ErrInvalidOption) {
			t.Errorf("err = %v, want ErrInvalidOption", err)
		}
		assertNoSecret(t, err)
	}
}

func assertNoSecret(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	for _, form := range []string{password, "hunter2", "c2VjcmV0"} {
		if strings.Contains(err.Error(), form) || strings.Contains(fmt.Sprintf("%+v %#v", err, err), form) {
			t.Errorf("error shows the password (%q): %v", form, err)
		}
	}
}

// A host given to WithInsecure is reached over plain HTTP under any name,
// such as a Dagger service's "registry:5000"; without it, HTTPS is tried.
func TestInsecureHost(t *testing.T) {
	srv := regtest.Distribution().Start(t)
	srv.SeedImage(t, "app:1")
	dial := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (netConn, error) {
		return dialer.DialContext(ctx, network, srv.Host)
	}}
	c, _ := newClient(t, registry.WithTransport(dial), registry.WithInsecure("registry:5000"))
	if _, err := c.Resolve(context.Background(), "registry:5000/app:1"); err != nil {
		t.Fatalf("insecure host: %v", err)
	}
	c, _ = newClient(t, registry.WithTransport(dial))
	if _, err := c.Resolve(context.Background(), "registry:5000/app:1"); err == nil {
		t.Fatal("a host not marked insecure was reached over plain HTTP")
	}
}

// lockedBuffer is a bytes.Buffer that ggcr's loggers may write to from
// several goroutines at once (uploads run in parallel).
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// A password with quotes, backslashes, line ends, non-ASCII and characters
// that URLs and HTML escape is redacted however the registry spells it
// when it echoes it back: raw, Go-quoted, JSON-escaped, URL-escaped, as
// the Basic header, with its line ends rewritten. The password's two ends
// ("Zq9", "x7Q") survive every one of those escapes, so the check does
// not depend on the client's own list of spellings.
func TestEchoedPasswordRedactedInEverySpelling(t *testing.T) {
	const pw = "Zq9\"pa\\ss\r\nwörd<&>'+/ %2Fx7Q"
	basic := base64.StdEncoding.EncodeToString([]byte(user + ":" + pw))
	for _, auth := range []struct {
		name string
		opt  func(u, p string) regtest.Option
	}{{"basic", regtest.WithBasicAuth}, {"token", regtest.WithTokenAuth}} {
		for _, form := range regtest.Echoes() {
			t.Run(auth.name+"/"+string(form), func(t *testing.T) {
				srv := regtest.GGCR().Start(t, auth.opt(user, "another"), regtest.WithCredentialEcho(form))
				c, _ := newClient(t, registry.WithCredentials(srv.Host, user, pw))
				_, err := c.Inspect(context.Background(), srv.Ref("app:1"))
				if !errors.Is(err, registry.ErrUnauthorized) {
					t.Fatalf("err = %v, want ErrUnauthorized", err)
				}
				msg := err.Error() + fmt.Sprintf(" %+v %#v %q", err, err, err)
				if !strings.Contains(msg, "[redacted]") {
					t.Errorf("nothing was redacted, so nothing was echoed: %v", err)
				}
				for _, leak := range []string{"Zq9", "x7Q", basic, basic[:len(basic)-4]} {
					if strings.Contains(msg, leak) {
						t.Errorf("the error shows the password (%q): %s", leak, msg)
					}
				}
			})
		}
	}
}

// Registry errors name the request's URL without its query: an upload
// location carries its session state there.
func TestErrorsShowNoURLQuery(t *testing.T) {
	srv := regtest.Distribution().Start(t)
	srv.Inject(regtest.Fault{Match: regtest.Route("PATCH", "/blobs/uploads/"), Status: 400, Times: -1})
	c, _ := newClient(t)
	_, err := c.Push(context.Background(), srv.Ref("app:1"), regtest.Image(t))
	if err == nil || !strings.Contains(err.Error(), "/blobs/uploads/") {
		t.Fatalf("err = %v, want the upload named", err)
	}
	if strings.Contains(err.Error(), "_state") || strings.Contains(err.Error(), "?") {
		t.Errorf("the error shows the upload's query: %v", err)
	}
}
