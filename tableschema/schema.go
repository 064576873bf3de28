package tableschema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
)

// Schema is a frictionless Table Schema: the fields a table must have, with
// their types and constraints, and the descriptive metadata shown to agents.
type Schema struct {
	// ID is the registry identifier ("scdl/subventions"); empty for a
	// schema loaded on its own.
	ID          string `json:"id,omitempty"`
	Name        string `json:"name,omitempty"`
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	Version     string `json:"version,omitempty"`
	// Path is where the schema is published (its "path" property, or the
	// URL or file it was loaded from when it has none).
	Path     string `json:"path,omitempty"`
	Homepage string `json:"homepage,omitempty"`

	Fields []Field `json:"fields"`
	// MissingValues are the cell values read as "no value"; [""] unless the
	// schema says otherwise.
	MissingValues []string `json:"missingValues"`
	PrimaryKey    []string `json:"primaryKey,omitempty"`
	// CustomChecks are the Validata custom checks this package runs
	// (french-siret-value, french-siren-value, one-of-required); others
	// are listed in Unsupported.
	CustomChecks []CustomCheck `json:"custom_checks,omitempty"`

	// Unsupported lists what the descriptor asks for that this package does
	// not check (foreign keys, custom checks, unknown types…), or could not
	// understand; the rest of the schema is still applied.
	Unsupported []Note `json:"unsupported,omitempty"`
}

// Field is one column of a Table Schema.
type Field struct {
	Name        string `json:"name"`
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	// Type is a Table Schema type ("string", "number", "date"…); "string"
	// when the descriptor gives none.
	Type string `json:"type"`
	// Format is the type's format ("default", "email", "%d/%m/%Y"…).
	Format      string      `json:"format,omitempty"`
	Example     string      `json:"example,omitempty"`
	Constraints Constraints `json:"constraints,omitzero"`

	TrueValues  []string `json:"trueValues,omitempty"`
	FalseValues []string `json:"falseValues,omitempty"`
	DecimalChar string   `json:"decimalChar,omitempty"`
	GroupChar   string   `json:"groupChar,omitempty"`
	// BareNumber false lets numbers carry leading and trailing text
	// ("€12", "15 %"); nil means true.
	BareNumber *bool `json:"bareNumber,omitempty"`
	// MissingValues, when not nil, replaces the schema's for this field.
	MissingValues []string `json:"missingValues,omitempty"`
	// ArrayItem describes each item of an array field (Table Schema v2).
	ArrayItem *Field `json:"arrayItem,omitempty"`
}

// Constraints restrict the values of a field. Minimum, Maximum and Enum
// hold JSON values as decoded (json.Number for numbers); they are compared
// in the field's type.
type Constraints struct {
	Required         bool   `json:"required,omitempty"`
	Unique           bool   `json:"unique,omitempty"`
	MinLength        *int   `json:"minLength,omitempty"`
	MaxLength        *int   `json:"maxLength,omitempty"`
	Minimum          any    `json:"minimum,omitempty"`
	Maximum          any    `json:"maximum,omitempty"`
	ExclusiveMinimum any    `json:"exclusiveMinimum,omitempty"`
	ExclusiveMaximum any    `json:"exclusiveMaximum,omitempty"`
	Pattern          string `json:"pattern,omitempty"`
	Enum             []any  `json:"enum,omitempty"`
}

// Note is a remark in English and French.
type Note struct {
	Message   string `json:"message"`
	MessageFR string `json:"message_fr"`
}

func notef(en, fr string, args ...any) Note {
	return Note{Message: fmt.Sprintf(en, args...), MessageFR: fmt.Sprintf(fr, args...)}
}

// The Table Schema types this package checks.
var knownTypes = []string{
	"string", "number", "integer", "boolean", "object", "array", "date", "time",
	"datetime", "year", "yearmonth", "duration", "geopoint", "geojson", "any",
}

// maxSchemaSize bounds a schema read by Load.
const maxSchemaSize = 16 << 20

// Load reads a Table Schema descriptor (JSON). It returns an *Error wrapping
// ErrInvalid when the input is not a Table Schema (not JSON, no "fields"
// list, a field without a name); anything it can read but not check is
// listed in Schema.Unsupported instead.
func Load(r io.Reader) (*Schema, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxSchemaSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxSchemaSize {
		return nil, invalidf(nil, "the schema is larger than %d MiB", "le schéma dépasse %d Mio", maxSchemaSize>>20)
	}
	return Parse(data)
}

