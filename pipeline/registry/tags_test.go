package registry_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/patchline/patchline/pipeline/internal/testing/regtest"
	"github.com/patchline/patchline/pipeline/registry"
)

// Tags follows pagination on every implementation: by Link header on olareg
// and Distribution, by last= on go-containerregistry's registry, which
// honours n but sends no Link.
func TestTagsPaginates(t *testing.T) {
	for _, tc := range []struct {
		tags, pageSize int
		wantRequests   int64
	}{
		{tags: 7, pageSize: 2, wantRequests: 4},
		{tags: 6, pageSize: 2, wantRequests: 4}, // a full last page costs one more request
		{tags: 3, pageSize: 0, wantRequests: 1}, // n left out: the registry's own page
		{tags: 3, pageSize: 1000, wantRequests: 1},
	} {
		t.Run(fmt.Sprintf("%d tags by %d", tc.tags, tc.pageSize), func(t *testing.T) {
			forEachImpl(t, func(t *testing.T, srv *regtest.Server) {
				img := regtest.Image(t)
				var want []string
				for i := range tc.tags {
					tag := fmt.Sprintf("1.%d.0", i)
					srv.Seed(t, "app:"+tag, img)
					want = append(want, tag)
				}
				c, _ := newClient(t, registry.WithPageSize(tc.pageSize))
				got, err := c.Tags(context.Background(), srv.Ref("app"))
				if err != nil {
					t.Fatal(err)
				}
				slices.Sort(got)
				if !slices.Equal(got, want) {
					t.Errorf("Tags = %v, want %v", got, want)
				}
				onlyKinds(t, "server", srv.Counts(), map[registry.Kind]int64{registry.KindTagList: tc.wantRequests})
			})
		})
	}
}

// A repository that does not exist has no tags, whichever way the
// registry says so (404 NAME_UNKNOWN, or 200 with an empty list).
func TestTagsOfUnknownRepository(t *testing.T) {
	forEachImpl(t, func(t *testing.T, srv *regtest.Server) {
		srv.SeedImage(t, "app:1")
		c, _ := newClient(t)
		got, err := c.Tags(context.Background(), srv.Ref("never-pushed"))
		if err != nil || got == nil || len(got) != 0 {
			t.Errorf("Tags(unknown) = %v, %v; want an empty list", got, err)
		}
	})
}

// A registry whose Link header leads back to a page already read ends the
// list at that page, after one repeated request, not after maxTagPages.
func TestTagsLinkLoopEndsAtTheRepeatedPage(t *testing.T) {
	var lists atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/tags/list") {
			w.WriteHeader(http.StatusOK) // the /v2/ ping
			return
		}
		lists.Add(1)
		w.Header().Set("Link", `</v2/app/tags/list?n=2&last=b>; rel="next"`)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"name":"app","tags":["a","b"]}`)
	}))
	t.Cleanup(srv.Close)
	c, _ := newClient(t)
	got, err := c.Tags(context.Background(), strings.TrimPrefix(srv.URL, "http://")+"/app")
	if err != nil || !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("Tags = %v, %v", got, err)
	}
	if n := lists.Load(); n != 2 {
		t.Errorf("%d tag-list requests; want the first page and its repeat", n)
	}
}
