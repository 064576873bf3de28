package tableschema

import (
	"encoding/json"
	"io"
	"math"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// FuzzParse feeds descriptors to Parse: it never panics, a schema it
// accepts reads back the same once written as JSON, and validating rows
// with it never panics either.
func FuzzParse(f *testing.F) {
	for _, p := range []string{"testdata/types.schema.json", "testdata/bench-subventions.schema.json"} {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data, "a;b;c")
		}
	}
	f.Add([]byte(`{"fields": [{"name": "x", "type": "date", "format": "%d/%m/%Y", "constraints": {"minimum": "01/01/2000"}}], "primaryKey": "x"}`), "01/01/1999")
	f.Add([]byte(`{"fields": [{"name": "n", "type": "number", "decimalChar": ",", "constraints": {"enum": [1, "2,5"]}}]}`), "2,5;1")
	f.Add([]byte(`{"fields": [{"name": "a", "type": "array", "arrayItem": {"type": "integer", "constraints": {"maximum": 3}}}]}`), `[1, 4]`)
	f.Add([]byte(`{"fields": [{"name": "s", "constraints": {"pattern": "^(?=x)", "minLength": 2}}], "custom_checks": [{"name": "one-of-required", "params": {"column1": "s", "column2": "t"}}]}`), "x")
	f.Fuzz(func(t *testing.T, data []byte, cells string) {
		s, err := Parse(data)
		if err != nil {
			return
		}
		out, err := json.Marshal(s)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		back, err := Parse(out)
		if err != nil {
			t.Fatalf("the schema does not read back: %v\n%s", err, out)
		}
		if !reflect.DeepEqual(s.Fields, back.Fields) || !reflect.DeepEqual(s.PrimaryKey, back.PrimaryKey) ||
			!reflect.DeepEqual(s.MissingValues, back.MissingValues) || !reflect.DeepEqual(s.CustomChecks, back.CustomChecks) {
			t.Fatalf("round trip differs:\n%s", out)
		}
		var header []string
		for _, fl := range s.Fields {
			header = append(header, fl.Name)
		}
		v := NewValidator(s, append(header, "extra"))
		row := strings.Split(cells, ";")
		v.Row(2, row)
		v.Row(3, row)
		v.Row(4, nil)
		rep := v.Report()
		if err := rep.WriteText(io.Discard, Both); err != nil {
			t.Fatal(err)
		}
		if err := rep.WriteJSON(io.Discard); err != nil {
			t.Fatal(err)
		}
	})
}

var fuzzFields = []string{
	`{"name": "v", "type": "number"}`,
	`{"name": "v", "type": "number", "decimalChar": ",", "groupChar": " "}`,
	`{"name": "v", "type": "number", "bareNumber": false, "groupChar": "."}`,
	`{"name": "v", "type": "integer"}`,
	`{"name": "v", "type": "integer", "bareNumber": false}`,
	`{"name": "v", "type": "boolean"}`,
	`{"name": "v", "type": "boolean", "trueValues": ["oui"], "falseValues": ["non"]}`,
	`{"name": "v", "type": "date"}`,
	`{"name": "v", "type": "date", "format": "%d/%m/%Y"}`,
	`{"name": "v", "type": "date", "format": "any"}`,
	`{"name": "v", "type": "datetime"}`,
	`{"name": "v", "type": "time"}`,
	`{"name": "v", "type": "year"}`,
	`{"name": "v", "type": "yearmonth"}`,
	`{"name": "v", "type": "duration"}`,
	`{"name": "v", "type": "geopoint"}`,
	`{"name": "v", "type": "string", "format": "email"}`,
	`{"name": "v", "type": "string", "format": "uri"}`,
}

