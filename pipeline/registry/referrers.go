package registry

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"sync"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// emptyDigest is the digest of "{}", the OCI empty descriptor. Any well-formed
// digest serves for the probe: a registry with the referrers API answers 200
// and an empty index for a subject it does not know.
const emptyDigest = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"

// ReferrersSupported reports whether repo's registry serves the OCI 1.1
// referrers API (GET /v2/<name>/referrers/<digest> answers 200 with an
// index). Where it does not (GHCR, CNCF Distribution), attestations attached
// as referrers must also be listed in the sha256-<hex> fallback tag.
//
// The answer is a property of the registry and is kept for the client's
// lifetime: one GET per registry host. Ask about a repository that exists:
// go-containerregistry's registry answers 404 NAME_UNKNOWN for an unknown
// one even though it has the API, and that answer wraps ErrNotFound rather
// than being taken for "no".
func (c *Client) ReferrersSupported(ctx context.Context, repo string) (bool, error) {
	const op = "probing the referrers API of"
	r, err := c.ParseRepository(repo)
	if err != nil {
		return false, c.fail(op, repo, nil, err)
	}
	host := r.RegistryStr()
	if known, ok := c.referrers.get(host); ok {
		return known, nil
	}

	ctx, call := c.begin(ctx)
	rt, err := c.transport.get(ctx, r, false)
	if err != nil {
		return false, c.fail(op, repo, call, err)
	}
	u := url.URL{Scheme: r.Scheme(), Host: host, Path: "/v2/" + r.RepositoryStr() + "/referrers/" + emptyDigest}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return false, c.fail(op, repo, call, err)
	}
	req.Header.Set("Accept", string(types.OCIImageIndex))
	resp, err := (&http.Client{Transport: rt}).Do(req)
	if err != nil {
		return false, c.fail(op, repo, call, err)
	}
	defer resp.Body.Close()

	var supported bool
	switch resp.StatusCode {
	case http.StatusOK:
		var idx struct {
			MediaType types.MediaType `json:"mediaType"`
			Manifests json.RawMessage `json:"manifests"`
		}
		err := json.NewDecoder(io.LimitReader(resp.Body, 4<<20)).Decode(&idx)
		// A registry without the API may still answer 200 from a catch-all
		// route; only an index counts.
		supported = err == nil && (idx.MediaType.IsIndex() || idx.Manifests != nil)
	case http.StatusNotFound:
		// go-containerregistry's registry, which has the API, answers 404
		// NAME_UNKNOWN for a repository it does not know: no answer.
		if err := transport.CheckError(resp, http.StatusOK); hasCode(err, transport.NameUnknownErrorCode) {
			return false, c.fail(op, repo, call, err)
		}
		supported = false
	case http.StatusBadRequest, http.StatusMethodNotAllowed, http.StatusNotAcceptable:
		supported = false
	default:
		return false, c.fail(op, repo, call, transport.CheckError(resp, http.StatusOK))
	}
	c.referrers.set(host, supported)
	return supported, nil
}

// hasCode reports whether err is a registry error carrying code.
func hasCode(err error, code transport.ErrorCode) bool {
	var terr *transport.Error
	if !errors.As(err, &terr) {
		return false
	}
	for _, d := range terr.Errors {
		if d.Code == code {
			return true
		}
	}
	return false
}

// hostFlags remembers one yes/no answer per registry host.
type hostFlags struct {
	mu sync.Mutex
	m  map[string]bool
}

func (f *hostFlags) get(host string) (v, ok bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok = f.m[host]
	return v, ok
}

func (f *hostFlags) set(host string, v bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.m[host] = v
}
