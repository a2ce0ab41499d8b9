package attest

import (
	"context"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/distribution/distribution/v3/configuration"
	"github.com/distribution/distribution/v3/registry/handlers"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/inmemory" // registers the inmemory storage driver
	"github.com/olareg/olareg"
	olaconfig "github.com/olareg/olareg/config"
	"github.com/sirupsen/logrus"
)

// Two more real registry implementations, both test-only imports: olareg
// (regclient's, with the referrers API) and CNCF Distribution (the
// registry:2 lineage, no referrers API, stricter manifest validation than
// go-containerregistry's test registry).
// quietLogrus silences logrus once for the whole test binary.
var quietLogrus sync.Once

var (
	olaregKind       = registryKind{"olareg", true, olaregHandler}
	distributionKind = registryKind{"distribution", false, distributionHandler}
)

func olaregHandler(t testing.TB) http.Handler {
	s := olareg.New(olaconfig.Config{Storage: olaconfig.ConfigStorage{StoreType: olaconfig.StoreMem}})
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func distributionHandler(t testing.TB) http.Handler {
	// Distribution logs every request through logrus's standard logger,
	// whatever its configuration says; NewApp does not apply cfg.Log.
	quietLogrus.Do(func() { logrus.SetOutput(io.Discard) })
	cfg := &configuration.Configuration{Storage: configuration.Storage{
		"inmemory":    configuration.Parameters{},
		"maintenance": configuration.Parameters{"uploadpurging": map[any]any{"enabled": false}},
	}}
	cfg.Log.Level = "error"
	return handlers.NewApp(context.Background(), cfg)
}
