package regtest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
)

// TagWrite is one successful manifest PUT by tag: the repository, the tag
// and the digest of the manifest written.
type TagWrite struct {
	Repository string
	Tag        string
	Digest     string
}

// TagWrites returns every successful manifest PUT by tag since the server
// started, in the order the registry finished them: tests of concurrent
// runs use it to tell the image first written to a tag from the one it
// holds at the end.
func (s *Server) TagWrites() []TagWrite {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]TagWrite(nil), s.tagWrites...)
}

// recordTagWrites wraps the registry so that tag writes are recorded.
func (s *Server) recordTagWrites(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		repo, tag, ok := tagPut(r)
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		sum := sha256.Sum256(body)
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		if sw.status/100 != 2 {
			return
		}
		s.mu.Lock()
		s.tagWrites = append(s.tagWrites, TagWrite{Repository: repo, Tag: tag, Digest: "sha256:" + hex.EncodeToString(sum[:])})
		s.mu.Unlock()
	})
}

// tagPut reports whether r is a manifest PUT by tag, and which.
func tagPut(r *http.Request) (repo, tag string, ok bool) {
	if r.Method != http.MethodPut {
		return "", "", false
	}
	rest, found := strings.CutPrefix(r.URL.Path, "/v2/")
	if !found {
		return "", "", false
	}
	i := strings.LastIndex(rest, "/manifests/")
	if i <= 0 {
		return "", "", false
	}
	repo, tag = rest[:i], rest[i+len("/manifests/"):]
	if strings.Contains(tag, ":") {
		return "", "", false // by digest
	}
	return repo, tag, true
}
