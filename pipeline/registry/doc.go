// Package registry is the OCI registry client that the release, refresh and
// check flows use: it resolves base images by HEAD, reads what a published
// image recorded, lists tags, pushes images and indexes once and writes
// further tags by manifest PUT alone.
//
// It is a thin layer over go-containerregistry's remote and transport
// packages. What it adds is what a release pipeline needs from a registry
// and ggcr leaves to its callers:
//
//   - credentials per registry host, handed in once and never printed;
//   - one retry policy that honours Retry-After, caps attempts and the total
//     wait, and sleeps through an injectable function (ggcr's own retry is
//     switched off so retries are never multiplied by two layers);
//   - a Counter of every HTTP request by Kind, so reports can say how many
//     registry requests a run made and benchmarks can assert exact counts;
//   - a HEAD-only Resolve, because a manifest HEAD does not count against
//     Docker Hub's pull limit and a GET does.
//
// Every method takes references as strings ("ghcr.io/org/app:1.6.0",
// "debian:bookworm-slim", "127.0.0.1:5000/app@sha256:…") and parses them with
// the client's per-host settings, so callers never need to know which hosts
// are plain HTTP.
package registry
