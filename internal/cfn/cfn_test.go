package cfn

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseShortForms(t *testing.T) {
	src := `
A:
  ref: !Ref Stream
  att: !GetAtt Queue.Arn
  sub: !Sub "Stage=${Stage}"
  join: !Join [",", [a, b]]
  n: 5
  b: true
`
	m, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"ref":  map[string]any{"Ref": "Stream"},
		"att":  map[string]any{"Fn::GetAtt": []any{"Queue", "Arn"}},
		"sub":  map[string]any{"Fn::Sub": "Stage=${Stage}"},
		"join": map[string]any{"Fn::Join": []any{",", []any{"a", "b"}}},
		"n":    5,
		"b":    true,
	}
	if got := m["A"]; !reflect.DeepEqual(got, want) {
		t.Errorf("Parse =\n%#v\nwant\n%#v", got, want)
	}
	if Path(m, "A", "att") == nil || Path(m, "A", "missing", "x") != nil {
		t.Error("Path walks wrongly")
	}
}

func TestParseErrors(t *testing.T) {
	for src, want := range map[string]string{
		"a: !Bogus x":     "unknown tag",
		"a: !GetAtt Nope": "wants Resource.Attribute",
		"a: 1\na: 2":      "duplicate key",
		"- 1":             "not a mapping",
		"a: [":            "cfn:",
	} {
		if _, err := Parse([]byte(src)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) err = %v, want %q", src, err, want)
		}
	}
}
