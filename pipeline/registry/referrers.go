package registry

import (
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// maxReferrers bounds the referrers index read from a registry.
const maxReferrers = 16 << 20

// Referrers lists the manifests that refer to subject ("ghcr.io/o/a@sha256:…")
// through the OCI 1.1 referrers API, with one GET of
// /v2/<name>/referrers/<digest>, and says whether the registry has that
// API. This is the one place patchline tells the two kinds of registry
// apart.
//
// A registry has the API when it answers 200 with an image index (by its
// Content-Type, or by the index's own mediaType). One without it (GHCR,
// CNCF Distribution) answers 404, 400, 405 or 406, or 200 with something
// else; api is then false and the list empty: such registries keep a
// subject's referrers in the sha256-<hex> fallback tag, which package
// attest reads and writes. Any other answer is an error.
//
// Descriptors are as the registry lists them; some (go-containerregistry's
// test registry) give the config media type as artifactType.
func (c *Client) Referrers(ctx context.Context, subject string) (manifests []v1.Descriptor, api bool, err error) {
	const op = "listing the referrers of"
	r, err := c.ParseReference(subject)
	if err != nil {
		return nil, false, c.fail(op, subject, nil, err)
	}
	d, ok := r.(name.Digest)
	if !ok {
		return nil, false, c.failf(op, subject, ErrInvalidReference, "the subject must be named by digest, repository@sha256:…")
	}
	ctx, call := c.begin(ctx)
	rt, err := c.transport.get(ctx, d.Context(), false)
	if err != nil {
		return nil, false, c.fail(op, subject, call, err)
	}
	u := url.URL{Scheme: d.Context().Scheme(), Host: d.RegistryStr(), Path: "/v2/" + d.RepositoryStr() + "/referrers/" + d.DigestStr()}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, false, c.fail(op, subject, call, err)
	}
	req.Header.Set("Accept", string(types.OCIImageIndex))
	resp, err := (&http.Client{Transport: rt}).Do(req)
	if err != nil {
		return nil, false, c.fail(op, subject, call, err)
	}
	defer resp.Body.Close()

	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound, http.StatusBadRequest, http.StatusMethodNotAllowed, http.StatusNotAcceptable:
		return nil, false, nil
	default:
		return nil, false, c.fail(op, subject, call, transport.CheckError(resp, http.StatusOK))
	}
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	var idx v1.IndexManifest
	err = json.NewDecoder(io.LimitReader(resp.Body, maxReferrers)).Decode(&idx)
	switch {
	case types.MediaType(ct) == types.OCIImageIndex && err != nil:
		return nil, false, c.failf(op, subject, ErrBadResponse, "the referrers index is not JSON: %v", err)
	case types.MediaType(ct) != types.OCIImageIndex && (err != nil || idx.MediaType != types.OCIImageIndex):
		// A catch-all route answering 200 is no referrers API.
		return nil, false, nil
	}
	if idx.Manifests == nil {
		idx.Manifests = []v1.Descriptor{}
	}
	return idx.Manifests, true, nil
}
