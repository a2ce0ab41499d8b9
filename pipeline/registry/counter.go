package registry

import (
	"fmt"
	"strings"
	"sync/atomic"
)

// Counter counts HTTP requests by Kind. It is safe for concurrent use; a
// client keeps one (Client.Counter) so a run can report its total.
//
// It counts what is handed to the network: every retry is a request, a
// request that failed to connect is a request. One thing escapes it: when a
// kept-alive connection turns out closed, net/http itself may replay an
// idempotent request once, below any RoundTripper; a server then sees one
// request more than the Counter.
type Counter struct {
	n [numKinds]atomic.Int64
}

// Add counts one request of kind k.
func (c *Counter) Add(k Kind) {
	if k < 0 || k >= numKinds {
		k = KindOther
	}
	c.n[k].Add(1)
}

// Get returns how many requests of kind k were counted.
func (c *Counter) Get(k Kind) int64 {
	if k < 0 || k >= numKinds {
		return 0
	}
	return c.n[k].Load()
}

// Counts returns a snapshot of every count.
func (c *Counter) Counts() Counts {
	var s Counts
	for k := range numKinds {
		s.set(k, c.n[k].Load())
	}
	return s
}

// Reset sets every count to zero.
func (c *Counter) Reset() {
	for k := range numKinds {
		c.n[k].Store(0)
	}
}

// Counts is a snapshot of a Counter, with one field per Kind so tests and
// reports can name what they read. The JSON field names are stable.
type Counts struct {
	HeadManifest int64 `json:"headManifest"`
	GetManifest  int64 `json:"getManifest"`
	PutManifest  int64 `json:"putManifest"`
	HeadBlob     int64 `json:"headBlob"`
	GetBlob      int64 `json:"getBlob"`
	BlobUpload   int64 `json:"blobUpload"`
	TagList      int64 `json:"tagList"`
	Referrers    int64 `json:"referrers"`
	Other        int64 `json:"other"`
}

func (s *Counts) field(k Kind) *int64 {
	switch k {
	case KindHeadManifest:
		return &s.HeadManifest
	case KindGetManifest:
		return &s.GetManifest
	case KindPutManifest:
		return &s.PutManifest
	case KindHeadBlob:
		return &s.HeadBlob
	case KindGetBlob:
		return &s.GetBlob
	case KindBlobUpload:
		return &s.BlobUpload
	case KindTagList:
		return &s.TagList
	case KindReferrers:
		return &s.Referrers
	default:
		return &s.Other
	}
}

func (s *Counts) set(k Kind, n int64) { *s.field(k) = n }

// Get returns the count of kind k.
func (s Counts) Get(k Kind) int64 { return *s.field(k) }

// Total is the number of requests of every kind.
func (s Counts) Total() int64 {
	var t int64
	for k := range numKinds {
		t += s.Get(k)
	}
	return t
}

// Sub returns s minus before, kind by kind: the requests made between two
// snapshots.
func (s Counts) Sub(before Counts) Counts {
	var d Counts
	for k := range numKinds {
		d.set(k, s.Get(k)-before.Get(k))
	}
	return d
}

// String renders "7 registry requests (3 HEAD manifest, 1 GET manifest, 3
// other)", leaving out kinds with no request.
func (s Counts) String() string {
	var parts []string
	for k := range numKinds {
		if n := s.Get(k); n != 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, k))
		}
	}
	total := s.Total()
	noun := "requests"
	if total == 1 {
		noun = "request"
	}
	if len(parts) == 0 {
		return fmt.Sprintf("%d registry %s", total, noun)
	}
	return fmt.Sprintf("%d registry %s (%s)", total, noun, strings.Join(parts, ", "))
}
