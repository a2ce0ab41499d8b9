package registry

import (
	"fmt"
	"net/http"
	"net/http/httptest"
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
