package dockerfile

import (
	"context"
	"fmt"
)

// ResolveFunc returns the current digest of an image reference, typically
// with a registry HEAD request (which, unlike a GET, does not count against
// Docker Hub's pull limit). ref is a normalised Reference.Key(), such as
// "docker.io/library/debian:bookworm-slim". The package itself never touches
// the network; the caller supplies this function.
type ResolveFunc func(ctx context.Context, ref string) (digest string, err error)

// Resolve looks up each distinct reference once, in order, and returns the
// digests ready for Pin. Two references that differ only in their current
// pin share one lookup, so a refresh makes one request per base image.
func Resolve(ctx context.Context, refs []Reference, resolve ResolveFunc) (Digests, error) {
	out := Digests{}
	for _, r := range refs {
		key := r.Key()
		if _, ok := out[key]; ok {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		dg, err := resolve(ctx, key)
		if err != nil {
			return nil, fmt.Errorf("resolving %s: %w", key, err)
		}
		if err := validateDigest(key, dg); err != nil {
			return nil, fmt.Errorf("resolving %s: %w", key, err)
		}
		out[key] = dg
	}
	return out, nil
}
