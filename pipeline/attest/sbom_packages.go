package attest

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
)

// OSPackage is an operating system package an SBOM lists: one whose
// package URL is of type deb, apk or rpm.
type OSPackage struct {
	Type    string `json:"type"`
	Name    string `json:"name"`
	Arch    string `json:"arch,omitempty"`
	Version string `json:"version"`
}

// Key identifies the package across two SBOMs of an image: its type, name
// and architecture.
func (p OSPackage) Key() string { return p.Type + "/" + p.Name + "/" + p.Arch }

// osTypes are the package URL types of OS package managers.
var osTypes = map[string]bool{"deb": true, "apk": true, "rpm": true}

// OSPackages returns the OS packages the SBOM lists, by Key. They are read
// from package URLs (SPDX externalRefs of type purl, CycloneDX purl), so
// both formats give the same answer; everything else an SBOM lists (the
// image itself, language packages) is left out.
func (s SBOM) OSPackages() (map[string]OSPackage, error) {
	var purls []string
	switch s.Format {
	case SPDXJSON:
		var doc struct {
			Packages []struct {
				ExternalRefs []struct {
					Type    string `json:"referenceType"`
					Locator string `json:"referenceLocator"`
				} `json:"externalRefs"`
			} `json:"packages"`
		}
		if err := json.Unmarshal(s.Document, &doc); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalidSBOM, err)
		}
		for _, p := range doc.Packages {
			for _, r := range p.ExternalRefs {
				if r.Type == "purl" {
					purls = append(purls, r.Locator)
				}
			}
		}
	case CycloneDXJSON:
		var doc struct {
			Components []struct {
				PURL string `json:"purl"`
			} `json:"components"`
		}
		if err := json.Unmarshal(s.Document, &doc); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalidSBOM, err)
		}
		for _, c := range doc.Components {
			purls = append(purls, c.PURL)
		}
	default:
		return nil, fmt.Errorf("%w %q", ErrUnknownSBOMFormat, s.Format)
	}
	// Packages installed side by side in several versions (rpm's
	// install-only kernels, gpg-pubkey) share a Key: their versions are
	// kept together, sorted, so that any one of them changing shows.
	versions := map[string][]string{}
	out := map[string]OSPackage{}
	for _, p := range purls {
		pkg, ok := osPackage(p)
		if !ok {
			continue
		}
		k := pkg.Key()
		if !slices.Contains(versions[k], pkg.Version) {
			versions[k] = append(versions[k], pkg.Version)
		}
		out[k] = pkg
	}
	for k, vs := range versions {
		if len(vs) > 1 {
			slices.Sort(vs)
			p := out[k]
			p.Version = strings.Join(vs, ", ")
			out[k] = p
		}
	}
	return out, nil
}

// osPackage reads pkg:<type>/<namespace>/<name>@<version>?arch=<arch>; an
// rpm's epoch, a qualifier of its own, goes before the version as rpm
// writes it (1:3.2.1-2.fc40), so a change of epoch alone is a change.
func osPackage(purl string) (OSPackage, bool) {
	rest, ok := strings.CutPrefix(purl, "pkg:")
	if !ok {
		return OSPackage{}, false
	}
	rest, _, _ = strings.Cut(rest, "#")
	rest, query, _ := strings.Cut(rest, "?")
	typ, path, ok := strings.Cut(rest, "/")
	if !ok || !osTypes[strings.ToLower(typ)] {
		return OSPackage{}, false
	}
	path, version, ok := strings.Cut(path, "@")
	if !ok {
		return OSPackage{}, false
	}
	name := path[strings.LastIndexByte(path, '/')+1:]
	pkg := OSPackage{Type: strings.ToLower(typ)}
	var err error
	if pkg.Name, err = url.PathUnescape(name); err != nil {
		return OSPackage{}, false
	}
	if pkg.Version, err = url.PathUnescape(version); err != nil {
		return OSPackage{}, false
	}
	if q, err := url.ParseQuery(query); err == nil {
		pkg.Arch = q.Get("arch")
		if e := q.Get("epoch"); e != "" && e != "0" {
			pkg.Version = e + ":" + pkg.Version
		}
	}
	return pkg, pkg.Name != "" && pkg.Version != ""
}

// PackageChange is an OS package whose version differs between two SBOMs.
type PackageChange struct {
	Name string `json:"name"`
	Arch string `json:"arch,omitempty"`
	// From is empty for a package only the new SBOM lists, To for one only
	// the old one lists.
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
}

// String renders "name from → to".
func (c PackageChange) String() string {
	from, to := c.From, c.To
	if from == "" {
		from = "(none)"
	}
	if to == "" {
		to = "(removed)"
	}
	return c.Name + " " + from + " → " + to
}

// DiffOSPackages lists the OS packages whose version differs between two
// SBOMs of an image, sorted by name.
func DiffOSPackages(before, after SBOM) ([]PackageChange, error) {
	old, err := before.OSPackages()
	if err != nil {
		return nil, err
	}
	cur, err := after.OSPackages()
	if err != nil {
		return nil, err
	}
	var out []PackageChange
	for k, p := range cur {
		if o, ok := old[k]; !ok || o.Version != p.Version {
			out = append(out, PackageChange{Name: p.Name, Arch: p.Arch, From: old[k].Version, To: p.Version})
		}
	}
	for k, o := range old {
		if _, ok := cur[k]; !ok {
			out = append(out, PackageChange{Name: o.Name, Arch: o.Arch, From: o.Version})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].Arch < out[j].Arch
	})
	return out, nil
}
