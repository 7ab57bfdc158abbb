// Package cfn reads CloudFormation and SAM templates written in YAML,
// including the short-form intrinsic function tags (!Ref, !GetAtt, !Sub, ...)
// that generic YAML decoders reject, so that tests can check a template.
package cfn

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// Parse decodes a YAML template into plain Go values (map[string]any, []any,
// string, ...). A short-form tag becomes its long form, as CloudFormation
// reads it: `!Ref X` is {"Ref": "X"}, `!GetAtt A.B` is {"Fn::GetAtt": ["A",
// "B"]}, `!Sub s` is {"Fn::Sub": "s"}.
func Parse(data []byte) (map[string]any, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("cfn: %w", err)
	}
	if len(doc.Content) != 1 {
		return nil, fmt.Errorf("cfn: want one YAML document")
	}
	v, err := value(doc.Content[0])
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("cfn: the template is not a mapping")
	}
	return m, nil
}

func value(n *yaml.Node) (any, error) {
	var v any
	switch n.Kind {
	case yaml.AliasNode:
		return value(n.Alias)
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			if _, dup := m[k]; dup {
				return nil, fmt.Errorf("cfn: line %d: duplicate key %q", n.Content[i].Line, k)
			}
			val, err := value(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			m[k] = val
		}
		v = m
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			val, err := value(c)
			if err != nil {
				return nil, err
			}
			s = append(s, val)
		}
		v = s
	case yaml.ScalarNode:
		if !strings.HasPrefix(n.Tag, "!") || strings.HasPrefix(n.Tag, "!!") {
			if err := n.Decode(&v); err != nil {
				return nil, fmt.Errorf("cfn: line %d: %w", n.Line, err)
			}
			return v, nil
		}
		v = n.Value
	}
	if !strings.HasPrefix(n.Tag, "!") || strings.HasPrefix(n.Tag, "!!") {
		return v, nil
	}
	name := strings.TrimPrefix(n.Tag, "!")
	switch name {
	case "Ref", "Condition":
		return map[string]any{name: v}, nil
	case "GetAtt":
		if s, ok := v.(string); ok {
			res, attr, found := strings.Cut(s, ".")
			if !found {
				return nil, fmt.Errorf("cfn: line %d: !GetAtt %q wants Resource.Attribute", n.Line, s)
			}
			v = []any{res, attr}
		}
		return map[string]any{"Fn::GetAtt": v}, nil
	case "Sub", "Join", "Select", "Split", "If", "Equals", "Not", "And", "Or",
		"FindInMap", "Base64", "Cidr", "ImportValue", "GetAZs", "Transform":
		return map[string]any{"Fn::" + name: v}, nil
	}
	return nil, fmt.Errorf("cfn: line %d: unknown tag %s", n.Line, n.Tag)
}

// Path walks nested maps by keys and returns the value found, or nil.
func Path(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}
