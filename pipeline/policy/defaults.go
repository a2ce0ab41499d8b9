package policy

import (
	"github.com/patchline/patchline/pipeline/platform"
	"github.com/patchline/patchline/pipeline/tagname"
)

// Default returns the policy every key falls back to when a policy file
// leaves it out. It is also the "default" preset:
//
//	platforms:        [linux/amd64, linux/arm64]
//	support:          newest_lines: 2 (no constraint, no EOL dates)
//	base_eol:         warn_days: 30 (built-in table, no overrides)
//	tags.exact:       "{version}"            immutable
//	tags.major:       ""                     (no major tag)
//	tags.line:        "{major}.{minor}"
//	tags.aliases:     [latest]               newest supported line only
//	tags.dated:       "{version}-{date}"     immutable, written on refresh
//	tags.date_format: YYYYMMDD
//	tags.edge:        ["edge-{branch}", "edge-sha-{sha7}"]
//	release.dated:    false
//	refresh:          exact: false, strategy: rebuild, skip_unchanged: true,
//	                  watch: content, packages: ignore
//	attestations:     sbom: spdx, provenance: true, layouts: [referrers, index],
//	                  sign: none
func Default() *Policy {
	must := func(s string) tagname.Template {
		t, err := tagname.ParseTemplate(s)
		if err != nil {
			panic(err)
		}
		return t
	}
	df, err := tagname.ParseDateFormat("YYYYMMDD")
	if err != nil {
		panic(err)
	}
	return &Policy{
		Source:    "preset:default",
		Platforms: []platform.Platform{{OS: "linux", Architecture: "amd64"}, {OS: "linux", Architecture: "arm64"}},
		Support:   Support{NewestLines: 2},
		BaseEOL:   BaseEOL{WarnDays: 30},
		Tags: Tags{
			Exact:          must("{version}"),
			Line:           must("{major}.{minor}"),
			Aliases:        []string{"latest"},
			Dated:          must("{version}-{date}"),
			DateFormat:     df,
			Edge:           []tagname.Template{must("edge-{branch}"), must("edge-sha-{sha7}")},
			NewestLineOnly: []Role{RoleAlias},
			Immutable:      []Role{RoleExact, RoleDated},
		},
		Refresh: Refresh{Strategy: StrategyRebuild, SkipUnchanged: true, Watch: WatchContent, Packages: PackagesIgnore},
		Attestations: Attestations{
			SBOM:       SBOMSPDX,
			Provenance: true,
			Layouts:    []Layout{LayoutReferrers, LayoutIndex},
			Sign:       SignNone,
		},
	}
}
