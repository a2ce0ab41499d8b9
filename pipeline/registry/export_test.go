package registry

import (
	"errors"
	"fmt"
	"time"
)

// Settings the client's own tests need and nothing else sets: production
// uses the defaults.

// WithClock sets the clock used to turn a Retry-After HTTP-date into a wait.
// It is read for nothing else.
//
// The default is time.Now.
func WithClock(now func() time.Time) Option {
	return func(o *options) error {
		if now == nil {
			return errors.New("nil clock")
		}
		o.now = now
		return nil
	}
}

// WithPageSize sets how many tags Tags asks for per request (the n
// parameter); 0 leaves n out and takes the registry's default page.
//
// The default is 1000, the most ECR accepts.
func WithPageSize(n int) Option {
	return func(o *options) error {
		if n < 0 {
			return fmt.Errorf("page size %d is negative", n)
		}
		o.pageSize = n
		return nil
	}
}

// WithJobs sets how many blobs and child manifests a push uploads at once.
//
// The default is 4.
func WithJobs(n int) Option {
	return func(o *options) error {
		if n < 1 {
			return fmt.Errorf("jobs %d is below 1", n)
		}
		o.jobs = n
		return nil
	}
}

// Kinds lists every kind in report order.
func Kinds() []Kind {
	ks := make([]Kind, numKinds)
	for i := range ks {
		ks[i] = Kind(i)
	}
	return ks
}
