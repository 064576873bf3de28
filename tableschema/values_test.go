package tableschema

import (
	"slices"
	"strings"
	"testing"
)

// fieldOf compiles a one-field schema.
func fieldOf(t testing.TB, field string) *fieldCheck {
	t.Helper()
	s, err := Parse([]byte(`{"fields": [` + field + `]}`))
	if err != nil {
		t.Fatalf("%s: %v", field, err)
	}
	return compile(s).fields[0]
}

// outcome checks one cell like Validator.cell and returns "" when valid,
// else the failures ("type-error", "constraint-error:maximum"…). It also
// checks that the quick path never accepts what the full check refuses.
func outcome(t testing.TB, fc *fieldCheck, cell string) string {
	t.Helper()
	if fc.isMissing(cell) {
		if fc.required {
			return "constraint-error:required"
		}
		return ""
	}
	fails, _, _ := fc.check(cell, nil)
	if fc.fast != nil {
		if _, ok := fc.fast(fc, cell); ok && len(fails) > 0 {
			t.Errorf("%s %q: the quick check accepts what check refuses (%v)", fc.f.Type, cell, fails)
		}
	}
	var out []string
	for _, f := range fails {
		if f.constraint != "" {
			out = append(out, f.code+":"+f.constraint)
		} else {
			out = append(out, f.code)
		}
	}
	return strings.Join(out, ",")
}

const (
	ok  = ""
	bad = "type-error"
)

