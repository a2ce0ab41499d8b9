package regtest_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/patchline/patchline/pipeline/internal/testing/regtest"
	"github.com/patchline/patchline/pipeline/registry"
)

// get sends one request over a fresh connection and returns the status,
// the Retry-After header and the body.
func get(t *testing.T, method, url string, header http.Header) (int, string, string, error) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Retry-After"), string(b), nil
}

func TestEveryImplementationServes(t *testing.T) {
	seen := map[string]bool{}
	for _, impl := range regtest.All() {
		if seen[impl.Name] {
			t.Errorf("duplicate name %q", impl.Name)
		}
		seen[impl.Name] = true
		t.Run(impl.Name, func(t *testing.T) {
			srv := impl.Start(t)
			img := srv.SeedImage(t, "app:1")
			if n := srv.Counts().Total(); n != 0 {
				t.Errorf("seeding went through the front door: %d requests counted", n)
			}
			h, err := img.Digest()
			if err != nil {
				t.Fatal(err)
			}
			url := srv.URL + "/v2/app/manifests/" + h.String()
			accept := http.Header{"Accept": {"application/vnd.oci.image.manifest.v1+json"}}
			if code, _, _, err := get(t, "HEAD", url, accept); err != nil || code != 200 {
				t.Fatalf("HEAD = %d, %v", code, err)
			}
			// A finding worth keeping: olareg and Distribution answer 404
			// for an OCI manifest the Accept header does not list, even by
			// digest; go-containerregistry's registry ignores Accept.
			want := 404
			if strings.HasPrefix(impl.Name, "ggcr") {
				want = 200
			}
			if code, _, _, _ := get(t, "HEAD", url, nil); code != want {
				t.Errorf("HEAD without Accept = %d, want %d", code, want)
			}
			srv.ResetCounts()
			if _, _, _, err := get(t, "HEAD", url, accept); err != nil {
				t.Fatal(err)
			}
			if got := srv.Counts(); got.HeadManifest != 1 || got.Total() != 1 {
				t.Errorf("counts = %s, want one HEAD manifest", got)
			}
			if log := srv.Log(); len(log) != 1 || log[0].Status != 200 || log[0].Kind != registry.KindHeadManifest {
				t.Errorf("log = %+v", log)
			}
			srv.ResetCounts()
			if srv.Counts().Total() != 0 || len(srv.Log()) != 0 {
				t.Error("ResetCounts left counts or log")
			}
		})
	}
}

// A fault hits the Nth matching request and the Times-1 after it, with its
// status and Retry-After; other requests and other routes pass.
func TestFaultNthAndTimes(t *testing.T) {
	srv := regtest.GGCR().Start(t)
	in := srv.Inject(regtest.Fault{Match: regtest.Route("GET", `^/v2/$`), Nth: 2, Times: 2, Status: 429, RetryAfter: "3"})
	var codes []int
	for range 4 {
		code, ra, body, err := get(t, "GET", srv.URL+"/v2/", nil)
		if err != nil {
			t.Fatal(err)
		}
		codes = append(codes, code)
		if code == 429 && (ra != "3" || !strings.Contains(body, "TOOMANYREQUESTS")) {
			t.Errorf("429 came with Retry-After %q, body %s", ra, body)
		}
	}
	if want := []int{200, 429, 429, 200}; !equal(codes, want) {
		t.Errorf("statuses = %v, want %v", codes, want)
	}
	if code, _, _, _ := get(t, "GET", srv.URL+"/v2/app/tags/list", nil); code == 429 {
		t.Error("a fault hit a route it does not match")
	}
	if in.Fired() != 2 {
		t.Errorf("Fired = %d, want 2", in.Fired())
	}
	var faulted int
	for _, r := range srv.Log() {
		if r.Fault != "" {
			faulted++
		}
	}
	if faulted != 2 {
		t.Errorf("log marks %d faulted requests, want 2: %+v", faulted, srv.Log())
	}

	srv.Inject(regtest.Fault{Status: 500, Times: -1})
	for range 3 {
		if code, _, _, _ := get(t, "GET", srv.URL+"/v2/", nil); code != 500 {
			t.Errorf("Times -1: status %d, want 500", code)
		}
	}
	srv.ClearFaults()
	if code, _, _, _ := get(t, "GET", srv.URL+"/v2/", nil); code != 200 {
		t.Errorf("after ClearFaults: status %d", code)
	}
}

// Reset closes the connection with an RST; the client sees a reset, not a
// response.
func TestFaultReset(t *testing.T) {
	srv := regtest.Olareg().Start(t)
	srv.Inject(regtest.Fault{Match: regtest.OfKind(registry.KindOther), Reset: true})
	_, _, _, err := get(t, "GET", srv.URL+"/v2/", nil)
	if !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, io.EOF) {
		t.Errorf("err = %v, want a connection reset", err)
	}
	if log := srv.Log(); len(log) != 1 || log[0].Fault != "reset" {
		t.Errorf("log = %+v", log)
	}
}

// Latency holds every request; it can be changed while the server runs.
// (Checked by a deadline, not by measuring.)
func TestLatency(t *testing.T) {
	srv := regtest.Distribution().Start(t, regtest.WithLatency(time.Hour))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/v2/", nil)
	if _, err := http.DefaultClient.Do(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want the deadline to pass first", err)
	}
	srv.SetLatency(0)
	if code, _, _, err := get(t, "GET", srv.URL+"/v2/", nil); err != nil || code != 200 {
		t.Errorf("without latency: %d, %v", code, err)
	}
}

