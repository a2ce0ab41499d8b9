package rollback

import (
	"strconv"

	"github.com/patchline/patchline/pipeline/tagname"
	"github.com/patchline/patchline/pipeline/version"
)

func values(v version.Version) tagname.Values {
	return tagname.Values{
		Version:    v.String(),
		Major:      strconv.FormatUint(v.Major(), 10),
		Minor:      strconv.FormatUint(v.Minor(), 10),
		Patch:      strconv.FormatUint(v.Patch(), 10),
		Prerelease: v.Prerelease(),
	}
}
