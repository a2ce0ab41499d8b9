package rollback_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/patchline/patchline/pipeline/build"
	"github.com/patchline/patchline/pipeline/internal/testing/fixture"
	"github.com/patchline/patchline/pipeline/internal/testing/regtest"
	"github.com/patchline/patchline/pipeline/internal/testing/sigstoretest"
	"github.com/patchline/patchline/pipeline/refresh"
	"github.com/patchline/patchline/pipeline/release"
	"github.com/patchline/patchline/pipeline/rollback"
	"github.com/patchline/patchline/pipeline/signing"
)

var ctx = context.Background()

var tags = []string{"v1.5.3", "v1.6.2"}

// refreshed releases two lines, then refreshes them a week later on a new
// base, so each line has two dated builds to choose from.
func refreshed(t *testing.T, policy string) (*fixture.Env, release.Inputs) {
	e := fixture.New(t, regtest.GGCRNoReferrers())
	for _, tag := range tags {
		e.Release(e.Inputs(policy), tag, tags)
	}
	in := e.Inputs(policy)
	in.Date = fixture.Day.AddDate(0, 0, 7)
	in.Clock = func() time.Time { return in.Date }
	e.PushBase(t, "2")
	if _, err := refresh.Run(ctx, refresh.Request{Inputs: in, Released: fixture.Released(in.Policy, tags), SourceFor: e.Source}); err != nil {
		t.Fatal(err)
	}
	return e, in
}

