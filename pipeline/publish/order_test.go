package publish

import (
	"testing"

	"github.com/patchline/patchline/pipeline/build"
)

func TestNewer(t *testing.T) {
	img := func(v, built string) map[string]string {
		m := map[string]string{}
		if v != "" {
			m[build.AnnotationVersion] = v
		}
		if built != "" {
			m[build.AnnotationBuilt] = built
		}
		return m
	}
	const early, late = "2026-02-04T09:00:00Z", "2026-02-11T09:00:00.5Z"
	tests := []struct {
		name string
		a, b map[string]string
		want int // CompareBuilds(a, b)
	}{
		{"higher version", img("1.7.0", early), img("1.6.9", late), 1},
		{"no version is oldest", img("", late), img("0.0.1", early), -1},
		{"a refresh of a version is newer than its release", img("0.3.1", late), img("0.3.1", early), 1},
		{"a recorded build time beats none", img("0.3.1", early), img("0.3.1", ""), 1},
		{"nothing tells", img("0.3.1", ""), img("0.3.1", ""), 0},
		{"the same moment", img("0.3.1", late), img("0.3.1", late), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CompareBuilds(tt.a, tt.b); got != tt.want {
				t.Errorf("CompareBuilds = %d, want %d", got, tt.want)
			}
			if got := CompareBuilds(tt.b, tt.a); got != -tt.want {
				t.Errorf("CompareBuilds reversed = %d, want %d", got, -tt.want)
			}
			// newer is a strict order both runs agree on: exactly one of
			// two different images is newer.
			a, b := orderOf(tt.a, "sha256:a"), orderOf(tt.b, "sha256:b")
			if a.newer(b) == b.newer(a) {
				t.Errorf("newer does not decide between the two")
			}
		})
	}
}