// LoadFile reads the Table Schema in the file at path; Path defaults to the
// file's path.
func LoadFile(path string) (*Schema, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s, err := Load(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if s.Path == "" {
		s.Path = path
	}
	return s, nil
}

// Parse reads a Table Schema descriptor from data; see Load.
func Parse(data []byte) (*Schema, error) {
	var top map[string]json.RawMessage
	if err := decodeJSON(data, &top); err != nil || top == nil {
		return nil, invalidf(err, "this is not a Table Schema: a JSON object was expected",
			"ce n'est pas un schéma Table Schema : un objet JSON était attendu")
	}
	s := &Schema{MissingValues: []string{""}}
	p := &parser{s: s}
	rawFields, ok := top["fields"]
	if !ok {
		return nil, invalidf(nil, "this is not a Table Schema: it has no \"fields\" list",
			"ce n'est pas un schéma Table Schema : il n'a pas de liste \"fields\"")
	}
	var fields []json.RawMessage
	if err := decodeJSON(rawFields, &fields); err != nil {
		return nil, invalidf(err, "\"fields\" must be a list of fields", "\"fields\" doit être une liste de champs")
	}
	for _, key := range sortedKeys(top) {
		raw := top[key]
		switch key {
		case "fields":
		case "name":
			s.Name = p.str(raw, key)
		case "title":
			s.Title = p.str(raw, key)
		case "description":
			s.Description = p.str(raw, key)
		case "version":
			s.Version = p.scalar(raw, key)
		case "path":
			s.Path = p.str(raw, key)
		case "homepage":
			s.Homepage = p.str(raw, key)
		case "missingValues":
			if mv, ok := p.strList(raw, key); ok {
				s.MissingValues = mv
			}
		case "primaryKey":
			s.PrimaryKey = p.nameList(raw, key)
		case "foreignKeys":
			p.note("foreign keys (\"foreignKeys\") are not checked", "les clés étrangères (\"foreignKeys\") ne sont pas vérifiées")
		case "custom_checks":
			p.customChecks(raw)
		case "fieldsMatch":
			if v := p.str(raw, key); v != "" && v != "exact" {
				p.note("\"fieldsMatch\": %q is not applied: columns are matched by name, as Validata does",
					"\"fieldsMatch\" : %q n'est pas appliqué : les colonnes sont rapprochées par leur nom, comme le fait Validata", v)
			}
		case "rowConstraints", "uniqueKeys":
			p.note("%q is not checked", "%q n'est pas vérifié", key)
		default:
			if !metadataKeys[key] {
				p.note("unknown property %q ignored", "propriété inconnue %q ignorée", key)
			}
		}
	}
	seen := map[string]bool{}
	for i, raw := range fields {
		f, err := p.field(raw, i, "")
		if err != nil {
			return nil, err
		}
		if seen[f.Name] {
			p.note("field %q is declared twice; the second declaration is ignored",
				"le champ %q est déclaré deux fois ; la seconde déclaration est ignorée", f.Name)
			continue
		}
		seen[f.Name] = true
		s.Fields = append(s.Fields, f)
	}
	pk := s.PrimaryKey[:0:0]
	for _, name := range s.PrimaryKey {
		if !seen[name] {
			p.note("primary key field %q is not a field of the schema; the primary key is not checked",
				"le champ %q de la clé primaire n'existe pas dans le schéma ; la clé primaire n'est pas vérifiée", name)
			pk = nil
			break
		}
		pk = append(pk, name)
	}
	s.PrimaryKey = pk
	// Compiling finds what cannot be checked (patterns RE2 refuses, enum
	// values of the wrong type…) so that it shows on the schema.
	c := compile(s)
	s.Unsupported = append(s.Unsupported, c.notes...)
	return s, nil
}

// metadataKeys are descriptive properties kept by schema.data.gouv.fr
// schemas; they do not change validation.
var metadataKeys = map[string]bool{
	"$schema": true, "$id": true, "profile": true, "countryCode": true, "resources": true,
	"sources": true, "created": true, "lastModified": true, "contributors": true,
	"keywords": true, "licenses": true, "image": true, "publisher": true, "status": true,
	"example": true, "examples": true, "$comment": true, "comment": true, "owner": true,
	// Written by this package when a Schema is marshalled.
	"id": true, "unsupported": true,
}

type parser struct {
	s *Schema
}

func (p *parser) note(en, fr string, args ...any) {
	p.s.Unsupported = append(p.s.Unsupported, notef(en, fr, args...))
}

func decodeJSON(data []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		return err
	}
	if d.More() {
		return fmt.Errorf("trailing data after the JSON value")
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// str decodes a string property; another JSON type is noted and ignored.
func (p *parser) str(raw json.RawMessage, key string) string {
	var s string
	if err := decodeJSON(raw, &s); err != nil {
		p.note("property %q is not a string; ignored", "la propriété %q n'est pas une chaîne ; ignorée", key)
	}
	return s
}

// scalar decodes a string, number or boolean as text (a version may be
// written 1.0).
func (p *parser) scalar(raw json.RawMessage, key string) string {
	var v any
	if err := decodeJSON(raw, &v); err == nil {
		switch v := v.(type) {
		case string:
			return v
		case json.Number:
			return v.String()
		case bool:
			return strconv.FormatBool(v)
		}
	}
	p.note("property %q is not a string; ignored", "la propriété %q n'est pas une chaîne ; ignorée", key)
	return ""
}

func (p *parser) strList(raw json.RawMessage, key string) ([]string, bool) {
	var v []any
	if err := decodeJSON(raw, &v); err != nil {
		p.note("property %q is not a list of strings; ignored", "la propriété %q n'est pas une liste de chaînes ; ignorée", key)
		return nil, false
	}
	out := make([]string, 0, len(v))
	for _, x := range v {
		switch x := x.(type) {
		case string:
			out = append(out, x)
		case json.Number:
			out = append(out, x.String())
		default:
			p.note("property %q holds a value that is not a string; ignored", "la propriété %q contient une valeur qui n'est pas une chaîne ; ignorée", key)
		}
	}
	return out, true
}

// nameList decodes a field name or a list of them (primaryKey).
func (p *parser) nameList(raw json.RawMessage, key string) []string {
	var one string
	if decodeJSON(raw, &one) == nil {
		return []string{one}
	}
	l, _ := p.strList(raw, key)
	return l
}

func (p *parser) boolean(raw json.RawMessage, loc Note, key string) (bool, bool) {
	var b bool
	if err := decodeJSON(raw, &b); err != nil {
		p.fnote(loc, "%s is not true or false; ignored", "%s ne vaut ni true ni false ; ignoré", key)
		return false, false
	}
	return b, true
}

// fnote notes something about a field; loc names it in both languages.
func (p *parser) fnote(loc Note, en, fr string, args ...any) {
	n := notef(en, fr, args...)
	n.Message = loc.Message + ": " + n.Message
	n.MessageFR = loc.MessageFR + " : " + n.MessageFR
	p.s.Unsupported = append(p.s.Unsupported, n)
}

// field decodes one field descriptor; parent names the array field whose
// item it describes.
func (p *parser) field(raw json.RawMessage, i int, parent string) (Field, error) {
	var m map[string]json.RawMessage
	if err := decodeJSON(raw, &m); err != nil || m == nil {
		return Field{}, invalidf(err, "field %d is not a JSON object", "le champ %d n'est pas un objet JSON", i+1)
	}
	f := Field{Type: "string"}
	if parent == "" {
		nameRaw, ok := m["name"]
		if ok {
			_ = decodeJSON(nameRaw, &f.Name)
		}
		if f.Name == "" {
			return Field{}, invalidf(nil, "field %d has no name", "le champ %d n'a pas de nom", i+1)
		}
	} else {
		f.Name = parent
	}
	loc := Note{fmt.Sprintf("field %q", f.Name), fmt.Sprintf("champ %q", f.Name)}
	if parent != "" {
		loc = Note{fmt.Sprintf("array item of field %q", parent), fmt.Sprintf("élément du tableau du champ %q", parent)}
	}
	for _, key := range sortedKeys(m) {
		raw := m[key]
		switch key {
		case "name":
		case "title":
			f.Title = p.str(raw, key)
		case "description":
			f.Description = p.str(raw, key)
		case "type":
			f.Type = p.str(raw, key)
		case "format":
			f.Format = p.str(raw, key)
		case "example", "examples":
			if f.Example == "" {
				f.Example = exampleText(raw)
			}
		case "constraints":
			p.constraints(raw, &f, loc)
		case "trueValues":
			f.TrueValues, _ = p.strList(raw, key)
		case "falseValues":
			f.FalseValues, _ = p.strList(raw, key)
		case "decimalChar":
			f.DecimalChar = p.str(raw, key)
		case "groupChar":
			f.GroupChar = p.str(raw, key)
		case "bareNumber":
			if b, ok := p.boolean(raw, loc, "bareNumber"); ok {
				f.BareNumber = &b
			}
		case "missingValues":
			if mv, ok := p.strList(raw, key); ok {
				f.MissingValues = mv
			}
		case "arrayItem":
			if parent != "" {
				p.fnote(loc, "nested arrayItem ignored", "arrayItem imbriqué ignoré")
				continue
			}
			item, err := p.field(raw, i, f.Name)
			if err != nil {
				p.fnote(loc, "arrayItem is not an object; ignored", "arrayItem n'est pas un objet ; ignoré")
				continue
			}
			f.ArrayItem = &item
		case "rdfType", "$comment", "comment", "x-unit", "unit":
		default:
			p.fnote(loc, "property %q ignored", "propriété %q ignorée", key)
		}
	}
	if !slices.Contains(knownTypes, f.Type) {
		p.fnote(loc, "type %q is unknown; its values are not checked", "le type %q est inconnu ; ses valeurs ne sont pas vérifiées", f.Type)
	}
	if f.ArrayItem != nil && f.Type != "array" {
		p.fnote(loc, "arrayItem applies to array fields only; ignored", "arrayItem ne s'applique qu'aux champs de type array ; ignoré")
		f.ArrayItem = nil
	}
	return f, nil
}

func (p *parser) constraints(raw json.RawMessage, f *Field, loc Note) {
	var m map[string]json.RawMessage
	if err := decodeJSON(raw, &m); err != nil || m == nil {
		p.fnote(loc, "constraints are not an object; ignored", "les contraintes ne sont pas un objet ; ignorées")
		return
	}
	c := &f.Constraints
	for _, key := range sortedKeys(m) {
		raw := m[key]
		switch key {
		case "required":
			c.Required, _ = p.boolean(raw, loc, "required")
		case "unique":
			c.Unique, _ = p.boolean(raw, loc, "unique")
		case "minLength", "maxLength":
			var n int
			if err := decodeJSON(raw, &n); err != nil || n < 0 {
				p.fnote(loc, "%s is not a whole number; ignored", "%s n'est pas un nombre entier ; ignoré", key)
				continue
			}
			if key == "minLength" {
				c.MinLength = &n
			} else {
				c.MaxLength = &n
			}
		case "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum":
			var v any
			if err := decodeJSON(raw, &v); err != nil {
				continue
			}
			switch key {
			case "minimum":
				c.Minimum = v
			case "maximum":
				c.Maximum = v
			case "exclusiveMinimum":
				c.ExclusiveMinimum = v
			case "exclusiveMaximum":
				c.ExclusiveMaximum = v
			}
		case "pattern":
			c.Pattern = p.str(raw, loc.Message+" pattern")
		case "enum":
			var v []any
			if err := decodeJSON(raw, &v); err != nil {
				p.fnote(loc, "enum is not a list; ignored", "enum n'est pas une liste ; ignoré")
				continue
			}
			c.Enum = v
		case "jsonSchema":
			p.fnote(loc, "the jsonSchema constraint is not checked", "la contrainte jsonSchema n'est pas vérifiée")
		default:
			p.fnote(loc, "unknown constraint %q ignored", "contrainte inconnue %q ignorée", key)
		}
	}
}

// exampleText renders an example (string, number, list…) as text.
func exampleText(raw json.RawMessage) string {
	var v any
	if decodeJSON(raw, &v) != nil {
		return ""
	}
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case []any:
		if len(v) > 0 {
			if s, ok := v[0].(string); ok {
				return s
			}
		}
	}
	return strings.TrimSpace(string(raw))
}

// Field returns the field called name, or nil.
func (s *Schema) Field(name string) *Field {
	for i := range s.Fields {
		if s.Fields[i].Name == name {
			return &s.Fields[i]
		}
	}
	return nil
}

// Label returns how the schema names itself for people: "scdl/subventions
// 2.1.1 (Subventions)", falling back on its name or path.
func (s *Schema) Label() string {
	id := s.ID
	if id == "" {
		id = s.Name
	}
	if id == "" {
		id = s.Path
	}
	if s.Version != "" {
		id += " " + s.Version
	}
	if s.Title != "" && s.Title != s.Name {
		id += " (" + s.Title + ")"
	}
	return strings.TrimSpace(id)
}