func TestBasicAuth(t *testing.T) {
	srv := regtest.GGCR().Start(t, regtest.WithBasicAuth("u", "p"))
	code, _, _, _ := get(t, "GET", srv.URL+"/v2/", nil)
	if code != 401 {
		t.Errorf("anonymous: %d, want 401", code)
	}
	ok := http.Header{"Authorization": {"Basic dTpw"}} // u:p
	if code, _, _, _ := get(t, "GET", srv.URL+"/v2/", ok); code != 200 {
		t.Errorf("with credentials: %d, want 200", code)
	}
	srv.SeedImage(t, "app:1") // the side door needs none
	ref, _ := name.ParseReference(srv.Ref("app:1"))
	if _, err := remote.Head(ref, remote.WithAuth(&authn.Basic{Username: "u", Password: "p"})); err != nil {
		t.Errorf("ggcr remote with Basic auth: %v", err)
	}
}

func TestTokenAuth(t *testing.T) {
	srv := regtest.Distribution().Start(t, regtest.WithTokenAuth("u", "p"), regtest.WithCredentialEcho())
	srv.SeedImage(t, "app:1")
	ref, _ := name.ParseReference(srv.Ref("app:1"))
	if _, err := remote.Head(ref, remote.WithAuth(&authn.Basic{Username: "u", Password: "p"})); err != nil {
		t.Errorf("ggcr remote with a token: %v", err)
	}
	_, err := remote.Head(ref, remote.WithAuth(&authn.Basic{Username: "u", Password: "wrong-pw"}))
	if err == nil || !strings.Contains(err.Error(), "wrong-pw") {
		t.Errorf("with WithCredentialEcho the token error should repeat the password: %v", err)
	}
	if _, err := remote.Head(ref); err == nil {
		t.Error("anonymous access passed token auth")
	}
	if got := srv.Counts(); got.HeadManifest == 0 || got.Other == 0 {
		t.Errorf("counts = %s, want HEADs and pings/tokens", got)
	}
}

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// The timeout kind holds a request until the client gives up; the drip
// answers a byte at a time; neither lets a client without a deadline
// finish. (Checked by the client's deadline, not by measuring.)
func TestFaultHangAndDrip(t *testing.T) {
	for _, f := range []regtest.Fault{
		regtest.Timeout(regtest.Route("GET", `^/v2/$`)),
		{Match: regtest.Route("GET", `^/v2/$`), Drip: time.Millisecond},
	} {
		srv := regtest.GGCR().Start(t)
		srv.Inject(f)
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/v2/", nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%+v: err = %v, want the client's deadline to end it", f, err)
		}
		if log := srv.Log(); len(log) != 1 || (log[0].Fault != "hang" && log[0].Fault != "drip") {
			t.Errorf("log = %+v", log)
		}
		if _, _, _, err := get(t, "GET", srv.URL+"/v2/app/tags/list", nil); err != nil {
			t.Errorf("a route the fault does not match: %v", err)
		}
	}
}

// A redirect fault sends the client back to the URL it asked for; Go's
// own client refuses to follow the tenth redirect, so the server sees 10
// requests.
func TestFaultRedirectLoop(t *testing.T) {
	srv := regtest.Olareg().Start(t)
	srv.Inject(regtest.Fault{Match: regtest.Route("GET", `^/v2/$`), Times: -1, Redirect: true})
	_, _, _, err := get(t, "GET", srv.URL+"/v2/", nil)
	if err == nil || !strings.Contains(err.Error(), "redirects") {
		t.Errorf("err = %v, want Go's redirect limit", err)
	}
	if n := srv.Counts().Total(); n != 10 {
		t.Errorf("the server saw %d requests, want 10", n)
	}
}

// An echoing auth failure repeats the password in exactly the spellings
// asked for.
func TestCredentialEchoSpellings(t *testing.T) {
	const pw = "pa\"ss\\wo\r\nrd é<>&+/ %"
	for _, form := range regtest.Echoes() {
		srv := regtest.GGCR().Start(t, regtest.WithBasicAuth("u", "other"), regtest.WithCredentialEcho(form))
		req, _ := http.NewRequest("GET", srv.URL+"/v2/", nil)
		req.SetBasicAuth("u", pw)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body struct{ Errors []struct{ Message string } }
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || len(body.Errors) != 1 {
			t.Fatalf("%s: body %v %+v", form, err, body)
		}
		resp.Body.Close()
		msg := body.Errors[0].Message
		raw := strings.Contains(msg, pw)
		if (form == regtest.EchoRaw) != raw {
			t.Errorf("%s: raw password present = %v in %q", form, raw, msg)
		}
		if !strings.Contains(msg, string(form)+": ") {
			t.Errorf("%s: the message does not name its spelling: %q", form, msg)
		}
	}
}

// TagWrites records each manifest PUT by tag with the digest written, in
// the order the registry finished them, and nothing written by digest.
func TestTagWrites(t *testing.T) {
	for _, impl := range regtest.All() {
		t.Run(impl.Name, func(t *testing.T) {
			srv := impl.Start(t)
			a, b := regtest.Index(t, "linux/amd64"), regtest.Index(t, "linux/arm64")
			for _, step := range []struct {
				ref string
				idx interface {
					Digest() (v1.Hash, error)
				}
			}{{"app:1", a}, {"app:1", b}} {
				ref, _ := name.ParseReference(srv.Ref(step.ref))
				if err := remote.WriteIndex(ref, step.idx.(v1.ImageIndex)); err != nil {
					t.Fatal(err)
				}
			}
			da, _ := a.Digest()
			db, _ := b.Digest()
			want := []regtest.TagWrite{{Repository: "app", Tag: "1", Digest: da.String()}, {Repository: "app", Tag: "1", Digest: db.String()}}
			if got := srv.TagWrites(); len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
				t.Errorf("TagWrites = %+v, want %+v", got, want)
			}
		})
	}
}