func TestValues(t *testing.T) {
	tests := []struct {
		field string
		cells map[string]string // cell → outcome
	}{
		{`{"name": "s", "type": "string"}`, map[string]string{
			"": ok, "abc": ok, " ": ok, "é\u00a0x": ok,
		}},
		{`{"name": "s", "type": "string", "format": "email"}`, map[string]string{
			"agent@mairie-lyon.fr": ok, "a.b+c@sub.example.org": ok, "prénom@ville.fr": bad,
			"agent@": bad, "@x.fr": bad, "agent@localhost": bad, "a..b@x.fr": bad, "mailto:a@x.fr": bad,
			`"a b"@x.fr`: ok, "a@[192.0.2.1]": ok, "a@x.f": bad,
		}},
		{`{"name": "s", "type": "string", "format": "uri"}`, map[string]string{
			"https://www.data.gouv.fr/fr/": ok, "http://192.0.2.1/x": ok, "ftp://ftp.ign.fr": ok,
			"mailto:contact@ville.fr": ok, "urn:isbn:0451450523": ok, "www.ville.fr": bad,
			"https://": bad, "https://exa mple.fr": bad, "https://ville": bad, "1http://x.fr": bad,
		}},
		{`{"name": "s", "type": "string", "format": "uuid"}`, map[string]string{
			"65d5b6c7-102c-4440-ac3b-768f708edc0a": ok, "65D5B6C7102C4440AC3B768F708EDC0A": ok,
			"{65d5b6c7-102c-4440-ac3b-768f708edc0a}": ok, "urn:uuid:65d5b6c7-102c-4440-ac3b-768f708edc0a": ok,
			"65d5b6c7-102c-4440-ac3b-768f708edc0": bad, "65d5b6c7-102c-4440-ac3b-768f708edc0g": bad,
		}},
		{`{"name": "s", "type": "string", "format": "binary"}`, map[string]string{
			"aGVsbG8=": ok, "aGVsbG8": ok, "aGV sbG8=": ok, "a": bad, "!!!!": bad,
		}},
		{`{"name": "n", "type": "number"}`, map[string]string{
			"1": ok, "-1.5": ok, "+.5": ok, "5.": ok, "1e3": ok, "1E-3": ok, " 12 ": ok, "NaN": ok, "INF": ok,
			"-inf": ok, "Infinity": ok, "1,5": bad, "1 000": bad, "12 €": bad, "": ok, "e3": bad, "1e": bad,
			"--1": bad, ".": bad, "0x10": bad, "1.2.3": bad, "١٢": bad,
		}},
		{`{"name": "n", "type": "number", "decimalChar": ",", "groupChar": " "}`, map[string]string{
			"1 234,5": ok, "1234,5": ok, "1.5": ok, "-0,25": ok, "1,2,3": bad, "1 234.5": ok, "12 €": bad,
		}},
		{`{"name": "n", "type": "number", "decimalChar": ",", "groupChar": "\u00a0"}`, map[string]string{
			"40\u00a0000,00": ok, "40 000,00": bad,
		}},
		{`{"name": "n", "type": "number", "groupChar": ",", "bareNumber": false}`, map[string]string{
			"€12": ok, "1,234.5 €": ok, "15 %": ok, "-12 EUR": ok, "EUR": bad, "$-.5": ok,
		}},
		{`{"name": "i", "type": "integer"}`, map[string]string{
			"0": ok, "-12": ok, "+7": ok, "007": ok, " 12": ok, "123456789012345678901234567890": ok,
			"1.0": bad, "1e3": bad, "12 345": bad, "€12": bad, "-": bad, "1_000": bad,
		}},
		{`{"name": "i", "type": "integer", "bareNumber": false, "groupChar": " "}`, map[string]string{
			"€12": ok, "12 345 habitants": ok, "n° 3": ok, "aucun": bad,
		}},
		{`{"name": "b", "type": "boolean"}`, map[string]string{
			"true": ok, "True": ok, "TRUE": ok, "1": ok, "false": ok, "0": ok, "yes": bad, "oui": bad, "tRue": bad,
		}},
		{`{"name": "b", "type": "boolean", "trueValues": ["oui", "Oui"], "falseValues": ["non"]}`, map[string]string{
			"oui": ok, "Oui": ok, "non": ok, "Non": bad, "true": bad, "1": bad,
		}},
		{`{"name": "d", "type": "date"}`, map[string]string{
			"2017-12-21": ok, "2016-02-29": ok, "2017-02-29": bad, "2017-1-5": ok, "2017-13-01": bad,
			"21/12/2017": bad, "2017/12/21": bad, "2017-12-21T00:00:00": bad, "20171221": bad, " 2017-12-21": bad,
		}},
		{`{"name": "d", "type": "date", "format": "%d/%m/%Y"}`, map[string]string{
			"05/12/2016": ok, "5/12/2016": ok, "31/04/2016": bad, "05/12/16": bad, "2016-12-05": bad, " 5/12/2016": ok,
		}},
		{`{"name": "d", "type": "date", "format": "fmt:%d.%m.%y"}`, map[string]string{
			"05.12.16": ok, "05.12.2016": bad,
		}},
		{`{"name": "d", "type": "date", "format": "%d %B %Y"}`, map[string]string{
			"5 December 2016": ok, "5 december  2016": ok, "5 décembre 2016": bad,
		}},
		{`{"name": "d", "type": "date", "format": "%Y%j"}`, map[string]string{
			"2016366": ok, "2017366": bad,
		}},
		{`{"name": "d", "type": "date", "format": "any"}`, map[string]string{
			"2016-12-05": ok, "05/12/2016": ok, "12/31/2016": ok, "5 décembre 2016": ok, "1er janvier 2020": ok,
			"December 5, 2016": ok, "20161205": ok, "2016-12-05 10:30": ok, "hier": bad, "32/13/2016": bad,
		}},
		{`{"name": "d", "type": "date", "format": "%Q"}`, map[string]string{"2016": bad}},
		{`{"name": "t", "type": "datetime"}`, map[string]string{
			"2020-05-11T14:08:32Z": ok, "2020-05-11T14:08:32": ok, "2020-05-11 14:08:32": ok,
			"2020-05-11T14:08:32.123456+02:00": ok, "2020-05-11T14:08:32+0200": ok, "2020-05-11T14:08": bad,
			"2020-05-11": bad, "2020-05-11T25:08:32": bad, "2020-05-11T14:08:32+25:00": bad,
		}},
		{`{"name": "t", "type": "datetime", "format": "%d/%m/%Y %H:%M"}`, map[string]string{
			"11/05/2020 14:08": ok, "11/05/2020 14h08": bad,
		}},
		{`{"name": "t", "type": "datetime", "format": "%Y-%m-%dT%H:%M:%S%z"}`, map[string]string{
			"2020-05-11T14:08:32+02:00": ok, "2020-05-11T14:08:32Z": ok, "2020-05-11T14:08:32": bad,
		}},
		{`{"name": "t", "type": "time"}`, map[string]string{
			"14:08:32": ok, "14:08:32.5": ok, "14:08:32Z": ok, "14:08": bad, "24:00:00": bad,
		}},
		{`{"name": "t", "type": "time", "format": "%I:%M %p"}`, map[string]string{
			"02:08 PM": ok, "2:08 am": ok, "13:08 PM": bad,
		}},
		{`{"name": "t", "type": "time", "format": "any"}`, map[string]string{
			"14h08": ok, "14:08": ok, "2 PM": ok, "midi": bad,
		}},
		{`{"name": "y", "type": "year"}`, map[string]string{
			"2018": ok, "0999": ok, "18": bad, "2018.0": bad, "20180": bad, "-201": bad,
		}},
		{`{"name": "y", "type": "yearmonth"}`, map[string]string{
			"2018-05": ok, "2018-5": ok, "2018-13": bad, "2018": bad, "05-2018": bad,
		}},
		{`{"name": "d", "type": "duration"}`, map[string]string{
			"P1Y2M10DT2H30M": ok, "PT30M": ok, "P3W": ok, "P0.5D": ok, "-P1D": ok, "P": bad, "PT": bad,
			"1Y": bad, "P1H": bad, "P1M1Y": bad, "PT1D": bad,
		}},
		{`{"name": "g", "type": "geopoint"}`, map[string]string{
			"2.35, 48.85": ok, "2.35,48.85": ok, "-180,90": ok, "181, 0": bad, "0, 91": bad, "2,35": ok,
			"48.85": bad, "a, b": bad, "1,2,3": bad,
		}},
		{`{"name": "g", "type": "geopoint", "format": "array"}`, map[string]string{
			"[2.35, 48.85]": ok, "[2.35]": bad, `["2.35", "48.85"]`: ok, "2.35, 48.85": bad,
		}},
		{`{"name": "g", "type": "geopoint", "format": "object"}`, map[string]string{
			`{"lon": 2.35, "lat": 48.85}`: ok, `{"lon": 2.35}`: bad, `{"x": 1, "y": 2}`: bad,
		}},
		{`{"name": "g", "type": "geojson"}`, map[string]string{
			`{"type": "Point", "coordinates": [2.35, 48.85]}`: ok, `{"type": "Feature"}`: ok,
			`{"type": "Circle"}`: bad, `[1, 2]`: bad, `{"type": "Point"`: bad,
		}},
		{`{"name": "g", "type": "geojson", "format": "topojson"}`, map[string]string{
			`{"type": "Topology", "objects": {}}`: ok, `{"type": "Point"}`: bad,
		}},
		{`{"name": "o", "type": "object"}`, map[string]string{
			`{"a": 1}`: ok, `{}`: ok, `[]`: bad, `{"a": 1} x`: bad, `null`: bad,
		}},
		{`{"name": "a", "type": "array"}`, map[string]string{
			`[1, "a"]`: ok, ` []`: ok, `{}`: bad, `[1,`: bad,
		}},
		{`{"name": "x", "type": "any"}`, map[string]string{"anything": ok, "": ok}},
		{`{"name": "x", "type": "foo"}`, map[string]string{"anything": ok}},
	}
	for _, tc := range tests {
		fc := fieldOf(t, tc.field)
		cells := make([]string, 0, len(tc.cells))
		for c := range tc.cells {
			cells = append(cells, c)
		}
		slices.Sort(cells)
		for _, cell := range cells {
			t.Run(fc.f.Type+"/"+fc.f.Format+"/"+cell, func(t *testing.T) {
				if got, want := outcome(t, fc, cell), tc.cells[cell]; got != want {
					t.Errorf("%s: %q gives %q, want %q", tc.field, cell, got, want)
				}
			})
		}
	}
}