// FuzzValue parses cells in every type: it never panics, the quick path
// never accepts what the full check refuses, and values read back the
// same once written in their canonical form.
func FuzzValue(f *testing.F) {
	for _, s := range []string{"1", "-1.5", "1 234,5", "1e308", "1e309", "NaN", "€12", "0x10", "2016-02-29", "29/02/2016",
		"5 décembre 2016", "2020-05-11T14:08:32+02:00", "14:08:32", "P1Y2M", "2.35, 48.85", "oui", "a@b.fr", "https://x.fr",
		"99999999999999999999", "1.", ".5", "+", "2018-1", "١٢"} {
		for i := range fuzzFields {
			f.Add(uint8(i), s)
		}
	}
	fields := make([]*fieldCheck, len(fuzzFields))
	for i, js := range fuzzFields {
		fields[i] = fieldOf(f, js)
	}
	f.Fuzz(func(t *testing.T, which uint8, cell string) {
		fc := fields[int(which)%len(fields)]
		outcome(t, fc, cell) // checks quick ⇒ full
		v, ok := fc.read(cell, true)
		if !ok {
			return
		}
		switch fc.kind {
		case kNumber:
			if math.IsNaN(v.f) {
				return
			}
			canon := strconv.FormatFloat(v.f, 'g', -1, 64)
			if math.IsInf(v.f, 0) {
				canon = strings.Replace(strings.Replace(canon, "+Inf", "INF", 1), "-Inf", "-INF", 1)
			}
			w, ok := parseNumber(canon, numberFormat{decimal: ".", bare: true}, true)
			if !ok || w != v.f {
				t.Fatalf("%q reads %v, whose form %q reads %v (ok %v)", cell, v.f, canon, w, ok)
			}
		case kInteger:
			if !v.big && strconv.FormatInt(v.i, 10) != canonicalInteger(strconv.FormatInt(v.i, 10)) {
				t.Fatalf("%q: %d", cell, v.i)
			}
		case kDate:
			c := civilFromDays(int64(v.f))
			iso := formatLayout("%Y-%m-%d", c)
			d, ok := parseISODate(iso)
			if !ok || float64(d.days()) != v.f {
				t.Fatalf("%q reads day %v, written %q, read back %v (ok %v)", cell, v.f, iso, d.days(), ok)
			}
		}
	})
}

// civilFromDays is the inverse of civil.days.
func civilFromDays(z int64) civil {
	z += 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return civil{year: int(y), month: int(m), day: int(d)}
}

// FuzzPattern checks that the DFA and the fixed-class matcher agree with
// regexp.
func FuzzPattern(f *testing.F) {
	f.Add(`^\d{14}$`, "21860194600013")
	f.Add(`^(\d{5}|2[AB]\d{3})$`, "2A004")
	f.Add(`^[a-zA-Z\s\-\u00C0-\u00FF]+$`, "Saint-Étienne")
	f.Add(`(?i)(oui|non)+`, "OuiNON")
	f.Add(`a{,3}b?`, "aab")
	f.Add(`^[0-9]{4}\-[0-9]{2}\-[0-9]{2}(\/[0-9]{4}\-[0-9]{2}\-[0-9]{2})?$`, "2017-03-14/2018-03-14")
	f.Fuzz(func(t *testing.T, pattern, value string) {
		m, err := compilePattern(pattern)
		if err != nil {
			return
		}
		tr, _ := translatePattern(pattern)
		re := regexp.MustCompile("^(?:" + tr + ")$")
		for _, v := range []string{value, value + value, ""} {
			if got, want := m.match(v), re.MatchString(v); got != want {
				t.Fatalf("pattern %q on %q: %v, regexp says %v (dfa %v, fixed %v)", pattern, v, got, want, m.dfa, m.fixed != nil)
			}
		}
	})
}

func TestCivilFromDays(t *testing.T) {
	for _, c := range []civil{{year: 1970, month: 1, day: 1}, {year: 2016, month: 2, day: 29}, {year: 1, month: 1, day: 1}, {year: 9999, month: 12, day: 31}, {year: 1900, month: 3, day: 1}} {
		if got := civilFromDays(c.days()); got != c {
			t.Errorf("civilFromDays(%d) = %+v, want %+v", c.days(), got, c)
		}
	}
}
