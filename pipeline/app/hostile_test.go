package app

import (
	"strings"
	"testing"

	"github.com/patchline/patchline/pipeline/internal/fixture"
	"github.com/patchline/patchline/pipeline/internal/regtest"
)

// noRequests fails when the server received any request at all: a
// refused argument must be refused before the registry is asked anything.
func noRequests(t *testing.T, e *fixture.Env) {
	t.Helper()
	if n := e.Server.Counts(); n.Total() != 0 {
		t.Errorf("the registry was reached: %s", n)
	}
}

// A username with ':' cannot travel in Basic auth; it is refused with the
// fix before any request, not answered by a puzzling 401.
func TestUsernameWithColonRefused(t *testing.T) {
	e := fixture.New(t, regtest.GGCR(), regtest.WithBasicAuth("org:robot", "tok"))
	req := request(e, "default")
	req.Username, req.Password = "org:robot", "tok-Zq9"
	_, err := Release(ctx, req, "1.0.0")
	if err == nil || !strings.Contains(err.Error(), "--username") || !strings.Contains(err.Error(), `":"`) {
		t.Fatalf("err = %v, want --username refused for its ':'", err)
	}
	if strings.Contains(err.Error(), "Zq9") {
		t.Errorf("the error shows the password: %v", err)
	}
	noRequests(t, e)
}
