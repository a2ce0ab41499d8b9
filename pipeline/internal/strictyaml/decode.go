// Package strictyaml decodes a YAML file into typed structs strictly and
// reports every problem in it at once, each with its file, line, column
// and key path ("file:3:5: tags.exact: ..."), so that a loader refuses a
// file with all of its mistakes instead of the first one, or none.
//
// A loader describes its file as structs whose yaml tags name the keys.
// Decode walks a mapping key by key: a key must name a field and be
// written once, merge keys (<<) and keys that are not plain names are
// refused, and a misspelt key gets the closest known one as a hint. Each
// value goes to its field's UnmarshalYAML, which checks it and returns
// what is wrong with it (Errorf, at the node, so with its line and
// column); a struct field without one is decoded by Decode in turn.
// Decoding goes on after a problem, and File.Err turns all of them into
// one error.
//
// The yaml library's own struct decoding (Decoder.KnownFields) is not
// used for this: its errors name a line and a Go type, with no column, no
// key path and no room for a hint; a repeated key makes it skip the whole
// mapping, so the other problems in it go unreported; an UnmarshalYAML
// that refuses a value ends the whole decode; and a null value never
// reaches UnmarshalYAML, so "version:" with nothing after it would read
// as a missing key. The library parses; this package decides.
//
// What a value means, and the words of most messages, stay with each
// loader: they are part of what its users read and its tests check.
// Words holds a loader's words for problems with keys.
package strictyaml

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/patchline/patchline/pipeline/tagname"
)

// Words are a loader's words for the problems Decode and Key find, and
// how it reads an empty mapping. Which keys are refused is shared; how
// each file format tells its users differs, so every function returns the
// whole message.
type Words struct {
	// Describe names a value found where another was expected, as in
	// "expected a mapping of keys (a, b), found %s". Describe (the
	// function) fits unless the loader words empty values its own way.
	Describe func(n *yaml.Node) string
	// NotPlain is said of a key that is a list, mapping or other
	// non-scalar.
	NotPlain func(k *yaml.Node) string
	// Repeated is said of the second of two equal keys; firstLine is
	// where the first one is.
	Repeated func(key string, firstLine int) string
	// Unknown is said of a key the mapping does not take. hint is "" or
	// `; did you mean "x"?` with the closest known key; known is every
	// key the mapping takes, sorted.
	Unknown func(key, hint string, known []string) string
	// NullIsEmpty makes an empty value where a mapping is expected
	// ("tags:" with nothing under it) stand for an empty mapping, which
	// keeps every default. Without it, an empty value is refused.
	NullIsEmpty bool
}

// Decode decodes the mapping n into the struct v points to and returns
// every problem found, each under its key (see In). A field is a key when
// it has a yaml tag; its value is decoded by the field type's
// UnmarshalYAML, called for every value written, null included, with
// aliases followed, or, for a struct type without one, by Decode. A
// pointer field is allocated when its key is written, so nil means "left
// out". Keys left out leave their fields as they were.
func (w Words) Decode(n *yaml.Node, v any) error {
	n = Deref(n)
	if w.NullIsEmpty && IsNull(n) {
		return nil
	}
	s := reflect.ValueOf(v).Elem()
	fields := keysOf(s.Type())
	if n.Kind != yaml.MappingNode {
		return Errorf(n, "expected a mapping of keys (%s), found %s", strings.Join(slices.Sorted(maps.Keys(fields)), ", "), w.Describe(n))
	}
	return w.Pairs(n, func(k, val *yaml.Node) error {
		f, ok := fields[k.Value]
		if !ok {
			known := slices.Sorted(maps.Keys(fields))
			hint := ""
			if sug := tagname.Suggest(k.Value, known); sug != "" {
				hint = fmt.Sprintf("; did you mean %q?", sug)
			}
			return Errorf(k, "%s", w.Unknown(k.Value, hint, known))
		}
		return w.value(val, s.Field(f))
	})
}

// Pairs calls each with every key of the mapping n that key accepts and
// its value, aliases followed, and returns every problem found, each
// under its key. Decode uses it; a loader decoding a mapping whose keys
// are names it cannot list (products, say) calls it directly.
func (w Words) Pairs(n *yaml.Node, each func(k, v *yaml.Node) error) error {
	var errs []error
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if err := w.key(k, seen); err != nil {
			errs = append(errs, err)
			continue
		}
		errs = append(errs, In(k.Value, each(k, Deref(n.Content[i+1]))))
	}
	return errors.Join(errs...)
}

// value decodes n into the field f.
func (w Words) value(n *yaml.Node, f reflect.Value) error {
	if f.Kind() == reflect.Pointer {
		if f.IsNil() {
			f.Set(reflect.New(f.Type().Elem()))
		}
		f = f.Elem()
	}
	if u, ok := f.Addr().Interface().(yaml.Unmarshaler); ok {
		return u.UnmarshalYAML(n)
	}
	if f.Kind() == reflect.Struct {
		return w.Decode(n, f.Addr().Interface())
	}
	panic(fmt.Sprintf("strictyaml: field of type %s has no UnmarshalYAML", f.Type()))
}

// key checks one mapping key k: a plain name, not a merge key (<< would
// copy keys in from elsewhere, past these checks), and not one already in
// seen. It records the key in seen and returns nil when its value may be
// read.
func (w Words) key(k *yaml.Node, seen map[string]*yaml.Node) error {
	if k.Kind != yaml.ScalarNode {
		return Errorf(k, "%s", w.NotPlain(k))
	}
	if k.Value == "<<" {
		return Errorf(k, "merge keys (<<) are not supported; write the keys out")
	}
	if prev, dup := seen[k.Value]; dup {
		return In(k.Value, Errorf(k, "%s", w.Repeated(k.Value, prev.Line)))
	}
	seen[k.Value] = k
	return nil
}

// keysOf maps the keys a struct type takes, from its yaml tags, to the
// index of their field.
func keysOf(t reflect.Type) map[string]int {
	keys := map[string]int{}
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if name != "" && name != "-" {
			keys[name] = i
		}
	}
	return keys
}
