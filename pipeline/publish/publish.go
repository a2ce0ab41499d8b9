// Package publish writes a built image and its tag set to one or more
// repositories in the order that keeps every reader safe:
//
//  1. check every tag first: an immutable tag that holds other content is
//     refused before anything is written;
//  2. push the content once per repository, by digest (blobs the registry
//     already has are not uploaded again);
//  3. write the immutable tags (an immutable exact tag, dated tags), then
//     read them back;
//  4. attach the attestations;
//  5. move the tags that may move (line, major, aliases, edge, and an exact
//     tag the policy lets refreshes move) last, then read them back.
//
// A failure at any step leaves no floating tag pointing at an image without
// its attestations, and running the same publish again finishes the job:
// every step first looks at what is already there and writes only what is
// missing.
//
// OCI registries have no conditional write: two runs that both find a tag
// free can both write it, and the last write wins. Publishing is built for
// that. Just before an immutable tag is written it is looked at again, and
// after every write the tags are read back (after a short random pause, so
// that a concurrent writer's request in flight has landed). An immutable
// tag that then holds another image is a lost race: Publish stops before
// any floating tag moves and returns a *RaceError, and the caller either
// finishes the other run's image (the same build) or takes the next dated
// suffix. A floating tag that another run moved in the meantime goes to the
// newer of the two builds, by the same rule in both runs, so the two
// converge instead of leaving a mixed set.
package publish

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/patchline/patchline/pipeline/internal/wait"
	"github.com/patchline/patchline/pipeline/plan"
	"github.com/patchline/patchline/pipeline/policy"
	"github.com/patchline/patchline/pipeline/registry"
)

// DefaultSettle is the longest pause before tags just written are read
// back, when Request.Settle is zero. It must outlast a concurrent run's
// check-then-write of one tag (two requests).
const DefaultSettle = time.Second

// maxSettleRounds bounds how often floating tags that another run keeps
// moving are written again before Publish gives up with ErrUnsettled.
const maxSettleRounds = 4

