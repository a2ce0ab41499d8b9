package app

import (
	"errors"
	"fmt"

	"github.com/patchline/patchline/pipeline/registry"
)

// explain adds the fix to errors whose cause a user can act on.
func explain(err error, req BuildRequest) error {
	if errors.Is(err, registry.ErrTimeout) {
		return fmt.Errorf("%w\nthe registry named above did not answer in time: check the host and port, and that it is reachable from where patchline runs (a proxy or firewall that accepts connections and drops them looks like this); running again finishes what this run left undone", err)
	}
	if err == nil || !errors.Is(err, registry.ErrUnauthorized) {
		return err
	}
	if req.Password == "" && req.DockerConfig == "" {
		return fmt.Errorf("%w\nthe registry needs credentials: pass --username and --password env:REGISTRY_TOKEN, or --docker-config file:$HOME/.docker/config.json", err)
	}
	return fmt.Errorf("%w\nthe registry refused the credentials given: check --username, and that the token may read and write this repository", err)
}
