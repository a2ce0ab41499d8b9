package main

import (
	"context"
	"fmt"
	"strings"

	"dagger/patchline/internal/dagger"

	"github.com/patchline/patchline/pipeline/app"
)

// policySource reads policy files from the source directory.
func policySource(ctx context.Context, source *dagger.Directory, preset, file string) app.PolicySource {
	return app.PolicySource{
		Preset: preset,
		File:   file,
		Read: func(path string) ([]byte, bool, error) {
			ok, err := source.Exists(ctx, path)
			if err != nil || !ok {
				return nil, false, err
			}
			s, err := source.File(path).Contents(ctx)
			if err != nil {
				return nil, false, fmt.Errorf("reading %s from the source directory: %w", path, err)
			}
			return []byte(s), true, nil
		},
	}
}

// gitTags lists the tags of the source repository.
func gitTags(ctx context.Context, repo *dagger.GitRepository) ([]string, error) {
	if repo == nil {
		return nil, nil
	}
	tags, err := repo.Tags(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing git tags of the source repository: %w", err)
	}
	for i, t := range tags {
		tags[i] = strings.TrimPrefix(t, "refs/tags/")
	}
	return tags, nil
}
