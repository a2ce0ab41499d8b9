// Package eol knows when base images reach end of life, so that release and
// refresh reports can warn "debian 12 (bookworm) reaches end of life on
// 2028-06-30, in 30 days" and flag a base that is past it. Rebuilding on a
// fresh digest of an end-of-life base patches nothing: the publisher has
// stopped shipping fixes, so a pipeline that keeps images patched has to
// say so.
//
// The data is a table in endoflife.date's shape: per product, release
// cycles with cycle, codename, releaseDate, eol (the last day of security
// fixes in the free image, or false when none is announced), lts, support
// and link; and match rules that lead an image reference to a product and
// cycle, by repository globs or a repositoryPattern and by tag globs or a
// tagPattern whose named group (?P<cycle>...) or (?P<codename>...) says
// which cycle it is. The table shipped with patchline is
// policy/eol/base-images.yaml; Builtin loads it.
//
// A user's override file has the same shape. Load merges it over the
// built-in table (see Merge): products and cycles are added, a cycle that
// exists keeps every field the override does not write, and the
// override's rules are tried before the built-in ones. Loading is strict,
// as for release policies: unknown keys, malformed dates, regular
// expressions that do not compile, cycles written twice and rules that
// cannot name a cycle are refused with the file, line and a fix.
//
// Lookup and Status are pure: Lookup reads only the table, and Status
// takes today's date and the warning window as arguments. Nothing here
// reads the clock or the network.
package eol
