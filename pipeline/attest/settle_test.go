package attest

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// A writer that read the fallback tag before an entry was attached writes
// its stale list after Attach's immediate read-back found the entry: Settle
// reads the tag again after its pause, merges the entry back and writes it.
// Where the registry has the referrers API it only checks the listing.
func TestSettleRepairsAStaleWrite(t *testing.T) {
	for _, kind := range registryKinds {
		t.Run(kind.name, func(t *testing.T) {
			f := newFixture(t, kind, nil)
			refs, err := NewReferrers(newClient(t), WithSettle(time.Millisecond))
			if err != nil {
				t.Fatal(err)
			}
			amd64 := f.plats[0]
			arts := artifacts(t, purlSubject(t, "ghcr.io/acme/app:1.6.0", amd64))
			first, err := refs.Attach(context.Background(), f.repo, amd64, arts[0], created)
			if err != nil {
				t.Fatal(err)
			}
			var stale []v1.Descriptor
			if !kind.referrers {
				stale = f.fallbackEntries(t, amd64.Digest)
			}
			second, err := refs.Attach(context.Background(), f.repo, amd64, arts[2], created)
			if err != nil {
				t.Fatal(err)
			}
			want := []v1.Descriptor{first.Descriptor, second.Descriptor}
			if !kind.referrers {
				// The other writer's stale list: only the first entry.
				tag := FallbackTag(f.repo, amd64.Digest)
				if err := refs.writeFallback(context.Background(), tag, v1.IndexManifest{Manifests: stale}); err != nil {
					t.Fatal(err)
				}
			}
			writes, err := refs.Settle(context.Background(), f.repo, amd64, want)
			if err != nil {
				t.Fatal(err)
			}
			if wantWrites := map[bool]int{true: 0, false: 1}[kind.referrers]; writes != wantWrites {
				t.Errorf("Settle wrote the tag %d times, want %d", writes, wantWrites)
			}
			if got := f.list(t, amd64.Digest, ""); len(got) != 2 {
				t.Errorf("after Settle %d referrers are listed, want 2", len(got))
			}
			// Nothing to do the second time.
			if writes, err := refs.Settle(context.Background(), f.repo, amd64, want); err != nil || writes != 0 {
				t.Errorf("second Settle: %d writes, %v", writes, err)
			}
		})
	}
}

// An entry the referrers API does not list is an error Settle cannot
// repair; on a fallback tag it is merged in.
func TestSettleOfAnUnlistedReferrer(t *testing.T) {
	for _, kind := range []registryKind{ggcrWithAPI, ggcrWithoutAPI} {
		t.Run(kind.name, func(t *testing.T) {
			f := newFixture(t, kind, nil)
			refs := newReferrers(t, WithSettle(0))
			ghost := v1.Descriptor{MediaType: "application/vnd.oci.image.manifest.v1+json", Size: 10, Digest: v1.Hash{Algorithm: "sha256", Hex: "0123456789012345678901234567890123456789012345678901234567890123"}}
			_, err := refs.Settle(context.Background(), f.repo, f.plats[0], []v1.Descriptor{ghost})
			if kind.referrers != errors.Is(err, ErrReferrerMissing) {
				t.Errorf("err = %v", err)
			}
		})
	}
}

// dropListing hides one referrer from the referrers API's answers until its
// manifest has been written a second time, as olareg does after two
// concurrent pushes for one subject.
func dropListing(hide *v1.Hash) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		var mu sync.Mutex
		puts := 0
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			target := *hide
			if r.Method == http.MethodPut && target.Hex != "" && strings.HasSuffix(r.URL.Path, "/manifests/"+target.String()) {
				puts++
			}
			hiding := target.Hex != "" && puts < 1
			mu.Unlock()
			if !hiding || !strings.Contains(r.URL.Path, "/referrers/") {
				next.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			var im v1.IndexManifest
			if err := json.Unmarshal(rec.Body.Bytes(), &im); err != nil {
				w.WriteHeader(rec.Code)
				_, _ = w.Write(rec.Body.Bytes())
				return
			}
			im.Manifests = slices.DeleteFunc(im.Manifests, func(d v1.Descriptor) bool { return d.Digest == target })
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.Header().Del("Content-Length")
			w.WriteHeader(rec.Code)
			_ = json.NewEncoder(w).Encode(im)
		})
	}
}

// A registry with the referrers API that lost an entry from its listing
// gets the artifact's manifest written again, and lists it.
func TestSettleRewritesAReferrerTheAPIDropped(t *testing.T) {
	var hide v1.Hash
	f := newFixture(t, ggcrWithAPI, dropListing(&hide))
	refs := newReferrers(t, WithSettle(0))
	amd64 := f.plats[0]
	arts := artifacts(t, purlSubject(t, "ghcr.io/acme/app:1.6.0", amd64))
	a, err := refs.Attach(context.Background(), f.repo, amd64, arts[0], created)
	if err != nil {
		t.Fatal(err)
	}
	hide = a.Descriptor.Digest
	if got := f.list(t, amd64.Digest, ""); len(got) != 0 {
		t.Fatalf("the listing still shows %d referrers", len(got))
	}
	writes, err := refs.Settle(context.Background(), f.repo, amd64, []v1.Descriptor{a.Descriptor})
	if err != nil || writes != 1 {
		t.Fatalf("Settle: %d writes, %v", writes, err)
	}
	if got := f.list(t, amd64.Digest, ""); len(got) != 1 {
		t.Errorf("after Settle %d referrers are listed, want 1", len(got))
	}
}

// On a registry slower than the settle time allows for, Settle's pauses
// grow with the slowest fallback-tag request it has seen, so that another
// writer's read-modify-write, which takes a couple of such requests, has
// landed before the tag is read back.
func TestSettlePausesLongerOnASlowRegistry(t *testing.T) {
	const delay = 30 * time.Millisecond
	slow := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.Contains(r.URL.Path, "/manifests/sha256-") {
				time.Sleep(delay)
			}
			next.ServeHTTP(w, r)
		})
	}
	f := newFixture(t, ggcrWithoutAPI, slow)
	refs, err := NewReferrers(newClient(t), WithSettle(10*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if lo, hi := refs.pauseRange(); lo != 5*time.Millisecond || hi != 10*time.Millisecond {
		t.Fatalf("before any request the pauses are %s to %s, want the settle time's 5ms to 10ms", lo, hi)
	}
	amd64 := f.plats[0]
	arts := artifacts(t, purlSubject(t, "ghcr.io/acme/app:1.6.0", amd64))
	a, err := refs.Attach(context.Background(), f.repo, amd64, arts[0], created)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := refs.Settle(context.Background(), f.repo, amd64, []v1.Descriptor{a.Descriptor}); err != nil {
		t.Fatal(err)
	}
	if lo, hi := refs.pauseRange(); lo < 2*delay || hi < 4*delay || hi > maxPause {
		t.Errorf("after requests of at least %s the pauses are %s to %s, want at least %s to %s", delay, lo, hi, 2*delay, 4*delay)
	}
	if zero := newReferrers(t, WithSettle(0)); func() bool { lo, hi := zero.pauseRange(); return lo != 0 || hi != 0 }() {
		t.Error("a zero settle time pauses")
	}
}
