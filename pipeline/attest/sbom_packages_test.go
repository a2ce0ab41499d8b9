package attest

import (
	"context"
	"strings"
	"testing"
)

func TestOSPackagesFromBothFormats(t *testing.T) {
	spdx, err := testSBOM(t, SPDXJSON).OSPackages()
	if err != nil {
		t.Fatal(err)
	}
	// The image itself (pkg:oci) is not an OS package.
	if len(spdx) != 4 || spdx["deb/base-files/amd64"].Version != "12.4+deb12u11" || spdx["deb/tzdata/all"].Name != "tzdata" {
		t.Errorf("SPDX: %+v", spdx)
	}
	cdx, err := testSBOM(t, CycloneDXJSON).OSPackages()
	if err != nil {
		t.Fatal(err)
	}
	for k, p := range cdx {
		if spdx[k] != p {
			t.Errorf("CycloneDX lists %+v, SPDX %+v", p, spdx[k])
		}
	}
	if len(cdx) == 0 {
		t.Error("no OS package in the CycloneDX document")
	}
}

func TestDiffOSPackages(t *testing.T) {
	before := testSBOM(t, SPDXJSON)
	doc := strings.Replace(string(before.Document), "tzdata@2025b-0%2Bdeb12u1", "tzdata@2025c-0%2Bdeb12u1", 1)
	doc = strings.Replace(doc, "pkg:deb/debian/ca-certificates@", "pkg:npm/ca-certificates@", 1)
	after, err := ParseSBOM(SPDXJSON, []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	changes, err := DiffOSPackages(before, after)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range changes {
		got = append(got, c.String())
	}
	if strings.Join(got, "; ") != "ca-certificates 20230311+deb12u1 → (removed); tzdata 2025b-0+deb12u1 → 2025c-0+deb12u1" {
		t.Errorf("changes: %q", got)
	}
	if same, _ := DiffOSPackages(before, before); len(same) != 0 {
		t.Errorf("an SBOM differs from itself: %+v", same)
	}
}

func TestReadAttachedSBOM(t *testing.T) {
	for _, kind := range registryKinds {
		t.Run(kind.name, func(t *testing.T) {
			f := newFixture(t, kind, nil)
			amd64 := f.plats[0]
			if _, ok, err := f.refs.SBOM(context.Background(), f.repo, amd64.Digest, SPDXJSON); ok || err != nil {
				t.Fatalf("an image with no SBOM: %v %v", ok, err)
			}
			for _, a := range artifacts(t, purlSubject(t, "ghcr.io/acme/app:1.6.0", amd64)) {
				f.attach(t, amd64, a, created)
			}
			s, ok, err := f.refs.SBOM(context.Background(), f.repo, amd64.Digest, SPDXJSON)
			if err != nil || !ok || string(s.Document) != string(testSBOM(t, SPDXJSON).Document) {
				t.Fatalf("read back %v %v %.80s", ok, err, s.Document)
			}
			if _, ok, _ := f.refs.SBOM(context.Background(), f.repo, f.plats[1].Digest, CycloneDXJSON); ok {
				t.Error("arm64 has no SBOM")
			}
		})
	}
}

// rpm packages: the epoch qualifier is part of the version, and a package
// installed in several versions (install-only kernels) keeps them all.
func TestOSPackagesOfRPMs(t *testing.T) {
	doc := func(purls ...string) SBOM {
		var comps []string
		for _, p := range purls {
			comps = append(comps, `{"type":"library","name":"x","purl":"`+p+`"}`)
		}
		s, err := ParseSBOM(CycloneDXJSON, []byte(`{"bomFormat":"CycloneDX","specVersion":"1.6","components":[`+strings.Join(comps, ",")+`]}`))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := doc("pkg:rpm/fedora/openssl-libs@3.2.1-2.fc40?arch=x86_64&epoch=1",
		"pkg:rpm/fedora/kernel-core@6.11.4-301.fc41?arch=x86_64", "pkg:rpm/fedora/kernel-core@6.11.3-300.fc41?arch=x86_64")
	pkgs, err := before.OSPackages()
	if err != nil {
		t.Fatal(err)
	}
	if v := pkgs["rpm/openssl-libs/x86_64"].Version; v != "1:3.2.1-2.fc40" {
		t.Errorf("openssl-libs %q; want the epoch before the version", v)
	}
	if v := pkgs["rpm/kernel-core/x86_64"].Version; v != "6.11.3-300.fc41, 6.11.4-301.fc41" {
		t.Errorf("kernel-core %q; want both versions", v)
	}
	after := doc("pkg:rpm/fedora/openssl-libs@3.2.1-2.fc40?arch=x86_64&epoch=2",
		"pkg:rpm/fedora/kernel-core@6.11.4-301.fc41?arch=x86_64", "pkg:rpm/fedora/kernel-core@6.11.5-302.fc41?arch=x86_64")
	changes, err := DiffOSPackages(before, after)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range changes {
		got = append(got, c.String())
	}
	want := "kernel-core 6.11.3-300.fc41, 6.11.4-301.fc41 → 6.11.4-301.fc41, 6.11.5-302.fc41; openssl-libs 1:3.2.1-2.fc40 → 2:3.2.1-2.fc40"
	if strings.Join(got, "; ") != want {
		t.Errorf("changes %q; want %q", strings.Join(got, "; "), want)
	}
}
