package app

import (
	"errors"
	"fmt"
	"testing"
)

func TestLocalNamesRewritesOutputAndErrors(t *testing.T) {
	sentinel := errors.New("lines need a refresh")
	out := "refresh of k9993bmir6la6:5000/app\nbase k9993bmir6la6:5000/library/debian\n"
	err := fmt.Errorf("%w: k9993bmir6la6:5000/app:0.3 is stale", sentinel)
	localNames("k9993bmir6la6:5000", &out, &err)
	if out != "refresh of localhost:5000/app\nbase k9993bmir6la6:5000/library/debian\n" {
		t.Errorf("out = %q", out)
	}
	if err.Error() != "lines need a refresh: localhost:5000/app:0.3 is stale" || !errors.Is(err, sentinel) {
		t.Errorf("err = %v (Is: %v)", err, errors.Is(err, sentinel))
	}
	out, err = "ghcr.io/acme/app", nil
	localNames("", &out, &err)
	if out != "ghcr.io/acme/app" || err != nil {
		t.Errorf("without the local registry: %q %v", out, err)
	}
}
