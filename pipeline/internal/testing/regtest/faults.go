package regtest

import (
	"encoding/json"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/patchline/patchline/pipeline/registry"
)

// Matcher selects the requests a Fault counts and hits.
type Matcher func(r *http.Request) bool

// Route matches requests by method ("" for any) and a regular expression on
// the URL path ("" for any): Route("PUT", `/manifests/latest$`) is every PUT
// of the tag latest. It panics on a bad expression, as a test should.
func Route(method, pathPattern string) Matcher {
	var re *regexp.Regexp
	if pathPattern != "" {
		re = regexp.MustCompile(pathPattern)
	}
	return func(r *http.Request) bool {
		return (method == "" || r.Method == method) && (re == nil || re.MatchString(r.URL.Path))
	}
}

// AfterTag matches the requests m matches that come after the PUT of tag:
// with the tag written first in a publish, those are the steps after it.
func AfterTag(tag string, m Matcher) Matcher {
	var mu sync.Mutex
	seen := false
	return func(r *http.Request) bool {
		mu.Lock()
		defer mu.Unlock()
		if r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, "/manifests/"+tag) {
			seen = true
			return false
		}
		return seen && m(r)
	}
}

// OfKind matches requests of any of the given kinds.
func OfKind(kinds ...registry.Kind) Matcher {
	return func(r *http.Request) bool {
		return slices.Contains(kinds, registry.KindOf(r.Method, r.URL.Path))
	}
}

// Fault is a failure to inject. Nth picks which matching request first gets
// it, Times how many in a row get it. The answer is one of the kinds a
// registry, or a proxy or network in front of it, produces:
//
//   - Status: an HTTP error (500, 503, 429 with RetryAfter, ...);
//   - Reset: the connection is closed with a TCP RST;
//   - Hang: the connection is accepted and nothing is ever answered, a
//     black hole (the timeout kind);
//   - Drip: the answer comes one byte at a time, headers included;
//   - Redirect: a 307 to the same URL, a redirect loop;
//
// or, with none of them, only a Delay before the registry answers normally.
type Fault struct {
	// Match selects the requests this fault counts; nil matches every one.
	Match Matcher
	// Nth is the first matching request (1-based) to fault; 0 means 1.
	Nth int
	// Times is how many matching requests from the Nth on are faulted;
	// 0 means 1, a negative number means all of them.
	Times int
	// Status answers with this HTTP status and a registry error body
	// instead of passing the request on.
	Status int
	// RetryAfter is sent as the Retry-After header with Status, verbatim:
	// "2" or an HTTP-date.
	RetryAfter string
	// Reset closes the connection with a TCP RST instead of answering.
	Reset bool
	// Hang holds the request without answering until the client gives
	// up (or the server stops): what a client sees from a registry that
	// accepts connections and never answers. A client without a timeout
	// waits forever.
	Hang bool
	// Drip answers 200 and writes the response one byte per Drip, the
	// status line and headers included, and never finishes: a stalled
	// proxy or a hostile registry. The client gives up first.
	Drip time.Duration
	// Redirect answers 307 Temporary Redirect to the very URL that was
	// asked for, so a client that follows redirects without a limit
	// loops for ever.
	Redirect bool
	// Delay waits this long before the fault (or, alone, before passing
	// the request on: a slow response).
	Delay time.Duration
}

// Injected is a fault in force; Fired tells how often it hit.
type Injected struct {
	mu    *sync.Mutex // the server's
	f     Fault
	seen  int
	fired int
}

// Inject adds f to the faults in force. A request gets at most one fault:
// the first in the order they were injected that fires for it. Every fault
// counts the requests it matches whether or not another one fires.
func (s *Server) Inject(f Fault) *Injected {
	if f.Nth <= 0 {
		f.Nth = 1
	}
	if f.Times == 0 {
		f.Times = 1
	}
	in := &Injected{f: f, mu: &s.mu}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, in)
	return in
}

// Timeout is the timeout kind of fault: every matching request hangs
// until the client gives up (see Fault.Hang).
func Timeout(m Matcher) Fault { return Fault{Match: m, Times: -1, Hang: true} }

// ClearFaults removes every fault; SetLatency is separate.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// Fired returns how many requests the fault hit.
func (in *Injected) Fired() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.fired
}

// pickFault returns the fault for r, if any. s.mu is held.
func (s *Server) pickFault(r *http.Request) *Fault {
	var picked *Fault
	for _, in := range s.faults {
		if in.f.Match != nil && !in.f.Match(r) {
			continue
		}
		in.seen++
		if picked != nil || in.seen < in.f.Nth {
			continue
		}
		if in.f.Times >= 0 && in.fired >= in.f.Times {
			continue
		}
		in.fired++
		f := in.f
		picked = &f
	}
	return picked
}

// writeFault answers with the fault's status and a distribution-spec error
// body, as a registry or the proxy in front of it would.
func writeFault(w http.ResponseWriter, r *http.Request, f *Fault) {
	code := "UNKNOWN"
	switch f.Status {
	case http.StatusTooManyRequests:
		code = "TOOMANYREQUESTS"
	case http.StatusServiceUnavailable:
		code = "UNAVAILABLE"
	}
	body, _ := json.Marshal(map[string]any{"errors": []map[string]string{{
		"code":    code,
		"message": "injected fault: " + http.StatusText(f.Status),
	}}})
	h := w.Header()
	if f.RetryAfter != "" {
		h.Set("Retry-After", f.RetryAfter)
	}
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(f.Status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// hang holds a request until the client goes away or the server stops.
func hang(r *http.Request, stop <-chan struct{}) {
	select {
	case <-r.Context().Done():
	case <-stop:
	}
}

// drip hijacks the connection and writes an endless 200 response one byte
// every d, until the client goes away or the server stops.
func drip(w http.ResponseWriter, d time.Duration, stop <-chan struct{}) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic("regtest: cannot hijack connection for a drip: " + err.Error())
	}
	defer conn.Close()
	const head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1048576\r\n\r\n"
	t := time.NewTicker(d)
	defer t.Stop()
	for i := 0; ; i++ {
		b := byte('x')
		if i < len(head) {
			b = head[i]
		}
		if _, err := conn.Write([]byte{b}); err != nil {
			return
		}
		select {
		case <-t.C:
		case <-stop:
			return
		}
	}
}

// redirect answers 307 to the URL that was asked for.
func redirect(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Location", r.URL.RequestURI())
	w.WriteHeader(http.StatusTemporaryRedirect)
}

// reset hijacks the connection and closes it with SO_LINGER 0, so the
// client sees "connection reset by peer" rather than a clean EOF.
func reset(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic("regtest: cannot hijack connection for a reset: " + err.Error())
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}