func TestConstraints(t *testing.T) {
	tests := []struct {
		field string
		cells map[string]string
	}{
		{`{"name": "s", "constraints": {"required": true}}`, map[string]string{
			"": "constraint-error:required", "x": ok, " ": ok,
		}},
		{`{"name": "s", "constraints": {"minLength": 2, "maxLength": 4}}`, map[string]string{
			"a": "constraint-error:minLength", "ab": ok, "éé": ok, "abcd": ok, "éééé": ok, "abcde": "constraint-error:maxLength",
			"ééééé": "constraint-error:maxLength", "": ok,
		}},
		{`{"name": "a", "type": "array", "constraints": {"minLength": 1, "maxLength": 2}}`, map[string]string{
			"[]": "constraint-error:minLength", "[1]": ok, "[1,2,3]": "constraint-error:maxLength",
		}},
		{`{"name": "o", "type": "object", "constraints": {"maxLength": 1}}`, map[string]string{
			`{"a":1}`: ok, `{"a":1,"b":2}`: "constraint-error:maxLength",
		}},
		{`{"name": "n", "type": "number", "constraints": {"minimum": 0.01, "maximum": 1}}`, map[string]string{
			"0.01": ok, "1": ok, "1.0": ok, "0": "constraint-error:minimum", "100": "constraint-error:maximum",
			"NaN": ok, "INF": "constraint-error:maximum", "abc": bad,
		}},
		{`{"name": "n", "type": "number", "decimalChar": ",", "constraints": {"minimum": "0,5"}}`, map[string]string{
			"0,5": ok, "0,4": "constraint-error:minimum",
		}},
		{`{"name": "n", "type": "number", "constraints": {"exclusiveMinimum": 0, "exclusiveMaximum": 10}}`, map[string]string{
			"0": "constraint-error:exclusiveMinimum", "0.001": ok, "10": "constraint-error:exclusiveMaximum",
		}},
		{`{"name": "i", "type": "integer", "constraints": {"minimum": 1, "maximum": 5}}`, map[string]string{
			"1": ok, "5": ok, "0": "constraint-error:minimum", "6": "constraint-error:maximum", "-3": "constraint-error:minimum",
		}},
		{`{"name": "d", "type": "date", "constraints": {"minimum": "2000-01-01", "maximum": "2024-12-31"}}`, map[string]string{
			"2000-01-01": ok, "1999-12-31": "constraint-error:minimum", "2025-01-01": "constraint-error:maximum",
		}},
		{`{"name": "d", "type": "date", "format": "%d/%m/%Y", "constraints": {"minimum": "01/01/2000"}}`, map[string]string{
			"01/01/2000": ok, "31/12/1999": "constraint-error:minimum",
		}},
		{`{"name": "d", "type": "date", "format": "%d/%m/%Y", "constraints": {"minimum": "2000-01-01"}}`, map[string]string{
			"01/01/2000": ok, "31/12/1999": "constraint-error:minimum",
		}},
		{`{"name": "t", "type": "datetime", "constraints": {"maximum": "2020-01-01T00:00:00Z"}}`, map[string]string{
			"2020-01-01T01:00:00+02:00": ok, "2020-01-01T01:00:00Z": "constraint-error:maximum",
		}},
		{`{"name": "t", "type": "time", "constraints": {"minimum": "08:00:00"}}`, map[string]string{
			"08:00:00": ok, "07:59:59": "constraint-error:minimum",
		}},
		{`{"name": "y", "type": "year", "constraints": {"minimum": 2000}}`, map[string]string{
			"2000": ok, "1999": "constraint-error:minimum",
		}},
		{`{"name": "y", "type": "yearmonth", "constraints": {"maximum": "2020-06"}}`, map[string]string{
			"2020-06": ok, "2020-07": "constraint-error:maximum",
		}},
		{`{"name": "d", "type": "duration", "constraints": {"maximum": "P1D"}}`, map[string]string{
			"PT23H": ok, "P2D": "constraint-error:maximum",
		}},
		{`{"name": "s", "constraints": {"pattern": "^\\d{14}$"}}`, map[string]string{
			"21860194600013": ok, "218601946": "constraint-error:pattern", "2186019460001٣": "constraint-error:pattern",
		}},
		{`{"name": "s", "constraints": {"pattern": "\\d{5}"}}`, map[string]string{
			"86194": ok, "x86194": "constraint-error:pattern", "861945": "constraint-error:pattern",
		}},
		{`{"name": "s", "constraints": {"pattern": "^[A-Za-z\\s\\-\\u00C0-\\u00FF]+$"}}`, map[string]string{
			"Saint-Étienne": ok, "L'Haÿ": "constraint-error:pattern", "Œuvre": "constraint-error:pattern",
		}},
		{`{"name": "s", "constraints": {"pattern": "(?i)^oui|non$"}}`, map[string]string{
			"OUI": ok, "Non": ok, "ouinon": "constraint-error:pattern",
		}},
		{`{"name": "s", "constraints": {"enum": ["aide en numéraire", "aide en nature"]}}`, map[string]string{
			"aide en nature": ok, "Aide en nature": "constraint-error:enum", "": ok,
		}},
		{`{"name": "n", "type": "number", "constraints": {"enum": [1, 2.5]}}`, map[string]string{
			"1": ok, "1.0": ok, "2.50": ok, "3": "constraint-error:enum",
		}},
		{`{"name": "i", "type": "integer", "constraints": {"enum": ["1", 2]}}`, map[string]string{
			"01": ok, "2": ok, "3": "constraint-error:enum",
		}},
		{`{"name": "b", "type": "boolean", "trueValues": ["oui"], "falseValues": ["non"], "constraints": {"enum": [true]}}`, map[string]string{
			"oui": ok, "non": "constraint-error:enum",
		}},
		{`{"name": "d", "type": "date", "constraints": {"enum": ["2020-01-01"]}}`, map[string]string{
			"2020-01-01": ok, "2020-1-1": ok, "2020-01-02": "constraint-error:enum",
		}},
		{`{"name": "s", "constraints": {"minLength": 3, "pattern": "^[a-z]+$", "enum": ["abc"]}}`, map[string]string{
			"AB": "constraint-error:minLength,constraint-error:pattern,constraint-error:enum",
		}},
		{`{"name": "s", "missingValues": ["NA", "-"], "constraints": {"required": true}}`, map[string]string{
			"NA": "constraint-error:required", "-": "constraint-error:required", "": ok,
		}},
		{`{"name": "a", "type": "array", "arrayItem": {"type": "string", "constraints": {"enum": ["lait", "oeufs"], "required": true}}}`, map[string]string{
			`["lait"]`: ok, `["lait", "soja"]`: "constraint-error:arrayItem.enum", `["lait", ""]`: "constraint-error:arrayItem.required",
			`[]`: ok, `lait`: bad,
		}},
		{`{"name": "a", "type": "array", "arrayItem": {"type": "integer"}}`, map[string]string{
			`[1, 2]`: ok, `["x"]`: "constraint-error:arrayItem.type",
		}},
	}
	for _, tc := range tests {
		fc := fieldOf(t, tc.field)
		for cell, want := range tc.cells {
			if got := outcome(t, fc, cell); got != want {
				t.Errorf("%s: %q gives %q, want %q", tc.field, cell, got, want)
			}
		}
	}
}
