package policy

import (
	"encoding/json"
	"io/fs"
	"reflect"
	"sort"
	"testing"

	"go.yaml.in/yaml/v3"

	policyfiles "github.com/patchline/patchline/policy"
)

type schemaNode struct {
	Properties           map[string]*schemaNode `json:"properties"`
	Default              any                    `json:"default"`
	AdditionalProperties any                    `json:"additionalProperties"`
}

func loadSchema(t *testing.T) *schemaNode {
	t.Helper()
	var s schemaNode
	if err := json.Unmarshal(policyfiles.Schema, &s); err != nil {
		t.Fatalf("policy.schema.json: %v", err)
	}
	return &s
}

// The schema's defaults, assembled into a policy file, must load and give
// exactly Default(): editors and the loader agree on every default, and
// the loader knows every key the schema offers.
func TestSchemaDefaultsMatchLoader(t *testing.T) {
	s := loadSchema(t)
	doc := map[string]any{"version": 1}
	var fill func(n *schemaNode, into map[string]any)
	fill = func(n *schemaNode, into map[string]any) {
		for k, child := range n.Properties {
			switch {
			case child.Properties != nil:
				m := map[string]any{}
				fill(child, m)
				into[k] = m
			case child.Default != nil:
				into[k] = child.Default
			}
		}
	}
	fill(s, doc)
	data, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Parse("schema-defaults.yaml", data)
	if err != nil {
		t.Fatalf("schema defaults do not load:\n%s\n%v", data, err)
	}
	p.Source = Default().Source
	if !reflect.DeepEqual(jsonOf(t, p), jsonOf(t, Default())) {
		t.Errorf("schema defaults differ from Default():\n got %s\nwant %s", jsonOf(t, p), jsonOf(t, Default()))
	}
}

// Every key written in a preset exists in the schema, so editors validate
// the presets people copy.
func TestPresetKeysInSchema(t *testing.T) {
	s := loadSchema(t)
	entries, err := fs.ReadDir(policyfiles.Presets, "presets")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, _ := fs.ReadFile(policyfiles.Presets, "presets/"+e.Name())
		var doc map[string]any
		if err := yaml.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}
		var walk func(path string, m map[string]any, n *schemaNode)
		walk = func(path string, m map[string]any, n *schemaNode) {
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				child, ok := n.Properties[k]
				if !ok {
					if n.AdditionalProperties == false || n.AdditionalProperties == nil {
						t.Errorf("%s: key %s%s is not in policy.schema.json", e.Name(), path, k)
					}
					continue
				}
				if sub, ok := m[k].(map[string]any); ok && child.Properties != nil {
					walk(path+k+".", sub, child)
				}
			}
		}
		walk("", doc, s)
	}
}
