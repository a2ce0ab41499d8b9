package watch

import (
	"errors"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/patchline/patchline/pipeline/build"
	"github.com/patchline/patchline/pipeline/dockerfile"
	"github.com/patchline/patchline/pipeline/policy"
)

func digest(c string) string { return "sha256:" + strings.Repeat(c, 64) }

var inputs = []Input{
	{Ref: "docker.io/library/node:22", Digest: digest("3"), Role: dockerfile.RoleBuilder, Stages: []string{"assets"}},
	{Ref: "docker.io/library/golang:1.26", Digest: digest("2"), Role: dockerfile.RoleContent, Stages: []string{"build"}},
	{Ref: "gcr.io/distroless/static-debian12:latest", Digest: digest("1"), Role: dockerfile.RoleFinal, Stages: []string{"2"}},
}

func TestEncodeIsStableAndDecodes(t *testing.T) {
	s, err := Encode(inputs)
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"ref":"gcr.io/distroless/static-debian12:latest","digest":"` + digest("1") + `","role":"final","stages":["2"]},` +
		`{"ref":"docker.io/library/golang:1.26","digest":"` + digest("2") + `","role":"content","stages":["build"]},` +
		`{"ref":"docker.io/library/node:22","digest":"` + digest("3") + `","role":"builder","stages":["assets"]}]`
	if s != want {
		t.Errorf("encoded:\n%s\nwant\n%s", s, want)
	}
	back, err := Decode(s)
	if err != nil || len(back) != 3 || back[0].Role != dockerfile.RoleFinal || back[2].Stages[0] != "assets" {
		t.Errorf("decoded %+v %v", back, err)
	}
	if s, err := Encode(nil); err != nil || s != "[]" {
		t.Errorf("no images: %q %v", s, err)
	}
}

func TestDecodeRefusesWhatItCannotTrust(t *testing.T) {
	for _, bad := range []string{
		`{`,
		`[{"ref":"","digest":"` + digest("1") + `","role":"final"}]`,
		`[{"ref":"a:1","digest":"sha256:abc","role":"final"}]`,
		`[{"ref":"a:1","digest":"` + digest("1") + `","role":"base"}]`,
		`[{"ref":"a:1","digest":"` + digest("1") + `","role":"content"},{"ref":"a:1","digest":"` + digest("2") + `","role":"content"}]`,
		`[{"ref":"a:1","digest":"` + digest("1") + `","role":"final"},{"ref":"b:1","digest":"` + digest("2") + `","role":"final"}]`,
	} {
		if _, err := Decode(bad); !errors.Is(err, ErrInvalidRecord) {
			t.Errorf("%s: %v", bad, err)
		}
	}
}

func TestWatches(t *testing.T) {
	for _, tt := range []struct {
		mode policy.Watch
		want string
	}{
		{policy.WatchFinal, "gcr.io/distroless/static-debian12:latest"},
		{policy.WatchContent, "docker.io/library/golang:1.26 gcr.io/distroless/static-debian12:latest"},
		{policy.WatchAll, "docker.io/library/node:22 docker.io/library/golang:1.26 gcr.io/distroless/static-debian12:latest"},
	} {
		w, other := Record{Inputs: inputs}.Watched(tt.mode)
		if got := strings.Join(refs(w), " "); got != tt.want {
			t.Errorf("%s watches %q; want %q", tt.mode, got, tt.want)
		}
		if len(w)+len(other) != len(inputs) {
			t.Errorf("%s loses images", tt.mode)
		}
	}
}

func platformDesc(p string, ann map[string]string) v1.Descriptor {
	pl, _ := v1.ParsePlatform(p)
	return v1.Descriptor{Platform: pl, Annotations: ann}
}

func TestReadFromTheIndexDescriptors(t *testing.T) {
	enc, _ := Encode(inputs)
	descs := []v1.Descriptor{
		platformDesc("linux/amd64", map[string]string{AnnotationInputs: enc, build.AnnotationBaseDigest: digest("a")}),
		platformDesc("linux/arm64", map[string]string{AnnotationInputs: enc, build.AnnotationBaseDigest: digest("b")}),
		platformDesc("unknown/unknown", map[string]string{"vnd.docker.reference.type": "attestation-manifest"}),
	}
	rec, err := Read(map[string]string{}, descs)
	if err != nil {
		t.Fatal(err)
	}
	if rec.FinalOnly || len(rec.Inputs) != 3 || rec.Platforms["linux/arm64"] != digest("b") || strings.Join(rec.Order, " ") != "linux/amd64 linux/arm64" {
		t.Errorf("record %+v", rec)
	}
	if f, ok := rec.Final(); !ok || f.Digest != digest("1") {
		t.Errorf("final %+v", f)
	}
	other, _ := Encode(inputs[1:])
	descs[1].Annotations[AnnotationInputs] = other
	if _, err := Read(nil, descs); !errors.Is(err, ErrInvalidRecord) {
		t.Errorf("platforms that disagree: %v", err)
	}
	// The index's own record wins: a rebase that carried one platform
	// over updates the index, not that platform's manifest.
	rec, err = Read(map[string]string{AnnotationInputs: other}, descs)
	if err != nil || len(rec.Inputs) != 2 {
		t.Errorf("the index's record: %+v %v", rec, err)
	}
}

func TestReadFallsBackToTheBaseAnnotations(t *testing.T) {
	ann := map[string]string{build.AnnotationBaseName: "docker.io/library/debian:bookworm-slim", build.AnnotationBaseDigest: digest("d")}
	rec, err := Read(ann, []v1.Descriptor{platformDesc("linux/amd64", nil)})
	if err != nil {
		t.Fatal(err)
	}
	if !rec.FinalOnly || len(rec.Inputs) != 1 || rec.Inputs[0].Role != dockerfile.RoleFinal || rec.Inputs[0].Digest != digest("d") {
		t.Errorf("record %+v", rec)
	}
	// Every mode watches what is known: the final base.
	if w, _ := rec.Watched(policy.WatchAll); len(w) != 1 {
		t.Errorf("watched %+v", w)
	}
	rec, err = Read(map[string]string{}, nil)
	if err != nil || !rec.FinalOnly || len(rec.Inputs) != 0 {
		t.Errorf("nothing recorded: %+v %v", rec, err)
	}
}

func TestDescribe(t *testing.T) {
	if got := inputs[1].Describe(); got != "docker.io/library/golang:1.26 (copied into the final stage, stage build)" {
		t.Errorf("%q", got)
	}
}

// refs lists the references of inputs.
func refs(inputs []Input) []string {
	out := []string{}
	for _, in := range inputs {
		out = append(out, in.Ref)
	}
	return out
}
