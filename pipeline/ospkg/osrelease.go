package ospkg

import (
	"strconv"
	"strings"
)

// OSRelease is what /etc/os-release says about the distribution.
type OSRelease struct {
	ID        string   `json:"id,omitempty"`
	IDLike    []string `json:"id_like,omitempty"`
	VersionID string   `json:"version_id,omitempty"`
	Codename  string   `json:"codename,omitempty"`
	Pretty    string   `json:"pretty_name,omitempty"`
}

// ParseOSRelease reads the os-release format: KEY=value lines, values
// optionally quoted with shell quoting rules, comments and blank lines
// ignored.
func ParseOSRelease(text string) OSRelease {
	var r OSRelease
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		v = unquote(v)
		switch k {
		case "ID":
			r.ID = strings.ToLower(v)
		case "ID_LIKE":
			r.IDLike = strings.Fields(strings.ToLower(v))
		case "VERSION_ID":
			r.VersionID = v
		case "VERSION_CODENAME":
			r.Codename = v
		case "PRETTY_NAME":
			r.Pretty = v
		}
	}
	return r
}

func unquote(v string) string {
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		if v[0] == '"' {
			if s, err := strconv.Unquote(v); err == nil {
				return s
			}
		}
		return v[1 : len(v)-1]
	}
	return v
}

// Is reports whether the distribution is id or derives from it.
func (r OSRelease) Is(id string) bool {
	if r.ID == id {
		return true
	}
	for _, l := range r.IDLike {
		if l == id {
			return true
		}
	}
	return false
}

// Name names the distribution for a report.
func (r OSRelease) Name() string {
	switch {
	case r.Pretty != "":
		return r.Pretty
	case r.ID != "":
		return strings.TrimSpace(r.ID + " " + r.VersionID)
	}
	return "an unknown distribution"
}
