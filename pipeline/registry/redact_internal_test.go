package registry

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// What go-containerregistry reads on its own, after a Read (an image's
// config and layers), does not pass through the client's errors, so what
// a registry echoes is redacted on its way in: the error body of a
// refused request reaches go-containerregistry without the password.
func TestEchoRedactedBelowGoContainerregistry(t *testing.T) {
	const user, pw = "release-bot", "Zq9\"pa\\ss\r\nwörd<&>'+/ %2Fx7Q"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, p, _ := r.BasicAuth()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, `{"errors":[{"code":"UNAUTHORIZED","message":"password %q refused"}]}`, p)
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	rt := &redactingTransport{inner: http.DefaultTransport, creds: credentials{host: newCredential(user, pw)}}
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/v2/app/blobs/sha256:"+strings.Repeat("a", 64), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(user, pw)
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	err = transport.CheckError(resp, http.StatusOK)
	if err == nil || !strings.Contains(err.Error(), "[redacted]") {
		t.Fatalf("err = %v, want the echo redacted", err)
	}
	for _, leak := range []string{"Zq9", "x7Q"} {
		if strings.Contains(err.Error(), leak) {
			t.Errorf("the error shows the password (%q): %v", leak, err)
		}
	}
}

// The base64 forms of a login hold +, / and =, which a registry that
// escapes its message spells again (%2B in a query, \/ in some JSON): those
// spellings are redacted too.
func TestEscapedBase64OfTheLoginIsRedacted(t *testing.T) {
	const user, pw = "bot", "ghp_a?b>c~d"
	creds := credentials{"ghcr.io": newCredential(user, pw)}
	b64 := base64.StdEncoding.EncodeToString([]byte(user + ":" + pw))
	if !strings.ContainsAny(b64, "+/") {
		t.Fatalf("setup: %s holds no character an escaper spells again", b64)
	}
	for _, echoed := range []string{
		b64,
		url.QueryEscape(b64),
		strings.ReplaceAll(b64, "/", `\/`),
		"Basic " + url.PathEscape(b64),
	} {
		got, ok := creds.redact("denied: " + echoed)
		if !ok || strings.Contains(got, echoed) || strings.Contains(got, b64[:12]) {
			t.Errorf("%q redacted as %q", echoed, got)
		}
	}
}
