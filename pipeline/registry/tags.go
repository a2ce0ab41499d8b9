package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/patchline/patchline/pipeline/internal/safetext"
)

// maxTagPages bounds a listing against a registry that never stops paging.
const maxTagPages = 10000

// Tags lists every tag of repo, in the order the registry gives them
// (lexical, on the registries tested), following pagination.
//
// Pages are followed by their Link header, as the distribution spec says.
// Some registries (go-containerregistry's test registry among them) honour
// n but send no Link; so when a page comes back full and without a Link,
// Tags asks once more with last=<final tag>, and stops at the first page
// that brings nothing new. That costs one extra request when the tag count
// is a multiple of the page size.
//
// A repository that does not exist yet has no tags: Tags returns an empty
// list, as olareg answers itself, where go-containerregistry's registry and
// Distribution answer 404 NAME_UNKNOWN. A release flow listing its versions
// needs no special case for its first release.
func (c *Client) Tags(ctx context.Context, repo string) ([]string, error) {
	const op = "listing tags of"
	r, err := c.ParseRepository(repo)
	if err != nil {
		return nil, c.fail(op, repo, nil, err)
	}
	ctx, call := c.begin(ctx)
	rt, err := c.transport.get(ctx, r, false)
	if err != nil {
		return nil, c.fail(op, repo, call, err)
	}
	client := &http.Client{Transport: rt}

	next := &url.URL{Scheme: r.Scheme(), Host: r.RegistryStr(), Path: "/v2/" + r.RepositoryStr() + "/tags/list"}
	if c.pageSize > 0 {
		next.RawQuery = url.Values{"n": {strconv.Itoa(c.pageSize)}}.Encode()
	}
	var tags []string
	seen := map[string]bool{}
	for range maxTagPages {
		page, link, err := listPage(ctx, client, next)
		if err != nil {
			if tags == nil && statusOf(err) == http.StatusNotFound {
				return []string{}, nil
			}
			return nil, c.fail(op, repo, call, err)
		}
		fresh := 0
		for _, t := range page {
			if !seen[t] {
				seen[t] = true
				tags = append(tags, t)
				fresh++
			}
		}
		switch {
		case link != "":
			u, err := next.Parse(link)
			if err != nil {
				return nil, c.failf(op, repo, ErrBadResponse, "Link %s: %v", safetext.Quote(safetext.URL(link)), err)
			}
			if u.Host != next.Host {
				return nil, c.failf(op, repo, ErrBadResponse, "Link %s leaves the registry", safetext.Quote(safetext.URL(link)))
			}
			next = u
		case c.pageSize > 0 && len(page) >= c.pageSize && fresh > 0:
			u := *next
			u.RawQuery = url.Values{"n": {strconv.Itoa(c.pageSize)}, "last": {page[len(page)-1]}}.Encode()
			next = &u
		default:
			if tags == nil {
				tags = []string{}
			}
			return tags, nil
		}
	}
	return nil, c.failf(op, repo, ErrBadResponse, "more than %d pages of tags", maxTagPages)
}

// listPage GETs one page of a tag list and returns its tags and the target
// of its rel="next" Link, if any.
func listPage(ctx context.Context, client *http.Client, u *url.URL) ([]string, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, "", err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	if err := transport.CheckError(resp, http.StatusOK); err != nil {
		return nil, "", err
	}
	var body struct {
		Tags []string `json:"tags"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 16<<20)).Decode(&body); err != nil {
		return nil, "", fmt.Errorf("%w: tag list from %s: %w", ErrBadResponse, safetext.URL(u.String()), err)
	}
	return body.Tags, nextLink(resp.Header.Values("Link")), nil
}

// nextLink returns the target of the rel="next" entry of Link headers
// (RFC 8288), e.g. `</v2/app/tags/list?n=2&last=b>; rel="next"`.
func nextLink(headers []string) string {
	for _, h := range headers {
		for entry := range strings.SplitSeq(h, ",") {
			target, params, ok := strings.Cut(strings.TrimSpace(entry), ";")
			if !ok {
				continue
			}
			target = strings.TrimSpace(target)
			if !strings.HasPrefix(target, "<") || !strings.HasSuffix(target, ">") {
				continue
			}
			for p := range strings.SplitSeq(params, ";") {
				k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
				if strings.EqualFold(k, "rel") && strings.EqualFold(strings.Trim(v, `"`), "next") {
					return target[1 : len(target)-1]
				}
			}
		}
	}
	return ""
}

// statusOf returns the HTTP status carried by a registry error, or 0.
func statusOf(err error) int {
	var terr *transport.Error
	if errors.As(err, &terr) {
		return terr.StatusCode
	}
	return 0
}
