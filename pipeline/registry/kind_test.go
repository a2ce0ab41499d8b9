package registry_test

import (
	"testing"

	"github.com/patchline/patchline/pipeline/registry"
)

func TestKindOf(t *testing.T) {
	const d = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
	for _, tc := range []struct {
		method, path string
		want         registry.Kind
	}{
		{"HEAD", "/v2/library/debian/manifests/bookworm-slim", registry.KindHeadManifest},
		{"GET", "/v2/app/manifests/" + d, registry.KindGetManifest},
		{"PUT", "/v2/org/app/manifests/latest", registry.KindPutManifest},
		{"DELETE", "/v2/app/manifests/" + d, registry.KindOther},
		{"HEAD", "/v2/app/blobs/" + d, registry.KindHeadBlob},
		{"GET", "/v2/app/blobs/" + d, registry.KindGetBlob},
		{"POST", "/v2/app/blobs/uploads/", registry.KindBlobUpload},
		{"POST", "/v2/app/blobs/uploads/?mount=" + d + "&from=other", registry.KindBlobUpload},
		{"PATCH", "/v2/app/blobs/uploads/8f1e-uuid", registry.KindBlobUpload},
		{"PUT", "/v2/app/blobs/uploads/8f1e-uuid", registry.KindBlobUpload},
		{"GET", "/v2/app/tags/list", registry.KindTagList},
		{"GET", "/v2/app/referrers/" + d, registry.KindReferrers},
		{"GET", "/v2/", registry.KindOther},
		{"GET", "/v2", registry.KindOther},
		{"GET", "/token", registry.KindOther},
		{"GET", "/v2/_catalog", registry.KindOther},
		// Repository names may contain the words the routes use.
		{"HEAD", "/v2/org/manifests/app/manifests/1.0", registry.KindHeadManifest},
		{"GET", "/v2/blobs/tags/list", registry.KindTagList},
		{"HEAD", "/v2/referrers/blobs/" + d, registry.KindHeadBlob},
		{"GET", "/v2/tags/list/manifests/1", registry.KindGetManifest},
		{"HEAD", "/v2/org/blobs/uploads/x/manifests/1", registry.KindHeadManifest},
		{"GET", "/v2/org/blobs/uploads/tags/list", registry.KindTagList},
		{"GET", "/v2/blobs/uploads/x", registry.KindOther}, // no repository name
		{"POST", "/v2/a/b/c/blobs/uploads/", registry.KindBlobUpload},
	} {
		if got := registry.KindOf(tc.method, tc.path); got != tc.want {
			t.Errorf("KindOf(%s %s) = %s, want %s", tc.method, tc.path, got, tc.want)
		}
	}
}

func TestCounts(t *testing.T) {
	var c registry.Counter
	for _, k := range []registry.Kind{registry.KindHeadManifest, registry.KindHeadManifest, registry.KindPutManifest, registry.KindOther, registry.Kind(99)} {
		c.Add(k)
	}
	before := c.Counts()
	c.Add(registry.KindGetManifest)
	got := c.Counts()
	if got.HeadManifest != 2 || got.PutManifest != 1 || got.Other != 2 || got.Total() != 6 {
		t.Errorf("Counts = %+v", got)
	}
	if d := got.Sub(before); d.Total() != 1 || d.GetManifest != 1 {
		t.Errorf("Sub = %+v", d)
	}
	if s := got.String(); s != "6 registry requests (2 HEAD manifest, 1 GET manifest, 1 PUT manifest, 2 other)" {
		t.Errorf("String = %q", s)
	}
	if s := (registry.Counts{}).String(); s != "0 registry requests" {
		t.Errorf("String = %q", s)
	}
	c.Reset()
	if c.Counts().Total() != 0 {
		t.Error("Reset left counts")
	}
}
