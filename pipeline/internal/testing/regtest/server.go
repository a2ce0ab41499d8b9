package regtest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patchline/patchline/pipeline/registry"
)

// Option configures a Server.
type Option func(*config)

type config struct {
	auth      authMode
	user      string
	pass      string
	echo      bool
	echoForms []Echo
	latency   time.Duration
}

// WithLatency delays every request by d from the start. SetLatency changes
// it later. The default is no delay.
func WithLatency(d time.Duration) Option {
	return func(c *config) { c.latency = d }
}

// Server is a running registry with the front handler: counting, faults,
// latency and optional auth. It stops when the test ends.
type Server struct {
	// Impl is the implementation behind the front handler.
	Impl Impl
	// URL is the base URL, "http://127.0.0.1:port".
	URL string
	// Host is "127.0.0.1:port", the registry part of references.
	Host string

	registry http.Handler // the implementation, behind no auth: the side door
	counter  registry.Counter

	stop chan struct{} // closed when the test ends, to free hanging handlers

	mu        sync.Mutex
	latency   time.Duration
	faults    []*Injected
	log       []Request
	tagWrites []TagWrite
}

// Request is one request the server received, as its log keeps it.
type Request struct {
	Method string
	Path   string
	Kind   registry.Kind
	// Status is what was answered; 0 for a reset connection.
	Status int
	// Fault says which fault answered, if one did: "status 503", "reset",
	// "hang", "drip", "redirect".
	Fault string
}

// Start runs the implementation behind the front handler on a loopback
// port and stops it when tb ends.
func (i Impl) Start(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	s := &Server{Impl: i, registry: i.handler(tb), latency: cfg.latency, stop: make(chan struct{})}
	var h http.Handler = s.registry
	h = s.recordTagWrites(h)
	h = withAuth(h, cfg)
	ts := httptest.NewServer(&front{s: s, next: h})
	tb.Cleanup(ts.Close)
	// Cleanups run last-in first-out: hanging handlers are released
	// before Close waits for them.
	tb.Cleanup(func() { close(s.stop) })
	s.URL = ts.URL
	s.Host = strings.TrimPrefix(ts.URL, "http://")
	return s
}

// Ref returns Host + "/" + path: s.Ref("app:1.0") is "127.0.0.1:port/app:1.0".
func (s *Server) Ref(path string) string { return s.Host + "/" + path }

// Counts returns how many requests of each kind the server has received
// since it started or since ResetCounts. Side-door requests are not counted.
func (s *Server) Counts() registry.Counts { return s.counter.Counts() }

// ResetCounts zeroes the counts and empties the request log.
func (s *Server) ResetCounts() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counter.Reset()
	s.log = nil
}

// Log returns the requests received since the start or ResetCounts, in the
// order they arrived.
func (s *Server) Log() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.log...)
}

// SetLatency delays every later request by d; 0 removes the delay.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// front is the handler in front of the registry: count, log, delay, fault.
type front struct {
	s    *Server
	next http.Handler
}

func (f *front) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s := f.s
	kind := registry.KindOf(r.Method, r.URL.Path)
	s.counter.Add(kind)

	s.mu.Lock()
	latency := s.latency
	fault := s.pickFault(r)
	idx := len(s.log)
	s.log = append(s.log, Request{Method: r.Method, Path: r.URL.Path, Kind: kind})
	s.mu.Unlock()

	if !pause(r, latency) {
		return
	}
	if fault != nil {
		if !pause(r, fault.Delay) {
			return
		}
		switch {
		case fault.Reset:
			s.note(idx, 0, "reset")
			reset(w)
			return
		case fault.Hang:
			s.note(idx, 0, "hang")
			hang(r, s.stop)
			return
		case fault.Drip > 0:
			s.note(idx, http.StatusOK, "drip")
			drip(w, fault.Drip, s.stop)
			return
		case fault.Redirect:
			s.note(idx, http.StatusTemporaryRedirect, "redirect")
			redirect(w, r)
			return
		case fault.Status != 0:
			s.note(idx, fault.Status, "status "+http.StatusText(fault.Status))
			writeFault(w, r, fault)
			return
		}
	}
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	f.next.ServeHTTP(sw, r)
	s.note(idx, sw.status, "")
}

// note completes entry idx of the log, unless ResetCounts emptied it since.
func (s *Server) note(idx, status int, fault string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if idx < len(s.log) {
		s.log[idx].Status, s.log[idx].Fault = status, fault
	}
}

// pause waits d, or less if the client goes away; it reports whether the
// client is still there.
func pause(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

// statusWriter records the status a handler answered with.
type statusWriter struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wroteHeader {
		w.status, w.wroteHeader = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wroteHeader = true
	return w.ResponseWriter.Write(b)
}

// Flush passes flushes on, for handlers that stream.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
