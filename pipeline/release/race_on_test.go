//go:build race

package release_test

import "github.com/patchline/patchline/pipeline/internal/testing/regtest"

// raceBuild is set under the race detector, which makes every request
// several times slower: the fault matrix then runs on one registry with
// the referrers API and one without, faulting every fourth write.
const raceBuild = true

func matrixImpls() []regtest.Impl { return []regtest.Impl{regtest.GGCRNoReferrers(), regtest.Olareg()} }
