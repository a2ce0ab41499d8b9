package release

import "github.com/patchline/patchline/pipeline/policy"

// CheckAttested exposes the last check before publishing to the tests.
func (prod *Product) CheckAttested(p *policy.Policy) error { return prod.checkAttested(p) }
