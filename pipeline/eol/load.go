package eol

import (
	"fmt"
	"io/fs"

	"github.com/patchline/patchline/pipeline/internal/strictyaml"
	policyfiles "github.com/patchline/patchline/policy"
)

// FormatVersion is the only table format version this package reads. Files
// start with "version: 1" so a later format can be told apart.
const FormatVersion = 1

// BuiltinFile is the embedded table, as a path in policy.EOL.
const BuiltinFile = "eol/base-images.yaml"

// builtinName names the embedded table in messages: the path in the
// repository, where a fix would go.
const builtinName = "policy/" + BuiltinFile

// Builtin loads the table shipped with patchline. It is parsed on every
// call, which costs well under a millisecond, rather than kept in a global.
func Builtin() (*Table, error) { return builtinFrom(policyfiles.EOL) }

// builtinFrom loads the built-in table from fsys, so tests can break it.
func builtinFrom(fsys fs.FS) (*Table, error) {
	data, err := fs.ReadFile(fsys, BuiltinFile)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBuiltin, err)
	}
	t, err := Parse(builtinName, data)
	if err == nil {
		err = t.check(builtinName)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBuiltin, err)
	}
	return t, nil
}

// Load returns the built-in table with a user's override file merged over
// it (see Merge). file names the override in error messages.
func Load(file string, data []byte) (*Table, error) {
	base, err := Builtin()
	if err != nil {
		return nil, err
	}
	over, err := Parse(file, data)
	if err != nil {
		return nil, err
	}
	return Merge(base, over)
}

// Parse reads one table file strictly: unknown keys, malformed dates,
// regular expressions that do not compile and cycles written twice are all
// refused, each with its line and a fix. It checks the file on its own; an
// override may name products and cycles that only the built-in table
// lists, so Builtin, Merge and Load check the whole table afterwards.
func Parse(file string, data []byte) (*Table, error) {
	f := strictyaml.File{Name: file, Sentinel: ErrInvalid}
	root, err := strictyaml.Document(data, "table", fmt.Sprintf("the file is empty; start with \"version: %d\" and a products mapping", FormatVersion))
	if root == nil {
		return nil, f.Err(err)
	}
	var tf tableFile
	if err := f.Err(err, tf.decode(root)); err != nil {
		return nil, err
	}
	return tf.table(file), nil
}
