// Package testscan is an SBOM scanner for tests: it reads the dpkg database
// of an image (/var/lib/dpkg/status) and writes an SPDX 2.3 or CycloneDX
// 1.5 JSON document listing the packages it finds, shaped like syft's
// output. Production SBOMs come from syft in a container
// (pipeline/daggerbuild); this scanner lets the release and refresh flows
// attach real documents about real image content without an engine.
package testscan

import (
	"archive/tar"
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/patchline/patchline/pipeline/policy"
)

// Scanner scans images for dpkg packages.
type Scanner struct {
	// Created is written as the document's creation time.
	Created time.Time
	calls   atomic.Int64
}

// Calls returns how many scans were made, so tests can assert that a
// re-run did not scan again.
func (s *Scanner) Calls() int { return int(s.calls.Load()) }

// Package is one dpkg package.
type Package struct {
	Name, Version, Arch string
}

// Scan returns an SBOM of img in format, named name (as syft's
// --source-name does).
func (s *Scanner) Scan(ctx context.Context, img v1.Image, platform v1.Platform, format policy.SBOMFormat, name string) ([]byte, error) {
	s.calls.Add(1)
	pkgs, err := Packages(img)
	if err != nil {
		return nil, err
	}
	d, err := img.Digest()
	if err != nil {
		return nil, err
	}
	if name == "" {
		name = "image " + d.String() + " " + platform.String()
	}
	switch format {
	case policy.SBOMSPDX:
		return spdx(d, name, pkgs, s.Created)
	case policy.SBOMCycloneDX:
		return cyclonedx(d, name, pkgs, s.Created)
	}
	return nil, fmt.Errorf("testscan: no format %q", format)
}

// Packages lists the dpkg packages of an image's filesystem.
func Packages(img v1.Image) ([]Package, error) {
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		if strings.TrimPrefix(h.Name, "/") == "var/lib/dpkg/status" {
			return parseStatus(tr)
		}
	}
}

func parseStatus(r io.Reader) ([]Package, error) {
	var out []Package
	var cur Package
	flush := func() {
		if cur.Name != "" {
			out = append(out, cur)
		}
		cur = Package{}
	}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			flush()
			continue
		}
		k, v, ok := strings.Cut(line, ": ")
		if !ok {
			continue
		}
		switch k {
		case "Package":
			cur.Name = v
		case "Version":
			cur.Version = v
		case "Architecture":
			cur.Arch = v
		}
	}
	flush()
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, sc.Err()
}

func purl(p Package) string {
	return fmt.Sprintf("pkg:deb/debian/%s@%s?arch=%s", p.Name, p.Version, p.Arch)
}

func spdx(d v1.Hash, name string, pkgs []Package, created time.Time) ([]byte, error) {
	type ref struct {
		Category string `json:"referenceCategory"`
		Type     string `json:"referenceType"`
		Locator  string `json:"referenceLocator"`
	}
	type pkg struct {
		Name             string `json:"name"`
		SPDXID           string `json:"SPDXID"`
		VersionInfo      string `json:"versionInfo"`
		DownloadLocation string `json:"downloadLocation"`
		LicenseConcluded string `json:"licenseConcluded"`
		ExternalRefs     []ref  `json:"externalRefs"`
	}
	type rel struct {
		Element string `json:"spdxElementId"`
		Type    string `json:"relationshipType"`
		Related string `json:"relatedSpdxElement"`
	}
	doc := map[string]any{
		"spdxVersion":       "SPDX-2.3",
		"dataLicense":       "CC0-1.0",
		"SPDXID":            "SPDXRef-DOCUMENT",
		"name":              name,
		"documentNamespace": "https://patchline.invalid/testscan/" + d.Hex,
		"creationInfo": map[string]any{
			"created":  created.UTC().Format(time.RFC3339),
			"creators": []string{"Tool: patchline-testscan"},
		},
	}
	var ps []pkg
	var rels []rel
	for i, p := range pkgs {
		id := fmt.Sprintf("SPDXRef-Package-deb-%s-%d", p.Name, i)
		ps = append(ps, pkg{Name: p.Name, SPDXID: id, VersionInfo: p.Version, DownloadLocation: "NOASSERTION", LicenseConcluded: "NOASSERTION",
			ExternalRefs: []ref{{"PACKAGE-MANAGER", "purl", purl(p)}}})
		rels = append(rels, rel{"SPDXRef-DOCUMENT", "DESCRIBES", id})
	}
	doc["packages"] = ps
	doc["relationships"] = rels
	return json.MarshalIndent(doc, "", " ")
}

func cyclonedx(d v1.Hash, name string, pkgs []Package, created time.Time) ([]byte, error) {
	type comp struct {
		Type    string `json:"type"`
		Name    string `json:"name"`
		Version string `json:"version"`
		PURL    string `json:"purl"`
	}
	var cs []comp
	for _, p := range pkgs {
		cs = append(cs, comp{"library", p.Name, p.Version, purl(p)})
	}
	doc := map[string]any{
		"bomFormat":    "CycloneDX",
		"specVersion":  "1.5",
		"serialNumber": "urn:uuid:" + d.Hex[:8] + "-" + d.Hex[8:12] + "-" + d.Hex[12:16] + "-" + d.Hex[16:20] + "-" + d.Hex[20:32],
		"version":      1,
		"metadata":     map[string]any{"timestamp": created.UTC().Format(time.RFC3339), "component": map[string]any{"type": "container", "name": name}},
		"components":   cs,
	}
	return json.MarshalIndent(doc, "", " ")
}
