// Package pipeline is the Go library behind patchline. Each subpackage has
// one concern:
//
//	version    strict release versions and release lines
//	tagname    tag validity, branch sanitising, tag templates, date formats
//	policy     loading and validating release policies
//	plan       pure planners: which tags a build gets and why others are withheld
//	report     tables and JSON for every result
//	app        one function per Dagger function, on plain values
//
// Only the packages that drive a Dagger engine import dagger.io/dagger;
// imports_test.go keeps it that way.
package pipeline
