// Package publish writes a built image and its tag set to one or more
// repositories in the order that keeps every reader safe:
//
//  1. check every tag first: an immutable tag that holds other content is
//     refused before anything is written;
//  2. push the content once per repository, by digest (blobs the registry
//     already has are not uploaded again);
//  3. write the exact and dated tags;
//  4. attach the attestations;
//  5. move the floating tags (line, major, aliases, edge) last.
//
// A failure at any step leaves no floating tag pointing at an image without
// its attestations, and running the same publish again finishes the job:
// every step first looks at what is already there and writes only what is
// missing.
package publish

import (
	"context"
	"errors"
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/patchline/patchline/pipeline/build"
	"github.com/patchline/patchline/pipeline/plan"
	"github.com/patchline/patchline/pipeline/policy"
	"github.com/patchline/patchline/pipeline/registry"
	"github.com/patchline/patchline/pipeline/version"
)

var (
	// ErrImmutable is returned when an immutable tag already holds other
	// content. Nothing is written when it is returned.
	ErrImmutable = errors.New("immutable tag already exists with other content")
)

// Registry is what publishing needs from a registry client; *registry.Client
// implements it.
type Registry interface {
	Resolve(ctx context.Context, ref string) (registry.Descriptor, error)
	Inspect(ctx context.Context, ref string) (*registry.Manifest, error)
	PushIndex(ctx context.Context, ref string, idx v1.ImageIndex) (*registry.Manifest, error)
	Tag(ctx context.Context, repo, tag string, m *registry.Manifest) error
}

// AttachFunc attaches attestations to the content pushed to repo and
// returns the digests of what it attached. It must be idempotent.
type AttachFunc func(ctx context.Context, repo string, m *registry.Manifest) ([]string, error)

// Request is one publish.
type Request struct {
	// Repositories get the same content and tags; the first is primary.
	Repositories []string
	// Index is the image to publish.
	Index v1.ImageIndex
	// Plan names the tags, in order.
	Plan *plan.Plan
	// Attach, when set, runs between the immutable and the floating tags.
	Attach AttachFunc
	// AllowOlder lets floating tags move to an image whose version is older
	// than the one they point at now (rollback). Without it, a floating tag
	// that already points at a newer version is left alone, so two releases
	// running at once cannot move a tag backwards.
	AllowOlder bool
}

// Action says what happened to a tag.
type Action string

// Tag actions.
const (
	Created   Action = "created"
	Moved     Action = "moved"
	Unchanged Action = "unchanged"
	Skipped   Action = "skipped"
)

// TagResult is one tag in one repository.
type TagResult struct {
	Name      string      `json:"name"`
	Role      policy.Role `json:"role"`
	Immutable bool        `json:"immutable"`
	Action    Action      `json:"action"`
	Digest    string      `json:"digest"`
	Previous  string      `json:"previous,omitempty"`
	Reason    string      `json:"reason,omitempty"`
}

// RepoResult is what one repository got.
type RepoResult struct {
	Repository   string      `json:"repository"`
	Pushed       bool        `json:"pushed"`
	Tags         []TagResult `json:"tags"`
	Attestations []string    `json:"attestations,omitempty"`
}

// Result is the outcome of a publish.
type Result struct {
	Digest       string       `json:"digest"`
	Repositories []RepoResult `json:"repositories"`
}

type repoState struct {
	repo     string
	manifest *registry.Manifest
	current  map[string]string // tag -> digest now ("" when missing)
	result   *RepoResult
}

