package plan

import (
	"testing"

	"github.com/patchline/patchline/pipeline/policy"
	"github.com/patchline/patchline/pipeline/version"
)

func mustReleases(tags []string) []version.Version {
	return version.FromTags(tags, nil).Releases
}

// releasesOf sorts tags into releases as the commands do, with p's dated
// tags left out.
func releasesOf(p *policy.Policy, tags []string) version.Set {
	return version.FromTags(tags, p.IsDatedTag)
}

func mustVersion(t *testing.T, s string) version.Version {
	t.Helper()
	v, err := version.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
