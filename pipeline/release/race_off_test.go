//go:build !race

package release_test

import "github.com/patchline/patchline/pipeline/internal/testing/regtest"

const raceBuild = false

func matrixImpls() []regtest.Impl { return regtest.All() }
