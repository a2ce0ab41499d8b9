//go:build race

package refresh_test

import "github.com/patchline/patchline/pipeline/internal/testing/regtest"

// raceBuild is set under the race detector, which makes every request
// several times slower. Its run looks for data races, and the plain run
// is the exhaustive one: under it the fault matrices run on one registry
// with the referrers API and one without, faulting every fourth write
// (each kind a different one), and concurrent runs are started twice.
const raceBuild = true

func matrixImpls() []regtest.Impl { return []regtest.Impl{regtest.GGCRNoReferrers(), regtest.Olareg()} }

const concurrentRounds = 2