var (
	// ErrImmutable is returned when an immutable tag already holds other
	// content: by Publish, and by a release that finds its exact tag on a
	// build of another revision. Nothing is written when it is returned.
	ErrImmutable = errors.New("immutable tag already exists with other content")
	// ErrLostRace is wrapped by a *RaceError: another run wrote an
	// immutable tag of this plan with its own image at the same time.
	ErrLostRace = errors.New("another run published the same tag at the same time")
	// ErrUnsettled is returned when floating tags kept changing under
	// other runs for every read-back; the next run sets them right.
	ErrUnsettled = errors.New("floating tags kept changing under concurrent runs")
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
// returns the digests of what it attached. It must be idempotent, and it
// must return only once every attestation is listed where readers look
// for it.
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
	// that already points at a newer build is left alone, so two runs at
	// once cannot move a tag backwards (see order.newer).
	AllowOlder bool
	// Settle is the longest pause before written tags are read back; each
	// pause is drawn between half of it and all of it. Zero means
	// DefaultSettle; a negative value reads back at once (tests).
	Settle time.Duration
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

// LostTag is an immutable tag that holds another run's image.
type LostTag struct {
	Repository string `json:"repository"`
	Tag        string `json:"tag"`
	// Theirs is the digest the tag holds.
	Theirs string `json:"theirs"`
}

// RaceError says which immutable tags another run wrote first. No floating
// tag was moved to this run's image.
type RaceError struct {
	// Digest is this run's image.
	Digest string
	Lost   []LostTag
}

func (e *RaceError) Error() string {
	var parts []string
	for _, l := range e.Lost {
		parts = append(parts, fmt.Sprintf("%s:%s holds %s", l.Repository, l.Tag, l.Theirs))
	}
	return fmt.Sprintf("%s: %s, not this run's %s; no floating tag was moved to it", ErrLostRace, strings.Join(parts, ", "), e.Digest)
}

// Unwrap returns ErrLostRace.
func (e *RaceError) Unwrap() error { return ErrLostRace }

type repoState struct {
	repo     string
	manifest *registry.Manifest
	current  map[string]string // tag -> digest now ("" when missing)
	result   *RepoResult
}

// publisher holds one Publish call.
type publisher struct {
	reg    Registry
	req    Request
	digest string
	ours   map[string]string // the index's annotations
	self   order             // the index's build order, read once
	states []*repoState
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
	im, err := req.Index.IndexManifest()
	if err != nil {
		return nil, err
	}
	p := &publisher{reg: reg, req: req, digest: d.String(), ours: im.Annotations, self: orderOf(im.Annotations, d.String())}
	if err := p.look(ctx); err != nil {
		return nil, err
	}
	for _, st := range p.states {
		m, pushed, err := pushContent(ctx, reg, st.repo, req.Index, p.digest)
		if err != nil {
			return nil, err
		}
		st.manifest, st.result.Pushed = m, pushed
	}
	if err := p.fixed(ctx); err != nil {
		return nil, err
	}
	if req.Attach != nil {
		for _, st := range p.states {
			atts, err := req.Attach(ctx, st.repo, st.manifest)
			if err != nil {
				return nil, fmt.Errorf("attaching attestations in %s (floating tags were not moved; run again to finish): %w", st.repo, err)
			}
			st.result.Attestations = atts
		}
	}
	// The immutable tags once more, right before anything floats: a run
	// that overwrote one while this one attested has won it.
	if err := p.checkFixed(ctx); err != nil {
		return nil, err
	}
	if err := p.floating(ctx); err != nil {
		return nil, err
	}
	res := &Result{Digest: p.digest}
	for _, st := range p.states {
		res.Repositories = append(res.Repositories, *st.result)
	}
	return res, nil
}

// look reads every tag of the plan in every repository before anything is
// written, and refuses an immutable tag that holds other content.
func (p *publisher) look(ctx context.Context) error {
	for _, repo := range p.req.Repositories {
		st := &repoState{repo: repo, current: map[string]string{}, result: &RepoResult{Repository: repo}}
		p.states = append(p.states, st)
		for _, t := range p.req.Plan.Tags {
			cur, err := currentDigest(ctx, p.reg, repo+":"+t.Name)
			if err != nil {
				return err
			}
			st.current[t.Name] = cur
			if t.Immutable && cur != "" && cur != p.digest && !t.Exists {
				// Free when the plan was made, taken now: another run
				// wrote it in between.
				return &RaceError{Digest: p.digest, Lost: []LostTag{{Repository: repo, Tag: t.Name, Theirs: cur}}}
			}
			if t.Immutable && cur != "" && cur != p.digest {
				return fmt.Errorf("%w: %s:%s points at %s and this build is %s; %s tags are immutable in %s, so nothing was written. Publish a new version, or delete the tag by hand if it was pushed by mistake",
					ErrImmutable, repo, t.Name, cur, p.digest, t.Role, p.req.Plan.Policy)
			}
		}
	}
	return nil
}

// fixed writes the immutable tags and reads them back. Each is looked at
// again just before its write: the look at the start was before the
// content push, long enough ago for another run to have taken the tag.
func (p *publisher) fixed(ctx context.Context) error {
	wrote := false
	for _, st := range p.states {
		for _, t := range p.req.Plan.Fixed() {
			r := TagResult{Name: t.Name, Role: t.Role, Immutable: true, Digest: p.digest}
			cur := st.current[t.Name]
			if cur != p.digest {
				// A random pause first, so that two runs that reach
				// this point together do not look in step.
				if err := p.pause(ctx, 0); err != nil {
					return err
				}
				var err error
				if cur, err = currentDigest(ctx, p.reg, st.repo+":"+t.Name); err != nil {
					return err
				}
			}
			switch cur {
			case p.digest:
				r.Action = Unchanged
			case "":
				if err := p.reg.Tag(ctx, st.repo, t.Name, st.manifest); err != nil {
					return fmt.Errorf("writing tag %s:%s: %w", st.repo, t.Name, err)
				}
				r.Action, wrote = Created, true
			default:
				// Lost: write nothing more, in this repository or the
				// next. Every run writes the repositories in the same
				// order, so the run that won this tag here is the one
				// that goes on to the mirrors, and they end on one image.
				return &RaceError{Digest: p.digest, Lost: []LostTag{{Repository: st.repo, Tag: t.Name, Theirs: cur}}}
			}
			st.current[t.Name] = p.digest
			st.result.Tags = append(st.result.Tags, r)
		}
	}
	if !wrote {
		return nil
	}
	if err := p.pause(ctx, 0.5); err != nil {
		return err
	}
	return p.checkFixed(ctx)
}

// checkFixed reads every immutable tag of the plan back and returns a
// *RaceError when one holds another image.
func (p *publisher) checkFixed(ctx context.Context) error {
	var lost []LostTag
	for _, st := range p.states {
		for _, t := range p.req.Plan.Fixed() {
			cur, err := currentDigest(ctx, p.reg, st.repo+":"+t.Name)
			if err != nil {
				return err
			}
			if cur != p.digest {
				lost = append(lost, LostTag{Repository: st.repo, Tag: t.Name, Theirs: cur})
			}
		}
	}
	if len(lost) > 0 {
		return &RaceError{Digest: p.digest, Lost: lost}
	}
	return nil
}

// floating moves the tags that may move, then reads them back until they
// hold still.
func (p *publisher) floating(ctx context.Context) error {
	type held struct {
		st  *repoState
		tag plan.Tag
		at  int // index in st.result.Tags
	}
	var ours []held
	wrote := false
	for _, st := range p.states {
		for _, t := range p.req.Plan.Floating() {
			r := TagResult{Name: t.Name, Role: t.Role, Digest: p.digest}
			cur := st.current[t.Name]
			if cur != p.digest && !p.req.AllowOlder && p.req.Plan.Version != "" {
				// Look again: the look at the start was before the push
				// and the attestations, long enough ago for another run
				// to have written a newer build here.
				var err error
				if cur, err = currentDigest(ctx, p.reg, st.repo+":"+t.Name); err != nil {
					return err
				}
				st.current[t.Name] = cur
			}
			if cur != "" && cur != p.digest && !p.req.AllowOlder && p.req.Plan.Version != "" {
				keep, why, err := p.keep(ctx, st.repo, t.Name)
				if err != nil {
					return err
				}
				if keep {
					r.Action, r.Digest, r.Reason = Skipped, cur, why
					st.result.Tags = append(st.result.Tags, r)
					continue
				}
			}
			switch cur {
			case p.digest:
				r.Action = Unchanged
			default:
				if err := p.reg.Tag(ctx, st.repo, t.Name, st.manifest); err != nil {
					return fmt.Errorf("writing tag %s:%s: %w", st.repo, t.Name, err)
				}
				r.Action, r.Previous, wrote = Created, cur, true
				if cur != "" {
					r.Action = Moved
				}
				st.current[t.Name] = p.digest
			}
			ours = append(ours, held{st: st, tag: t, at: len(st.result.Tags)})
			st.result.Tags = append(st.result.Tags, r)
		}
	}
	if !wrote {
		return nil
	}
	theirs := map[string]*registry.Manifest{}
	for round := 1; ; round++ {
		if err := p.pause(ctx, 0.5); err != nil {
			return err
		}
		var moved []held
		var names []string
		for _, h := range ours {
			cur, err := currentDigest(ctx, p.reg, h.st.repo+":"+h.tag.Name)
			if err != nil {
				return err
			}
			if cur == p.digest {
				continue
			}
			if cur != "" {
				m, ok := theirs[cur]
				if !ok {
					if m, err = p.reg.Inspect(ctx, h.st.repo+"@"+cur); err != nil {
						return err
					}
					theirs[cur] = m
				}
				if orderOf(m.Annotations, m.Digest.String()).newer(p.self) {
					r := &h.st.result.Tags[h.at]
					r.Action, r.Digest = Skipped, cur
					r.Reason = fmt.Sprintf("another run moved %s to %s (%s), a newer build than this one", h.tag.Name, cur, describe(m.Annotations))
					continue
				}
			}
			moved = append(moved, h)
			names = append(names, h.st.repo+":"+h.tag.Name)
		}
		if len(moved) == 0 {
			return nil
		}
		if round == maxSettleRounds {
			return fmt.Errorf("%w: %s still do not point at %s after %d writes; run again to set them", ErrUnsettled, strings.Join(names, ", "), p.digest, round)
		}
		ours = moved
		for _, h := range moved {
			if err := p.reg.Tag(ctx, h.st.repo, h.tag.Name, h.st.manifest); err != nil {
				return fmt.Errorf("writing tag %s:%s: %w", h.st.repo, h.tag.Name, err)
			}
		}
	}
}

// keep reports whether a floating tag that holds another image stays
// there: see order.newer. A release also leaves a tag that holds another build of
// the same version it cannot order (images from before build times were
// recorded); a refresh replaces it, since a refresh publishes the line's
// newest build.
func (p *publisher) keep(ctx context.Context, repo, tag string) (bool, string, error) {
	m, err := p.reg.Inspect(ctx, repo+":"+tag)
	if err != nil {
		if errors.Is(err, registry.ErrNotFound) {
			return false, "", nil
		}
		return false, "", err
	}
	switch c := p.self.compare(orderOf(m.Annotations, "")); {
	case c < 0:
		return true, fmt.Sprintf("%s already points at %s (%s), a newer build than this one (%s)", tag, m.Digest, describe(m.Annotations), describe(p.ours)), nil
	case c == 0 && p.req.Plan.Kind != plan.KindRefresh:
		return true, fmt.Sprintf("%s already points at %s, another build of %s; a release does not replace it", tag, m.Digest, describe(m.Annotations)), nil
	}
	return false, "", nil
}

// pause waits a random time between from and the settle time.
func (p *publisher) pause(ctx context.Context, from float64) error {
	s := p.req.Settle
	switch {
	case s < 0:
		return ctx.Err()
	case s == 0:
		s = DefaultSettle
	}
	return wait.Between(ctx, time.Duration(float64(s)*from), s)
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