func TestRollbackMovesTheLineBack(t *testing.T) {
	e, in := refreshed(t, "weekly-refresh")
	releaseBuild := e.Digest(e.Repo + ":1.6.2-20260204")
	refreshBuild := e.Digest(e.Repo + ":1.6.2-20260211")
	if releaseBuild == refreshBuild || e.Digest(e.Repo+":latest") != refreshBuild {
		t.Fatalf("setup: release %s refresh %s latest %s", releaseBuild, refreshBuild, e.Digest(e.Repo+":latest"))
	}
	rep, err := rollback.Run(ctx, rollback.Request{Inputs: in, Released: fixture.Released(in.Policy, tags), Line: "1.6", To: "1.6.2-20260204"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tg := range []string{"1.6", "latest", "1.6.2"} {
		if e.Digest(e.Repo+":"+tg) != releaseBuild {
			t.Errorf("%s was not rolled back", tg)
		}
	}
	if e.Digest(e.Repo+":1.6.2-20260211") != refreshBuild {
		t.Errorf("a dated tag moved")
	}
	if e.Digest(e.Repo+":1.5") == releaseBuild {
		t.Errorf("another line's tag moved")
	}
	if len(rep.Tags) != 3 {
		t.Errorf("report tags %+v", rep.Tags)
	}
	// Forward again, by digest.
	if _, err := rollback.Run(ctx, rollback.Request{Inputs: in, Released: fixture.Released(in.Policy, tags), Line: "1.6", To: refreshBuild}); err != nil {
		t.Fatal(err)
	}
	if e.Digest(e.Repo+":latest") != refreshBuild {
		t.Errorf("roll forward by digest did not move latest")
	}
}

func TestRollbackKeepsImmutableExact(t *testing.T) {
	e, in := refreshed(t, "stable-line")
	exact := e.Digest(e.Repo + ":1.6.2")
	if _, err := rollback.Run(ctx, rollback.Request{Inputs: in, Released: fixture.Released(in.Policy, tags), Line: "1.6", To: "1.6.2"}); err != nil {
		t.Fatal(err)
	}
	if e.Digest(e.Repo+":stable") != exact || e.Digest(e.Repo+":1.6.2") != exact {
		t.Errorf("stable not rolled back to the release, or the exact tag changed")
	}
}

func TestRollbackGuards(t *testing.T) {
	e, in := refreshed(t, "weekly-refresh")
	// An image of the right version but without attestations.
	bare := mutate.Annotations(regtest.Index(t, "linux/amd64"), map[string]string{build.AnnotationVersion: "1.6.2"}).(v1.ImageIndex)
	e.Server.Seed(t, e.Repo+":1.6.2-manual", bare)
	e.Server.ResetCounts()
	for _, tt := range []struct {
		line, to string
		want     error
	}{
		{"1.6", "1.5.3", rollback.ErrOutsideLine},
		{"1.6", "1.5.3-20260204", rollback.ErrOutsideLine},
		{"1.6", "1.6.2-manual", rollback.ErrUnattested},
	} {
		_, err := rollback.Run(ctx, rollback.Request{Inputs: in, Released: fixture.Released(in.Policy, tags), Line: tt.line, To: tt.to})
		if !errors.Is(err, tt.want) {
			t.Errorf("rollback %s to %s: %v; want %v", tt.line, tt.to, err, tt.want)
		}
	}
	for _, bad := range []rollback.Request{{Line: "1.6"}, {Line: "1.x", To: "1.6.2"}, {Line: "1.9", To: "1.6.2"}, {Line: "1.6", To: "no-such-tag"}} {
		bad.Inputs, bad.Released = in, fixture.Released(in.Policy, tags)
		if _, err := rollback.Run(ctx, bad); err == nil {
			t.Errorf("rollback %+v accepted", bad)
		}
	}
	if c := e.Server.Counts(); c.PutManifest != 0 || c.BlobUpload != 0 {
		t.Errorf("refused rollbacks wrote: %s", c)
	}
}

// signedWeekly is the weekly-refresh preset with key-signed attestations.
var signedWeekly = strings.Replace(readPreset("weekly-refresh"), "sign: none", "sign: key", 1)

func readPreset(name string) string {
	b, err := os.ReadFile(filepath.Join("..", "..", "policy", "presets", name+".yaml"))
	if err != nil {
		panic(err)
	}
	return string(b)
}

// Under a policy that signs, a rollback target must carry signed SBOM and
// provenance statements: a build released before signing was turned on is
// refused, with nothing written, and a signed build is taken.
func TestRollbackUnderSigningNeedsSignedStatements(t *testing.T) {
	e, unsigned := refreshed(t, "weekly-refresh")
	priv, _ := sigstoretest.KeyPair(t, "pw")
	signer, err := signing.NewKeySigner(priv, []byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	at := func(days int) release.Inputs {
		in := e.Inputs(signedWeekly)
		in.Signer = signer
		in.Date = fixture.Day.AddDate(0, 0, days)
		in.Clock = func() time.Time { return in.Date }
		return in
	}
	released := fixture.Released(unsigned.Policy, tags)

	e.Server.ResetCounts()
	_, err = rollback.Run(ctx, rollback.Request{Inputs: at(7), Released: released, Line: "1.6", To: "1.6.2-20260204"})
	if !errors.Is(err, rollback.ErrUnsigned) || !strings.Contains(err.Error(), "signed https://spdx.dev/Document statement") {
		t.Fatalf("rollback to an unsigned build under sign: key: %v; want ErrUnsigned naming the statement", err)
	}
	if c := e.Server.Counts(); c.PutManifest != 0 || c.BlobUpload != 0 {
		t.Errorf("a refused rollback wrote: %s", c)
	}

	// Two signed refreshes, a week apart; then back to the first.
	for i, days := range []int{14, 21} {
		e.PushBase(t, strconv.Itoa(3+i))
		if _, err := refresh.Run(ctx, refresh.Request{Inputs: at(days), Released: released, SourceFor: e.Source}); err != nil {
			t.Fatal(err)
		}
	}
	first := e.Digest(e.Repo + ":1.6.2-20260218")
	if first == e.Digest(e.Repo+":latest") {
		t.Fatal("setup: latest is already on the first signed build")
	}
	if _, err := rollback.Run(ctx, rollback.Request{Inputs: at(21), Released: released, Line: "1.6", To: "1.6.2-20260218"}); err != nil {
		t.Fatalf("rollback to a signed build: %v", err)
	}
	if e.Digest(e.Repo+":latest") != first {
		t.Errorf("latest was not rolled back to the signed build")
	}
}
