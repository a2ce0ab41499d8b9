package release_test

import (
	"encoding/json"
	"maps"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/patchline/patchline/pipeline/attest"
	"github.com/patchline/patchline/pipeline/build"
	"github.com/patchline/patchline/pipeline/dockerfile"
	"github.com/patchline/patchline/pipeline/internal/testing/fixture"
	"github.com/patchline/patchline/pipeline/internal/testing/regtest"
	"github.com/patchline/patchline/pipeline/release"
	"github.com/patchline/patchline/pipeline/watch"
)

// The base of a multi-platform build is one manifest per platform: each
// platform's provenance records that manifest's digest under a package URL
// for that platform, not the base index's digest.
func TestProvenanceRecordsTheBasePlatformDigest(t *testing.T) {
	e := fixture.New(t, regtest.GGCR())
	in := e.Inputs("version: 1\nattestations:\n  layouts: [index]\n")
	rep, err := release.Release(ctx, in, fixture.Version(t, "v1.6.0"), fixture.Released(in.Policy, []string{"v1.6.0"}))
	if err != nil {
		t.Fatal(err)
	}
	index := e.Digest(e.Base)
	basePlatforms := map[string]string{}
	bim, _ := e.Index(e.Base).IndexManifest()
	for _, d := range bim.Manifests {
		basePlatforms[d.Platform.String()] = d.Digest.Hex
	}
	atts, err := attest.ReadIndexAttestations(e.Index(e.Repo + ":1.6.0"))
	if err != nil {
		t.Fatal(err)
	}
	for _, pi := range rep.Platforms {
		var deps []attest.ResourceDescriptor
		for _, st := range atts[pi.Descriptor.Digest] {
			if st.PredicateType != attest.PredicateSLSAProvenanceV1 {
				continue
			}
			var p attest.ProvenancePredicate
			if err := json.Unmarshal(st.Predicate, &p); err != nil {
				t.Fatal(err)
			}
			deps = p.BuildDefinition.ResolvedDependencies
		}
		purl, err := attest.ImagePURL(e.Base, pi.Descriptor.Platform)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, d := range deps[1:] {
			if d.Digest["sha256"] == index[len("sha256:"):] {
				t.Errorf("%s provenance records the base index digest: %+v", pi.Platform, d)
			}
			if d.URI == purl {
				found = true
				if d.Digest["sha256"] != basePlatforms[pi.Platform] {
					t.Errorf("%s provenance records base %s; want the %s manifest %s", pi.Platform, d.Digest["sha256"], pi.Platform, basePlatforms[pi.Platform])
				}
			}
		}
		if !found {
			t.Errorf("%s provenance has no %s: %+v", pi.Platform, purl, deps)
		}
	}
}

// Every image the build used is recorded twice: in the inputs annotation
// that refresh reads, on each platform manifest and its index descriptor,
// and in each platform's provenance. The two agree: the same images, the
// final base by the manifest of that platform, every other image by what
// its tag resolved to.
func TestInputsAnnotationAgreesWithProvenance(t *testing.T) {
	e := fixture.New(t, regtest.GGCR())
	golang := e.Server.Ref("library/golang") + ":1.26"
	busybox := e.Server.Ref("library/busybox") + ":1.37"
	e.SeedImage(t, golang, map[string]string{"usr/local/go/VERSION": "go1.26.1\n"})
	e.SeedImage(t, busybox, map[string]string{"bin/busybox": "busybox\n"})
	e.SetDockerfile("FROM " + golang + " AS build\nCOPY app/ /src/\n" +
		"FROM " + e.Base + "\nCOPY --from=build /usr/local/go/VERSION /app/go-version\nCOPY --from=" + busybox + " /bin/busybox /bin/busybox\nCOPY app/ /app/\n")
	rep := e.Release(e.Inputs("version: 1\nattestations:\n  layouts: [index]\n"), "v1.6.0", []string{"v1.6.0"})
	idx := e.Index(e.Repo + "@" + rep.Digest)
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	atts, err := attest.ReadIndexAttestations(idx)
	if err != nil {
		t.Fatal(err)
	}
	roles := map[string]dockerfile.Role{}
	checked := 0
	for _, d := range im.Manifests {
		if d.Platform == nil || d.Platform.OS == "unknown" {
			continue
		}
		img, err := idx.Image(d.Digest)
		if err != nil {
			t.Fatal(err)
		}
		m, _ := img.Manifest()
		if m.Annotations[watch.AnnotationInputs] != d.Annotations[watch.AnnotationInputs] {
			t.Errorf("%s: the manifest and its index descriptor record different images", d.Platform)
		}
		inputs, err := watch.Decode(d.Annotations[watch.AnnotationInputs])
		if err != nil {
			t.Fatalf("%s: %v", d.Platform, err)
		}
		want := map[string]string{}
		for _, in := range inputs {
			roles[in.Ref] = in.Role
			var p *v1.Platform
			digest := in.Digest
			if in.Role == dockerfile.RoleFinal {
				p, digest = d.Platform, d.Annotations[build.AnnotationBaseDigest]
			}
			purl, err := attest.ImagePURL(in.Ref, p)
			if err != nil {
				t.Fatal(err)
			}
			want[purl] = digest
			if in.Digest != e.Digest(in.Ref) {
				t.Errorf("%s records %s at %s; a HEAD of it returns %s", d.Platform, in.Ref, in.Digest, e.Digest(in.Ref))
			}
		}
		got := map[string]string{}
		for _, st := range atts[d.Digest] {
			if st.PredicateType != attest.PredicateSLSAProvenanceV1 {
				continue
			}
			var pred attest.ProvenancePredicate
			if err := json.Unmarshal(st.Predicate, &pred); err != nil {
				t.Fatal(err)
			}
			for _, dep := range pred.BuildDefinition.ResolvedDependencies {
				if strings.HasPrefix(dep.URI, "pkg:docker/") {
					got[dep.URI] = "sha256:" + dep.Digest["sha256"]
				}
			}
		}
		if !maps.Equal(got, want) {
			t.Errorf("%s: provenance lists %v; the inputs annotation %v", d.Platform, got, want)
		}
		checked++
	}
	if checked != 2 {
		t.Fatalf("checked %d platforms", checked)
	}
	wantRoles := map[string]dockerfile.Role{e.Base: dockerfile.RoleFinal, golang: dockerfile.RoleContent, busybox: dockerfile.RoleContent}
	if !maps.Equal(roles, wantRoles) {
		t.Errorf("roles %v; want %v", roles, wantRoles)
	}
}
