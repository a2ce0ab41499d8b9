package regtest

import (
	"context"
	"io"
	"log"
	"net/http"
	"sync"
	"testing"

	"github.com/distribution/distribution/v3/configuration"
	"github.com/distribution/distribution/v3/registry/handlers"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/inmemory" // the "inmemory" storage driver
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/olareg/olareg"
	olaregconfig "github.com/olareg/olareg/config"
	"github.com/sirupsen/logrus"
)

// Impl is one registry implementation.
type Impl struct {
	// Name is short and stable, for t.Run.
	Name string
	// Referrers says whether the implementation serves the OCI 1.1
	// referrers API (GET /v2/<name>/referrers/<digest>).
	Referrers bool

	handler func(tb testing.TB) http.Handler
}

// All returns every implementation, for suites that must hold on each.
func All() []Impl {
	return []Impl{GGCR(), GGCRNoReferrers(), Olareg(), Distribution()}
}

// GGCR is go-containerregistry's pkg/registry with the referrers API: the
// registry most Go tests in this field use. It keeps everything in memory.
func GGCR() Impl {
	return Impl{Name: "ggcr", Referrers: true, handler: func(testing.TB) http.Handler {
		return registry.New(registry.Logger(log.New(io.Discard, "", 0)), registry.WithReferrersSupport(true))
	}}
}

// GGCRNoReferrers is GGCR without the referrers API, like GHCR.
func GGCRNoReferrers() Impl {
	return Impl{Name: "ggcr-noreferrers", handler: func(testing.TB) http.Handler {
		return registry.New(registry.Logger(log.New(io.Discard, "", 0)), registry.WithReferrersSupport(false))
	}}
}

// Olareg is regclient's olareg with memory storage and the referrers API.
func Olareg() Impl {
	return Impl{Name: "olareg", Referrers: true, handler: func(tb testing.TB) http.Handler {
		s := olareg.New(olaregconfig.Config{
			Storage: olaregconfig.ConfigStorage{
				StoreType: olaregconfig.StoreMem,
				// No garbage collection goroutine: nothing here outlives a test.
				GC: olaregconfig.ConfigGC{Frequency: -1},
			},
		})
		tb.Cleanup(func() { _ = s.Close() })
		return s
	}}
}

// Distribution is CNCF Distribution (registry:2's lineage, what a Dagger
// service of the registry image runs) with the inmemory storage driver. It
// has no referrers API.
func Distribution() Impl {
	return Impl{Name: "distribution", handler: func(tb testing.TB) http.Handler {
		quietDistribution()
		cfg := &configuration.Configuration{
			Storage: configuration.Storage{
				"inmemory": configuration.Parameters{},
				"maintenance": configuration.Parameters{
					"uploadpurging": map[any]any{"enabled": false},
				},
			},
		}
		cfg.HTTP.Secret = "regtest" // else it warns and makes one up
		cfg.Log.AccessLog.Disabled = true
		app := handlers.NewApp(context.Background(), cfg)
		tb.Cleanup(func() { _ = app.Shutdown() })
		return app
	}}
}

var quietOnce sync.Once

// quietDistribution silences Distribution's request logs. It logs through
// logrus's standard logger and offers no other way to reach it, so this is
// a process-wide setting, harmless in a test binary.
func quietDistribution() {
	quietOnce.Do(func() { logrus.SetOutput(io.Discard) })
}