// Publish writes req.Index and req.Plan's tags. See the package comment for
// the order and the guarantees.
func Publish(ctx context.Context, reg Registry, req Request) (*Result, error) {
	if len(req.Repositories) == 0 {
		return nil, errors.New("no repository to publish to")
	}
	d, err := req.Index.Digest()
	if err != nil {
		return nil, err
	}
	digest := d.String()
	res := &Result{Digest: digest}
	states := make([]*repoState, len(req.Repositories))

	// 1. Look before writing anything.
	for i, repo := range req.Repositories {
		st := &repoState{repo: repo, current: map[string]string{}, result: &RepoResult{Repository: repo}}
		states[i] = st
		for _, t := range req.Plan.Tags {
			cur, err := currentDigest(ctx, reg, repo+":"+t.Name)
			if err != nil {
				return nil, err
			}
			st.current[t.Name] = cur
			if t.Immutable && cur != "" && cur != digest {
				return nil, fmt.Errorf("%w: %s:%s points at %s and this build is %s; %s tags are immutable in %s, so nothing was written. Publish a new version, or delete the tag by hand if it was pushed by mistake",
					ErrImmutable, repo, t.Name, cur, digest, t.Role, req.Plan.Policy)
			}
		}
	}

	// 2. Content, once per repository.
	for _, st := range states {
		m, pushed, err := pushContent(ctx, reg, st.repo, req.Index, digest)
		if err != nil {
			return nil, err
		}
		st.manifest, st.result.Pushed = m, pushed
	}

	// 3. Exact and dated tags.
	for _, st := range states {
		for _, t := range req.Plan.Fixed() {
			if err := writeTag(ctx, reg, st, t, digest); err != nil {
				return nil, err
			}
		}
	}

	// 4. Attestations.
	if req.Attach != nil {
		for _, st := range states {
			atts, err := req.Attach(ctx, st.repo, st.manifest)
			if err != nil {
				return nil, fmt.Errorf("attaching attestations in %s (floating tags were not moved; run again to finish): %w", st.repo, err)
			}
			st.result.Attestations = atts
		}
	}

	// 5. Floating tags, last.
	var ours version.Version
	if req.Plan.Version != "" {
		ours, _ = version.Parse(req.Plan.Version)
	}
	for _, st := range states {
		for _, t := range req.Plan.Floating() {
			if cur := st.current[t.Name]; cur != "" && cur != digest && !req.AllowOlder && !ours.IsZero() {
				newer, why, err := pointsAtNewer(ctx, reg, st.repo, t, ours)
				if err != nil {
					return nil, err
				}
				if newer {
					st.result.Tags = append(st.result.Tags, TagResult{Name: t.Name, Role: t.Role, Action: Skipped, Digest: cur, Reason: why})
					continue
				}
			}
			if err := writeTag(ctx, reg, st, t, digest); err != nil {
				return nil, err
			}
		}
	}
	for _, st := range states {
		res.Repositories = append(res.Repositories, *st.result)
	}
	return res, nil
}

// currentDigest returns the digest a reference points at, or "" when the
// tag does not exist.
func currentDigest(ctx context.Context, reg Registry, ref string) (string, error) {
	desc, err := reg.Resolve(ctx, ref)
	switch {
	case errors.Is(err, registry.ErrNotFound):
		return "", nil
	case err != nil:
		return "", err
	}
	return desc.Digest.String(), nil
}

func pushContent(ctx context.Context, reg Registry, repo string, idx v1.ImageIndex, digest string) (*registry.Manifest, bool, error) {
	ref := repo + "@" + digest
	if cur, err := currentDigest(ctx, reg, ref); err != nil {
		return nil, false, err
	} else if cur == digest {
		m, err := reg.Inspect(ctx, ref)
		return m, false, err
	}
	m, err := reg.PushIndex(ctx, ref, idx)
	if err != nil {
		return nil, false, fmt.Errorf("pushing %s (no tag was written; run again to finish): %w", ref, err)
	}
	return m, true, nil
}

func writeTag(ctx context.Context, reg Registry, st *repoState, t plan.Tag, digest string) error {
	cur := st.current[t.Name]
	r := TagResult{Name: t.Name, Role: t.Role, Immutable: t.Immutable, Digest: digest, Previous: cur}
	switch {
	case cur == digest:
		r.Action, r.Previous = Unchanged, ""
	default:
		if err := reg.Tag(ctx, st.repo, t.Name, st.manifest); err != nil {
			return fmt.Errorf("writing tag %s:%s: %w", st.repo, t.Name, err)
		}
		r.Action = Created
		if cur != "" {
			r.Action = Moved
		}
		st.current[t.Name] = digest
	}
	st.result.Tags = append(st.result.Tags, r)
	return nil
}

// pointsAtNewer reports whether a floating tag already points at a newer
// version than ours, reading the version annotation of its image (one GET).
func pointsAtNewer(ctx context.Context, reg Registry, repo string, t plan.Tag, ours version.Version) (bool, string, error) {
	m, err := reg.Inspect(ctx, repo+":"+t.Name)
	if err != nil {
		if errors.Is(err, registry.ErrNotFound) {
			return false, "", nil
		}
		return false, "", err
	}
	theirs, err := version.Parse(m.Annotations[build.AnnotationVersion])
	if err != nil {
		return false, "", nil
	}
	if theirs.Compare(ours) > 0 {
		return true, fmt.Sprintf("%s already points at %s, newer than %s", t.Name, theirs, ours), nil
	}
	return false, "", nil
}
