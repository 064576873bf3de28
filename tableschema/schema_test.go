package tableschema

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseDefaults(t *testing.T) {
	s, err := Parse([]byte(`{
		"name": "demo", "title": "Démo", "version": 1.2, "path": "https://example.org/schema.json",
		"homepage": "https://example.org", "$schema": "https://frictionlessdata.io/schemas/table-schema.json",
		"fields": [{"name": "a"}, {"name": "b", "type": "integer", "example": 12}],
		"primaryKey": "a"
	}`))
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "demo" || s.Title != "Démo" || s.Version != "1.2" || s.Homepage != "https://example.org" {
		t.Errorf("metadata: %+v", s)
	}
	if !reflect.DeepEqual(s.MissingValues, []string{""}) {
		t.Errorf("missingValues %q, want [\"\"]", s.MissingValues)
	}
	if s.Fields[0].Type != "string" || s.Fields[1].Example != "12" {
		t.Errorf("fields %+v", s.Fields)
	}
	if !reflect.DeepEqual(s.PrimaryKey, []string{"a"}) {
		t.Errorf("primaryKey %q", s.PrimaryKey)
	}
	if len(s.Unsupported) != 0 {
		t.Errorf("unsupported: %+v", s.Unsupported)
	}
	if got := s.Label(); got != "demo 1.2 (Démo)" {
		t.Errorf("Label() = %q", got)
	}
}

func TestParseKeys(t *testing.T) {
	s, err := Parse([]byte(`{"fields": [{"name": "a"}, {"name": "b"}], "primaryKey": ["a", "b"], "missingValues": ["", "NA"]}`))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(s.PrimaryKey, []string{"a", "b"}) || !reflect.DeepEqual(s.MissingValues, []string{"", "NA"}) {
		t.Errorf("primaryKey %q missingValues %q", s.PrimaryKey, s.MissingValues)
	}
}

// TestParseUnsupported checks that what cannot be checked is listed, in
// both languages, and the rest still loads.
func TestParseUnsupported(t *testing.T) {
	s, err := Parse([]byte(`{
		"fields": [
			{"name": "a", "type": "foo"},
			{"name": "b", "constraints": {"pattern": "^(?=x)x$", "jsonSchema": {}, "fancy": 1}},
			{"name": "c", "type": "number", "constraints": {"minLength": 1, "pattern": "^1$", "minimum": "abc"}},
			{"name": "d", "type": "string", "format": "hostname", "rdfType": "x", "unit": "m", "colour": "red"},
			{"name": "e", "type": "integer", "constraints": {"enum": [1, "deux"], "required": "yes"}},
			{"name": "f", "type": "date", "format": "%d/%Q"},
			{"name": "a", "type": "string"},
			{"name": "g", "type": "string", "arrayItem": {"type": "string"}}
		],
		"primaryKey": ["a", "zz"],
		"foreignKeys": [{"fields": "a", "reference": {"resource": "x", "fields": "id"}}],
		"custom_checks": [{"name": "french-siret-value", "params": {"column": "b"}}, {"name": "sum-columns-value", "params": {}}],
		"mystery": true
	}`))
	if err != nil {
		t.Fatal(err)
	}
	var all []string
	for _, n := range s.Unsupported {
		if n.Message == "" || n.MessageFR == "" {
			t.Errorf("note without a language: %+v", n)
		}
		all = append(all, n.Message)
	}
	text := strings.Join(all, "\n")
	for _, want := range []string{
		`field "a": type "foo" is unknown`,
		`field "b": pattern ^(?=x)x$ cannot run on Go's RE2 engine (look-around (?=x)`,
		`field "b": the jsonSchema constraint is not checked`,
		`field "b": unknown constraint "fancy" ignored`,
		`field "c": minLength does not apply to type number`,
		`field "c": pattern applies to strings only`,
		`field "c": minimum abc is not a number`,
		`field "d": string format "hostname" is unknown`,
		`field "d": property "colour" ignored`,
		`field "e": enum value deux is not a integer`,
		`field "e": required is not true or false`,
		`field "f": format "%d/%Q" has an unknown directive %Q`,
		`field "a" is declared twice`,
		`field "g": arrayItem applies to array fields only`,
		`primary key field "zz" is not a field of the schema`,
		`foreign keys ("foreignKeys") are not checked`,
		`Validata custom checks not run: sum-columns-value`,
		`unknown property "mystery" ignored`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("missing note %q in:\n%s", want, text)
		}
	}
	if len(s.Fields) != 7 || s.PrimaryKey != nil || len(s.CustomChecks) != 1 {
		t.Errorf("fields %d, primaryKey %q, custom checks %+v", len(s.Fields), s.PrimaryKey, s.CustomChecks)
	}
}

func TestParseErrors(t *testing.T) {
	for _, in := range []string{
		``, `[]`, `null`, `"x"`, `{}`, `{"fields": 3}`, `{"fields": [3]}`, `{"fields": [{"type": "string"}]}`,
		`{"fields": [{"name": ""}]}`, `{"fields": []} trailing`,
	} {
		_, err := Parse([]byte(in))
		var e *Error
		if !errors.As(err, &e) || !errors.Is(err, ErrInvalid) || e.MsgFR == "" {
			t.Errorf("Parse(%q) = %v, want an *Error wrapping ErrInvalid", in, err)
		}
	}
	if _, err := Load(strings.NewReader(`{"fields": [], "description": "` + strings.Repeat("x", maxSchemaSize) + `"}`)); !errors.Is(err, ErrInvalid) {
		t.Errorf("a huge schema gives %v", err)
	}
}

// TestRoundTrip checks that a Schema written as JSON reads back the same.
func TestRoundTrip(t *testing.T) {
	s, err := LoadFile("testdata/types.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	s.ID = "demo/types"
	data, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	back.ID, back.Path = s.ID, s.Path
	if !reflect.DeepEqual(s, back) {
		a, _ := json.MarshalIndent(s, "", " ")
		b, _ := json.MarshalIndent(back, "", " ")
		t.Errorf("round trip differs:\n%s\n---\n%s", a, b)
	}
}
