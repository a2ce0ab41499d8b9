package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// maxTagPages bounds a listing against a registry that never stops paging.
const maxTagPages = 10000

// Tags lists every tag of repo, in the order the registry gives them
// (lexical, on the registries tested), following pagination.
//
// The pages are go-containerregistry's (remote.Lister), which follows each
// page's Link header, as the distribution spec says, and refuses one that
// leaves the registry. Some registries (go-containerregistry's test
// registry among them) honour n but send no Link; so when a page comes
// back full and without a Link, Tags asks once more with last=<final tag>,
// and stops at the first page that brings nothing new. That costs one
// extra request when the tag count is a multiple of the page size.
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
	puller, err := remote.NewPuller(append(c.remoteOptions(ctx, rt), remote.WithPageSize(c.pageSize))...)
	if err != nil {
		return nil, c.fail(op, repo, call, err)
	}
	lister, err := puller.Lister(ctx, r)
	if statusOf(err) == http.StatusNotFound {
		return []string{}, nil
	}
	if err != nil {
		return nil, c.fail(op, repo, call, badList(err))
	}
	tags := []string{}
	seen := map[string]bool{}
	for pages := 0; lister.HasNext(); pages++ {
		if pages == maxTagPages {
			return nil, c.failf(op, repo, ErrBadResponse, "more than %d pages of tags", maxTagPages)
		}
		page, err := lister.Next(ctx)
		if err != nil {
			return nil, c.fail(op, repo, call, badList(err))
		}
		fresh := 0
		for _, t := range page.Tags {
			if !seen[t] {
				seen[t] = true
				tags = append(tags, t)
				fresh++
			}
		}
		if pages > 0 && fresh == 0 {
			// A page with nothing new ends the list, whoever named it:
			// a registry whose Link leads back to a page already read
			// would otherwise be asked for it until maxTagPages.
			page.Next = ""
		}
		if page.Next == "" && c.pageSize > 0 && len(page.Tags) >= c.pageSize && fresh > 0 {
			// The Lister fetches the Next of the page it returned.
			page.Next = pageAfter(r, c.pageSize, page.Tags[len(page.Tags)-1])
		}
	}
	return tags, nil
}

// pageAfter is the URL of the page of n tags that follow last.
func pageAfter(r name.Repository, n int, last string) string {
	u := url.URL{Scheme: r.Scheme(), Host: r.RegistryStr(), Path: "/v2/" + r.RepositoryStr() + "/tags/list"}
	u.RawQuery = url.Values{"n": {strconv.Itoa(n)}, "last": {last}}.Encode()
	return u.String()
}

// badList marks a tag list that is not JSON as an unusable response.
func badList(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	if errors.As(err, &syntax) || errors.As(err, &typ) {
		return fmt.Errorf("%w: tag list: %w", ErrBadResponse, err)
	}
	return err
}

// statusOf returns the HTTP status carried by a registry error, or 0.
func statusOf(err error) int {
	var terr *transport.Error
	if errors.As(err, &terr) {
		return terr.StatusCode
	}
	return 0
}
