package reponame

import (
	"errors"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, ok := range []string{
		"ghcr.io/acme/app", "docker.io/acme/app", "index.docker.io/library/debian",
		"localhost/app", "localhost:5000/app", "127.0.0.1:5000/a/b/c", "[::1]:5000/app",
		"registry:5000/app", "my-registry.example.com/team/app_x", "ghcr.io/a__b/c-d.e",
		"ghcr.io/a---b",
	} {
		n, err := Parse(ok)
		if err != nil {
			t.Errorf("Parse(%q): %v", ok, err)
			continue
		}
		if n.String() != ok {
			t.Errorf("Parse(%q) = %s", ok, n)
		}
	}
	for bad, want := range map[string]string{
		"":                                    "empty",
		"app":                                 "docker.io/app",
		"acme/app":                            "docker.io/acme/app",
		"host//app":                           "empty path component",
		"ghcr.io//app":                        "empty path component",
		"ghcr.io/":                            "empty",
		"ghcr.io/app/":                        "empty path component",
		"/app":                                "empty path component",
		"../x":                                "empty name part",
		"ghcr.io/../x":                        `".."`,
		"ghcr.io/./x":                         `"."`,
		"http://ghcr.io/acme/app":             "drop the scheme http://",
		"-x.io/app":                           `"-x"`,
		"x-.io/app":                           `"x-"`,
		"a..b.io/app":                         "empty name part",
		"127.0.0.1:99999/app":                 "port 99999",
		"127.0.0.1:0/app":                     "port 0",
		"127.0.0.1:05000/app":                 "port 05000",
		"ghcr.io:/app":                        "port after ':' is empty",
		"[::1/app":                            "closing ]",
		"[1.2.3.4]:5000/app":                  "not an IPv6",
		"GHCR.io/app":                         "lower case, \"ghcr.io\"",
		"ghcr.io/Acme/app":                    "lower case",
		"ghcr.io/acme/app:1.0":                "has a tag",
		"ghcr.io/acme/app@sha256:abc":         "has a digest",
		"ghcr.io/a_-b":                        "path component",
		"ghcr.io/a___b":                       "path component",
		"ghcr.io/é":                           "cannot hold",
		"ghcr.io/a\nb":                        "space",
		"ghcr.io/" + strings.Repeat("a", 250): "at most 255",
	} {
		_, err := Parse(bad)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want it to say %q", bad, err, want)
		}
		if err != nil && len(err.Error()) > 600 {
			t.Errorf("Parse(%q): a %d-byte message", bad, len(err.Error()))
		}
	}
}

func TestOfAndHasTag(t *testing.T) {
	for _, tc := range []struct {
		ref, repo string
		tag       bool
	}{
		{"debian", "debian", false},
		{"debian:bookworm-slim", "debian", true},
		{"docker.io/library/debian:12@sha256:" + strings.Repeat("a", 64), "docker.io/library/debian", true},
		{"docker.io/library/debian@sha256:" + strings.Repeat("a", 64), "docker.io/library/debian", false},
		{"localhost:5000/acme/app", "localhost:5000/acme/app", false},
		{"localhost:5000/acme/app:1.6", "localhost:5000/acme/app", true},
		{"[::1]:5000/app", "[::1]:5000/app", false},
		{"app:", "app", true},
	} {
		if got := Of(tc.ref); got != tc.repo {
			t.Errorf("Of(%q) = %q, want %q", tc.ref, got, tc.repo)
		}
		if got := HasTag(tc.ref); got != tc.tag {
			t.Errorf("HasTag(%q) = %v, want %v", tc.ref, got, tc.tag)
		}
	}
}
