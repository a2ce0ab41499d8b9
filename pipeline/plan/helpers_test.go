package plan

import "github.com/patchline/patchline/pipeline/version"

func mustReleases(tags []string) []version.Version {
	return version.FromTags(tags, nil).Releases
}
