// Package regtest runs real registries over real HTTP for tests: go-
// containerregistry's test registry (with and without the referrers API),
// olareg and CNCF Distribution, all in process with in-memory storage.
//
// Registries differ in ways that matter to a release pipeline (which ones
// have the referrers API, how tag lists paginate, what a HEAD of a missing
// tag answers), so suites run against every one of them:
//
//	for _, impl := range regtest.All() {
//		t.Run(impl.Name, func(t *testing.T) {
//			srv := impl.Start(t)
//			...
//		})
//	}
//
// In front of each registry sits a handler that counts requests by
// registry.Kind (the same classification the client's Counter uses, so the
// two can be compared), injects faults at chosen points (for the Nth
// request matching a predicate: a status such as 500 or 429 with
// Retry-After; a connection reset; a hang that never answers, the timeout
// kind; an answer dripped a byte at a time; a redirect loop; latency), and
// optionally demands Basic or bearer-token auth, whose failures can echo
// the password back in every spelling a careless service might use.
// Faults can be changed while the server runs.
//
// Seed and Direct reach the registry through a side door that bypasses the
// front handler, so seeding content neither counts nor trips faults.
//
// Only _test.go files import this package.
package regtest
