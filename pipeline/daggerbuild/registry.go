package daggerbuild

import (
	"context"
	"fmt"

	"dagger.io/dagger"
)

// RegistryImage is the registry run as the local registry service: CNCF
// Distribution, pinned by digest.
const RegistryImage = "docker.io/library/registry:2.8.3@sha256:a3d8aaa63ed8681a604f1dea0aa03f100d5895b6a58ace528858a7b332415373"

// registryCache keeps the local registry's storage between dagger calls.
const registryCache = "patchline-local-registry"

// LocalRegistry is the registry patchline publishes to when no image
// repository is given, so a newcomer sees the whole flow with no account.
// Its storage is a Dagger cache volume, so images persist between calls.
func LocalRegistry(client *dagger.Client) *dagger.Service {
	return client.Container().
		From(RegistryImage).
		WithEnvVariable("REGISTRY_STORAGE_DELETE_ENABLED", "true").
		WithMountedCache("/var/lib/registry", client.CacheVolume(registryCache)).
		WithExposedPort(5000).
		AsService(dagger.ContainerAsServiceOpts{UseEntrypoint: true})
}

// StartLocalRegistry starts the local registry and returns the service and
// the host:port module code reaches it at.
func StartLocalRegistry(ctx context.Context, client *dagger.Client) (*dagger.Service, string, error) {
	svc, err := LocalRegistry(client).Start(ctx)
	if err != nil {
		return nil, "", fmt.Errorf("starting the local registry: %w", err)
	}
	endpoint, err := svc.Endpoint(ctx, dagger.ServiceEndpointOpts{Port: 5000})
	if err != nil {
		return nil, "", fmt.Errorf("finding the local registry's address: %w", err)
	}
	return svc, endpoint, nil
}
