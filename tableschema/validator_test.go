package tableschema

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func mustParse(t testing.TB, js string) *Schema {
	t.Helper()
	s, err := Parse([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

const smallSchema = `{
	"fields": [
		{"name": "id", "type": "integer", "constraints": {"required": true, "unique": true}},
		{"name": "nom", "title": "Nom de la commune", "constraints": {"required": true}},
		{"name": "montant", "type": "number"},
		{"name": "commentaire"}
	]
}`

func TestRows(t *testing.T) {
	tests := []struct {
		name   string
		header []string
		rows   [][]string
		errs   []string // codesOf(report.Errors)
		warns  []string
	}{
		{"valid", []string{"id", "nom", "montant", "commentaire"}, [][]string{{"1", "Lyon", "1.5", ""}, {"2", "Nice", "", "x"}}, nil, nil},
		{"blank and duplicate rows", []string{"id", "nom", "montant", "commentaire"},
			[][]string{{"1", "Lyon", "1", ""}, {"", "", "", ""}, {"1", "Lyon", "1", ""}, {" ", "", "", "\t"}},
			[]string{"blank-row", "duplicate-row", "unique-error:unique@id", "blank-row"}, nil},
		{"missing and extra cells", []string{"id", "nom", "montant", "commentaire"},
			[][]string{{"1", "Lyon"}, {"2", "Nice", "1", "", "en trop", ""}},
			[]string{"missing-cell@montant", "missing-cell@commentaire", "extra-cell"}, nil},
		{"required column missing, optional missing, extra", []string{"id", "autre"},
			[][]string{{"1", "x"}},
			[]string{"missing-label@nom"}, []string{"missing-label@montant", "missing-label@commentaire", "extra-label@autre"}},
		{"mapping by case, accents and title", []string{"ID", "Nom de la commune", "Montant ", "commentaire"},
			[][]string{{"x", "Lyon", "1,5", ""}},
			[]string{"incorrect-label@id", "incorrect-label@nom", "incorrect-label@montant", "type-error@id", "type-error@montant"}, nil},
		{"out of order", []string{"nom", "id", "commentaire", "montant"},
			[][]string{{"Lyon", "1", "", "2"}},
			nil, []string{"disordered-header"}},
		{"blank and duplicate labels", []string{"id", "", "nom", "id", "x", "x"},
			[][]string{{"1", "", "Lyon", "1", "", ""}},
			[]string{"blank-label", "duplicate-label@id", "duplicate-label@x"},
			[]string{"missing-label@montant", "missing-label@commentaire", "extra-label@x"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := NewValidator(mustParse(t, smallSchema), tc.header)
			v.HeaderLine = 1
			for i, row := range tc.rows {
				v.Row(i+2, row)
			}
			rep := v.Report()
			if got := codesOf(rep.Errors); !reflect.DeepEqual(got, tc.errs) {
				t.Errorf("errors %q, want %q", got, tc.errs)
			}
			if got := codesOf(rep.Warnings); !reflect.DeepEqual(got, tc.warns) {
				t.Errorf("warnings %q, want %q", got, tc.warns)
			}
			if rep.Valid != (len(tc.errs) == 0) {
				t.Errorf("valid = %v with errors %v", rep.Valid, tc.errs)
			}
			for _, is := range append(rep.Errors, rep.Warnings...) {
				if is.Message == "" || is.MessageFR == "" || is.Title == "" || is.TitleFR == "" {
					t.Errorf("issue without text: %+v", is)
				}
			}
		})
	}
}

// TestExactLabels turns the mapping off: labels must be the field names.
func TestExactLabels(t *testing.T) {
	v := NewValidator(mustParse(t, smallSchema), []string{"ID", "nom", "montant", "commentaire"})
	v.ExactLabels = true
	v.Row(2, []string{"1", "Lyon", "1", ""})
	rep := v.Report()
	if got := codesOf(rep.Errors); !reflect.DeepEqual(got, []string{"missing-label@id"}) {
		t.Errorf("errors %q", got)
	}
	if rep.Mapping != nil {
		t.Errorf("mapping %v", rep.Mapping)
	}
}

// TestMaxErrors checks that the list stops at MaxErrors, counts do not,
// and the errors found at the end (duplicates) take their place by row.
func TestMaxErrors(t *testing.T) {
	v := NewValidator(mustParse(t, smallSchema), []string{"id", "nom", "montant", "commentaire"})
	v.MaxErrors = 5
	v.Row(2, []string{"1", "Lyon", "1", ""})
	v.Row(3, []string{"1", "Lyon", "1", ""})
	for i := 4; i < 104; i++ {
		v.Row(i, []string{fmt.Sprint(i), "Lyon", "abc", ""})
	}
	rep := v.Report()
	if rep.ErrorCount != 102 || len(rep.Errors) != 5 || !rep.Truncated {
		t.Fatalf("%d errors, %d listed, truncated %v", rep.ErrorCount, len(rep.Errors), rep.Truncated)
	}
	want := []string{"duplicate-row", "unique-error:unique@id", "type-error@montant", "type-error@montant", "type-error@montant"}
	if got := codesOf(rep.Errors); !reflect.DeepEqual(got, want) {
		t.Errorf("errors %q, want %q", got, want)
	}
	rows := []int{3, 3, 4, 5, 6}
	for i, is := range rep.Errors {
		if is.Row != rows[i] {
			t.Errorf("error %d on row %d, want %d", i, is.Row, rows[i])
		}
	}
	if rep.ErrorCounts[CodeTypeError] != 100 || rep.ErrorCounts[CodeDuplicateRow] != 1 {
		t.Errorf("counts %v", rep.ErrorCounts)
	}
	// Report again after more rows: the repeats are searched again.
	v.Row(200, []string{"2", "Nice", "2", ""})
	v.Row(201, []string{"2", "Nice", "2", ""})
	if rep := v.Report(); rep.ErrorCounts[CodeDuplicateRow] != 2 || rep.ErrorCounts[CodeUniqueError] != 2 {
		t.Errorf("second report: %v", rep.ErrorCounts)
	}
}

func TestPrimaryKey(t *testing.T) {
	s := mustParse(t, `{"fields": [{"name": "a", "type": "integer"}, {"name": "b", "type": "date"}, {"name": "c"}], "primaryKey": ["a", "b"]}`)
	v := NewValidator(s, []string{"a", "b", "c"})
	v.DuplicateRows = false
	for i, row := range [][]string{
		{"1", "2020-01-01", "x"},
		{"1", "2020-01-02", "x"},
		{"01", "2020-1-1", "y"}, // same key, written differently
		{"1", "", "z"},          // a missing value: left to the cell checks
		{"1", "", "z"},
		{"2", "2020-01-01", "x"},
	} {
		v.Row(i+2, row)
	}
	rep := v.Report()
	if got := codesOf(rep.Errors); !reflect.DeepEqual(got, []string{"primary-key-error"}) || rep.Errors[0].Row != 4 {
		t.Errorf("errors %q %+v", got, rep.Errors)
	}
	if !strings.Contains(rep.Errors[0].Message, "row 4 repeats the key of row 2") {
		t.Errorf("message %q", rep.Errors[0].Message)
	}
	// A row with no value at all for the key.
	v.Row(10, []string{"", "", "w"})
	rep = v.Report()
	if got := codesOf(rep.Errors); !reflect.DeepEqual(got, []string{"primary-key-error", "primary-key-error"}) ||
		!strings.Contains(rep.Errors[1].MessageFR, "la ligne 10 n'en a pas de valeur") {
		t.Errorf("errors %q %+v", got, rep.Errors)
	}
}

// TestPipe checks that a Pipe gives the same report as Row calls.
func TestPipe(t *testing.T) {
	s, err := LoadFile("testdata/types.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	header := []string{"id", "reference", "nom", "montant"}
	var rows [][]string
	for i := range 5000 {
		rows = append(rows, []string{fmt.Sprint(i % 4000), fmt.Sprint("R", i%3000), "ab", []string{"1", "x", "2,5"}[i%3]})
	}
	a := NewValidator(s, header)
	for i, r := range rows {
		a.Row(i+2, r)
	}
	b := NewValidator(s, header)
	p := b.Pipe()
	for i, r := range rows {
		p.Row(i+2, slices.Clone(r))
	}
	ra, rb := a.Report(), p.Close()
	if !reflect.DeepEqual(ra, rb) {
		t.Errorf("pipe report differs: %d %v vs %d %v", ra.ErrorCount, ra.ErrorCounts, rb.ErrorCount, rb.ErrorCounts)
	}
	if ra.ErrorCounts[CodePrimaryKeyError] != 1000 || ra.ErrorCounts[CodeUniqueError] != 2000 {
		t.Errorf("counts %v", ra.ErrorCounts)
	}
}

func TestLineNumbers(t *testing.T) {
	v := NewValidator(mustParse(t, smallSchema), []string{"id", "nom", "montant", "commentaire"})
	v.HeaderLine = 4
	v.Row(0, []string{"x", "Lyon", "", ""})
	rep := v.Report()
	if len(rep.Errors) != 1 || rep.Errors[0].Row != 5 || !strings.Contains(rep.Errors[0].MessageFR, "la ligne 5 contient `x`") {
		t.Errorf("errors %+v", rep.Errors)
	}
}

func TestWriteText(t *testing.T) {
	v := NewValidator(mustParse(t, `{"name": "s", "fields": [{"name": "montant", "type": "number"}]}`), []string{"montant"})
	v.Row(12, []string{"1.234,5 €"})
	rep := v.Report()
	for lang, want := range map[Lang][]string{
		English: {"column `montant` expects a number; row 12 has `1.234,5 €`; write it `1234.5`", "Result: INVALID — 1 error, 0 warnings, 1 row checked"},
		French:  {"la colonne `montant` attend un nombre ; la ligne 12 contient `1.234,5 €` ; écrivez `1234.5`", "Résultat : NON VALIDE — 1 erreur, 0 avertissement, 1 ligne contrôlée"},
	} {
		var b strings.Builder
		if err := rep.WriteText(&b, lang); err != nil {
			t.Fatal(err)
		}
		for _, w := range want {
			if !strings.Contains(b.String(), w) {
				t.Errorf("text lacks %q:\n%s", w, b.String())
			}
		}
	}
	var b strings.Builder
	_ = rep.WriteText(&b, Both)
	if fr, en := strings.Index(b.String(), "Résultat"), strings.Index(b.String(), "Result:"); fr < 0 || en < fr {
		t.Errorf("both languages, French first:\n%s", b.String())
	}
}
