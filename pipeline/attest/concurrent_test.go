package attest

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/patchline/patchline/pipeline/registry"
)

const iterations = 50

// attachConcurrently runs one Attach per writer at the same time on the
// same subject and returns their results.
func attachConcurrently(t *testing.T, f fixture, writers []*Referrers, arts []Artifact, subject v1.Descriptor) []Attached {
	t.Helper()
	res := make([]Attached, len(writers))
	errs := make([]error, len(writers))
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range writers {
		done.Add(1)
		go func() {
			defer done.Done()
			start.Wait()
			res[i], errs[i] = writers[i].Attach(context.Background(), f.repo, subject, arts[i], created)
		}()
	}
	start.Done()
	done.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("writer %d: %v", i, err)
		}
	}
	return res
}

// checkBothListed asserts that the fallback tag and List hold exactly the
// attached artifacts.
func checkBothListed(t *testing.T, f fixture, subject v1.Hash, res []Attached) {
	t.Helper()
	entries := f.fallbackEntries(t, subject)
	listed := f.list(t, subject, "")
	for _, r := range res {
		found := false
		for _, e := range entries {
			found = found || e.Digest == r.Descriptor.Digest
		}
		if !found {
			t.Errorf("fallback tag lost %s (%s): %d entries", r.Descriptor.Digest, r.Descriptor.ArtifactType, len(entries))
		}
	}
	if len(entries) != len(res) || len(listed) != len(res) {
		t.Errorf("fallback tag has %d entries, List %d, want %d", len(entries), len(listed), len(res))
	}
}

// Two goroutines sharing one Referrers attach different artifacts to the
// same subject on a registry without the referrers API.
func TestConcurrentWritersSharingReferrers(t *testing.T) {
	for _, kind := range fallbackKinds {
		t.Run(kind.name, func(t *testing.T) {
			for i := 0; i < iterations; i++ {
				f := newFixture(t, kind, nil)
				amd64 := f.plats[0]
				arts := artifacts(t, purlSubject(t, "ghcr.io/acme/app:1.6.0", amd64))
				res := attachConcurrently(t, f, []*Referrers{f.refs, f.refs}, arts[:2], amd64)
				checkBothListed(t, f, amd64.Digest, res)
				if t.Failed() {
					t.Fatalf("iteration %d", i)
				}
			}
		})
	}
}

// fallbackKinds are the registries without the referrers API, where
// concurrent writers share the fallback tag.
var fallbackKinds = []registryKind{ggcrWithoutAPI, distributionKind}

// Two independent writers (separate Referrers, as two CI jobs would be)
// attach different artifacts to the same subject, and the registry is made
// to interleave them in the worst way: both read the fallback tag before
// either writes it, so go-containerregistry's update loses one entry every
// time. The read-back must find the loss and merge the entry back in.
func TestConcurrentWritersLostUpdateIsRepaired(t *testing.T) {
	for _, kind := range fallbackKinds {
		t.Run(kind.name, func(t *testing.T) { lostUpdateIsRepaired(t, kind) })
	}
}

func lostUpdateIsRepaired(t *testing.T, kind registryKind) {
	for i := 0; i < iterations; i++ {
		ch := newChoreographer(t, "writer-a", "writer-b")
		f := newFixture(t, kind, ch.wrap)
		amd64 := f.plats[0]
		ch.watch(FallbackTag(f.repo, amd64.Digest).TagStr())
		var writers []*Referrers
		for _, ua := range ch.writers {
			r, err := NewReferrers(newClient(t, registry.WithCredentials(f.repo.RegistryStr(), ua, "secret")))
			if err != nil {
				t.Fatal(err)
			}
			writers = append(writers, r)
		}
		arts := artifacts(t, purlSubject(t, "ghcr.io/acme/app:1.6.0", amd64))
		res := attachConcurrently(t, f, writers, []Artifact{arts[0], arts[2]}, amd64)
		checkBothListed(t, f, amd64.Digest, res)
		if repairs := res[0].Repairs + res[1].Repairs; repairs != 1 {
			t.Errorf("%d repairs, want 1: the forced race did not happen as planned", repairs)
		}
		if err := ch.err(); err != nil {
			t.Error(err)
		}
		if t.Failed() {
			t.Fatalf("iteration %d", i)
		}
	}
}

