package registry

import (
	"net/http"
	"strings"
)

// Kind is the class of a registry HTTP request. Counts are kept per kind
// because the costs differ: a manifest GET counts against Docker Hub's pull
// limit and a HEAD does not; a blob upload moves data and a manifest PUT
// does not.
type Kind int

// The request kinds, in the order reports print them.
const (
	KindHeadManifest Kind = iota // HEAD /v2/<name>/manifests/<ref>
	KindGetManifest              // GET /v2/<name>/manifests/<ref>
	KindPutManifest              // PUT /v2/<name>/manifests/<ref>
	KindHeadBlob                 // HEAD /v2/<name>/blobs/<digest>
	KindGetBlob                  // GET /v2/<name>/blobs/<digest>
	KindBlobUpload               // any request under /v2/<name>/blobs/uploads/
	KindTagList                  // GET /v2/<name>/tags/list
	KindReferrers                // GET /v2/<name>/referrers/<digest>
	KindOther                    // the rest: the /v2/ ping, token exchanges, deletes
	numKinds
)

var kindNames = [numKinds]string{
	KindHeadManifest: "HEAD manifest",
	KindGetManifest:  "GET manifest",
	KindPutManifest:  "PUT manifest",
	KindHeadBlob:     "HEAD blob",
	KindGetBlob:      "GET blob",
	KindBlobUpload:   "blob upload",
	KindTagList:      "tag list",
	KindReferrers:    "referrers",
	KindOther:        "other",
}

// String names the kind as reports print it ("HEAD manifest").
func (k Kind) String() string {
	if k < 0 || k >= numKinds {
		return "unknown"
	}
	return kindNames[k]
}

// KindOf classifies a request by its method and URL path. The client's
// Counter and the test registries' counters both use it, so their counts can
// be compared kind by kind.
//
// Repository names may contain slashes, and even path segments such as
// "manifests", so the path is matched from its end: a reference or digest
// never contains a slash.
func KindOf(method, path string) Kind {
	rest, ok := strings.CutPrefix(path, "/v2/")
	i := strings.LastIndex(rest, "/")
	if !ok || i <= 0 {
		return KindOther
	}
	parent, last := rest[:i], rest[i+1:]
	switch {
	case strings.HasSuffix(parent, "/blobs/uploads"):
		// POST <name>/blobs/uploads/, then PATCH, PUT (or GET) on
		// <name>/blobs/uploads/<id>.
		return KindBlobUpload
	case strings.HasSuffix(parent, "/manifests"):
		switch method {
		case http.MethodHead:
			return KindHeadManifest
		case http.MethodGet:
			return KindGetManifest
		case http.MethodPut:
			return KindPutManifest
		}
	case strings.HasSuffix(parent, "/blobs"):
		switch method {
		case http.MethodHead:
			return KindHeadBlob
		case http.MethodGet:
			return KindGetBlob
		}
	case strings.HasSuffix(parent, "/tags") && last == "list":
		if method == http.MethodGet {
			return KindTagList
		}
	case strings.HasSuffix(parent, "/referrers"):
		if method == http.MethodGet {
			return KindReferrers
		}
	}
	return KindOther
}
