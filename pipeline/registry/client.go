package registry

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/patchline/patchline/pipeline/reponame"
)

// Client talks to one or more registries with per-host credentials, one
// retry policy and one request Counter. It is safe for concurrent use, and
// meant to live for a whole run: it keeps one authenticated transport per
// repository, so the /v2/ ping and the token exchange happen once.
type Client struct {
	creds     credentials
	insecure  map[string]bool
	retry     RetryPolicy
	timeouts  Timeouts
	sleep     SleepFunc
	counter   *Counter
	pageSize  int
	jobs      int
	transport *transportCache
}

// New returns a Client. With no options it reaches every registry
// anonymously over HTTPS with DefaultRetryPolicy.
func New(opts ...Option) (*Client, error) {
	o, err := makeOptions(opts...)
	if err != nil {
		return nil, err
	}
	// From the network up: count every attempt, take echoed passwords
	// out of error bodies, hold each attempt to its deadline and the
	// redirect limit, retry, name the client. transportCache adds
	// auth on top, per repository.
	counter := &Counter{}
	var rt http.RoundTripper = &countingTransport{inner: o.transport, counter: counter}
	if len(o.creds) > 0 {
		rt = &redactingTransport{inner: rt, creds: o.creds}
	}
	rt = &guardTransport{inner: rt, timeouts: o.timeouts}
	rt = &retryTransport{inner: rt, policy: o.retry, sleep: o.sleep, now: o.now}
	rt = transport.NewUserAgent(rt, userAgent)
	c := &Client{
		creds:    o.creds,
		insecure: o.insecure,
		retry:    o.retry,
		timeouts: o.timeouts,
		sleep:    o.sleep,
		counter:  counter,
		pageSize: o.pageSize,
		jobs:     o.jobs,
	}
	c.transport = newTransportCache(rt, c.creds)
	return c, nil
}

// Counter returns the counter of the client's requests.
func (c *Client) Counter() *Counter { return c.counter }

// String describes the client's hosts without any password.
func (c *Client) String() string {
	var parts []string
	if len(c.creds) > 0 {
		parts = append(parts, "credentials: "+c.creds.String())
	}
	if len(c.insecure) > 0 {
		hosts := make([]string, 0, len(c.insecure))
		for h := range c.insecure {
			hosts = append(hosts, h)
		}
		sort.Strings(hosts)
		parts = append(parts, "insecure: "+strings.Join(hosts, ", "))
	}
	if len(parts) == 0 {
		parts = append(parts, "anonymous")
	}
	return "registry.Client{" + strings.Join(parts, "; ") + "}"
}

// GoString is String, so %#v does not print the struct.
func (c *Client) GoString() string { return c.String() }

// Format prints String for every verb.
func (c *Client) Format(f fmt.State, _ rune) { fmt.Fprint(f, c.String()) }

// ParseReference parses s ("debian:bookworm-slim", "ghcr.io/o/a@sha256:…")
// with the client's per-host settings: a host given to WithInsecure is
// reached over plain HTTP. The registry host and the repository path are
// held to the distribution spec's grammar (package reponame), which
// go-containerregistry's parser is not: it takes "ghcr.io//app" and pushes
// to the repository "/app".
func (c *Client) ParseReference(s string) (name.Reference, error) {
	ref, err := name.ParseReference(s)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidReference, err)
	}
	if err := checkRepository(ref.Context()); err != nil {
		return nil, err
	}
	if c.insecure[ref.Context().RegistryStr()] {
		if ref, err = name.ParseReference(s, name.Insecure); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidReference, err)
		}
	}
	return ref, nil
}

// ParseRepository is ParseReference for a repository ("ghcr.io/o/a").
func (c *Client) ParseRepository(s string) (name.Repository, error) {
	repo, err := name.NewRepository(s)
	if err != nil {
		return name.Repository{}, fmt.Errorf("%w: %w", ErrInvalidReference, err)
	}
	if err := checkRepository(repo); err != nil {
		return name.Repository{}, err
	}
	if c.insecure[repo.RegistryStr()] {
		if repo, err = name.NewRepository(s, name.Insecure); err != nil {
			return name.Repository{}, fmt.Errorf("%w: %w", ErrInvalidReference, err)
		}
	}
	return repo, nil
}

// checkRepository holds a parsed repository to the distribution spec's
// grammar. A host is compared in lower case, as DNS does.
func checkRepository(r name.Repository) error {
	if err := reponame.CheckHost(strings.ToLower(r.RegistryStr())); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidReference, err)
	}
	if err := reponame.CheckPath(r.RepositoryStr()); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidReference, err)
	}
	return nil
}

// begin starts a client call: its requests share one wait budget and one
// deadline.
func (c *Client) begin(ctx context.Context) (context.Context, *callState) {
	return withCall(ctx, c.timeouts.Call)
}
