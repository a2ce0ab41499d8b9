package registry

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 2, 4, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"0", 0, true},
		{"7", 7 * time.Second, true},
		{" 120 ", 2 * time.Minute, true},
		{"99999999999999999999", time.Duration(1<<63-1) / time.Second * time.Second, true},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{"Wednesday, 04-Feb-26 12:00:30 GMT", 30 * time.Second, true}, // RFC 850
		{"Wed Feb  4 12:01:00 2026", time.Minute, true},               // ANSI C
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{"", 0, false},
		{"-5", 0, false},
		{"1.5", 0, false},
		{"soon", 0, false},
	} {
		got, ok := parseRetryAfter(tc.in, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestBackoff(t *testing.T) {
	p := RetryPolicy{MaxAttempts: 10, Backoff: 100 * time.Millisecond, MaxBackoff: time.Second}
	var got []time.Duration
	for a := 1; a <= 6; a++ {
		got = append(got, p.backoff(a))
	}
	want := []time.Duration{100, 200, 400, 800, 1000, 1000}
	for i := range want {
		if got[i] != want[i]*time.Millisecond {
			t.Fatalf("backoffs = %v, want %v ms", got, want)
		}
	}
	p.Jitter = 0.5
	for range 100 {
		if d := p.backoff(1); d < 100*time.Millisecond || d > 150*time.Millisecond {
			t.Fatalf("jittered backoff %v outside [100ms, 150ms]", d)
		}
	}
}

func TestTransient(t *testing.T) {
	for code, want := range map[int]bool{200: false, 201: false, 400: false, 401: false, 403: false, 404: false,
		408: true, 429: true, 500: true, 501: false, 502: true, 503: true, 504: true, 505: false, 522: true} {
		if got := transient(&http.Response{StatusCode: code}, nil); got != want {
			t.Errorf("transient(%d) = %v", code, got)
		}
	}
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{syscall.ECONNRESET, true},
		{io.EOF, true},
		{io.ErrUnexpectedEOF, true},
		{syscall.ECONNREFUSED, false},
		{errors.New("x509: certificate signed by unknown authority"), false},
	} {
		if got := transient(nil, tc.err); got != tc.want {
			t.Errorf("transient(%v) = %v", tc.err, got)
		}
	}
}

func TestReplayable(t *testing.T) {
	body := func() io.Reader { return strings.NewReader("{}") }
	for _, tc := range []struct {
		method, path string
		body         io.Reader
		want         bool
	}{
		{"GET", "/v2/app/manifests/1", nil, true},
		{"HEAD", "/v2/app/manifests/1", nil, true},
		{"PUT", "/v2/app/manifests/1", body(), true},
		{"PUT", "/v2/app/manifests/1", io.NopCloser(body()), false}, // no GetBody: cannot rewind
		{"POST", "/v2/app/blobs/uploads/", nil, false},
		{"PATCH", "/v2/app/blobs/uploads/u", body(), false},
		{"PUT", "/v2/app/blobs/uploads/u?digest=sha256:x", nil, false},
		{"GET", "/v2/app/blobs/uploads/u", nil, false},
	} {
		req, err := http.NewRequest(tc.method, "http://r"+tc.path, tc.body)
		if err != nil {
			t.Fatal(err)
		}
		if got := replayable(req); got != tc.want {
			t.Errorf("replayable(%s %s) = %v, want %v", tc.method, tc.path, got, tc.want)
		}
	}
}

func TestRetryPolicyValidate(t *testing.T) {
	if err := DefaultRetryPolicy().validate(); err != nil {
		t.Errorf("default policy: %v", err)
	}
	for _, p := range []RetryPolicy{{MaxAttempts: 0}, {MaxAttempts: 1, Backoff: -1}, {MaxAttempts: 1, Jitter: 2}} {
		if p.validate() == nil {
			t.Errorf("%+v validated", p)
		}
	}
}