// choreographer delays requests to the fallback tag so that two writers'
// read-modify-write cycles overlap: each writer's first read after pushing
// its manifest is served before either writer's first write, and neither
// writer reads the tag again until both have written.
type choreographer struct {
	t       *testing.T
	writers []string

	mu          sync.Mutex
	tag         string
	manifestPut map[string]bool
	readDone    map[string]bool
	writeDone   map[string]bool
	bothRead    chan struct{}
	bothWritten chan struct{}
	failure     error
}

func newChoreographer(t *testing.T, writers ...string) *choreographer {
	return &choreographer{
		t:           t,
		writers:     writers,
		manifestPut: map[string]bool{},
		readDone:    map[string]bool{},
		writeDone:   map[string]bool{},
		bothRead:    make(chan struct{}),
		bothWritten: make(chan struct{}),
	}
}

// watch sets the fallback tag to choreograph.
func (c *choreographer) watch(tag string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.tag = tag
}

func (c *choreographer) err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.failure
}

// writer names the writer that sent r, from the user it authenticates as.
func (c *choreographer) writer(r *http.Request) string {
	user, _, _ := r.BasicAuth()
	for _, w := range c.writers {
		if user == w {
			return w
		}
	}
	return ""
}

// wait blocks until ch is closed, failing the request after a timeout so a
// broken plan cannot hang the test.
func (c *choreographer) wait(ch chan struct{}, what string) bool {
	select {
	case <-ch:
		return true
	case <-time.After(30 * time.Second):
		c.mu.Lock()
		c.failure = fmt.Errorf("timed out waiting until %s", what)
		c.mu.Unlock()
		return false
	}
}

// mark records a step and closes ch once every writer has made it.
func (c *choreographer) mark(step map[string]bool, w string, ch chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if step[w] {
		return
	}
	step[w] = true
	if len(step) == len(c.writers) {
		close(ch)
	}
}

func (c *choreographer) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w := c.writer(r)
		c.mu.Lock()
		onTag := c.tag != "" && strings.HasSuffix(r.URL.Path, "/manifests/"+c.tag)
		pushed, read, written := c.manifestPut[w], c.readDone[w], c.writeDone[w]
		c.mu.Unlock()
		if w == "" {
			next.ServeHTTP(rw, r)
			return
		}
		switch {
		case r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/manifests/sha256:"):
			next.ServeHTTP(rw, r)
			c.mu.Lock()
			c.manifestPut[w] = true
			c.mu.Unlock()
		case onTag && r.Method == http.MethodGet && pushed && !read:
			// go-containerregistry's read before its write.
			next.ServeHTTP(rw, r)
			c.mark(c.readDone, w, c.bothRead)
		case onTag && r.Method == http.MethodPut && !written:
			// go-containerregistry's write: only after both have read.
			if !c.wait(c.bothRead, "both writers read the fallback tag") {
				http.Error(rw, "choreography timeout", http.StatusInternalServerError)
				return
			}
			next.ServeHTTP(rw, r)
			c.mark(c.writeDone, w, c.bothWritten)
		case onTag && r.Method == http.MethodGet && written:
			// Read-back: only after both have written, so the loss shows.
			if !c.wait(c.bothWritten, "both writers wrote the fallback tag") {
				http.Error(rw, "choreography timeout", http.StatusInternalServerError)
				return
			}
			next.ServeHTTP(rw, r)
		default:
			next.ServeHTTP(rw, r)
		}
	})
}
