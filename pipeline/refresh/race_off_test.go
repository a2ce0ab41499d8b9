//go:build !race

package refresh_test

import "github.com/patchline/patchline/pipeline/internal/testing/regtest"

const raceBuild = false

func matrixImpls() []regtest.Impl { return regtest.All() }

// concurrentRounds is how many times each pair of runs is started at once.
const concurrentRounds = 4
