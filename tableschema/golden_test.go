package tableschema

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/passerelle/passerelle/converters"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// fixtures is shared/fixtures beside the repository (SOURCES.md).
const fixtures = "../../shared/fixtures"

// golden compares got with testdata/golden/name, or rewrites it with
// -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it); got:\n%s", path, got)
	}
}

// validateFile validates table i of the file at path through the
// converters.
func validateFile(t *testing.T, s *Schema, path string, i int) (*Report, *converters.Reader) {
	t.Helper()
	f, err := converters.Open(path, converters.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := f.Table(i)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rep, err := Validate(s, r)
	if err != nil {
		t.Fatal(err)
	}
	return rep, r
}

// goldenReport checks a report's JSON and its text in both languages.
func goldenReport(t *testing.T, name string, rep *Report) {
	t.Helper()
	var js, txt bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	if err := rep.WriteText(&txt, Both); err != nil {
		t.Fatal(err)
	}
	golden(t, name+".json", js.Bytes())
	golden(t, name+".txt", txt.Bytes())
}

func codesOf(list []Issue) []string {
	var out []string
	for _, is := range list {
		c := is.Code
		if is.Constraint != "" {
			c += ":" + is.Constraint
		}
		if is.Field != "" {
			c += "@" + is.Field
		} else if is.Label != "" {
			c += "@" + is.Label
		}
		out = append(out, c)
	}
	return out
}

func hasIssue(list []Issue, code, field string) bool {
	return slices.ContainsFunc(list, func(is Issue) bool {
		return is.Code == code && (field == "" || is.Field == field || is.Label == field)
	})
}

// TestTypesGolden runs the hand-written schema that uses every type,
// format and constraint on a valid file and on a file that breaks each.
func TestTypesGolden(t *testing.T) {
	s, err := LoadFile("testdata/types.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	s.Path = "testdata/types.schema.json"
	if len(s.Unsupported) != 0 {
		t.Errorf("unsupported: %+v", s.Unsupported)
	}
	t.Run("valid", func(t *testing.T) {
		rep, _ := validateFile(t, s, "testdata/types_valid.csv", 0)
		if !rep.Valid || rep.ErrorCount != 0 || rep.WarningCount != 0 || rep.Rows != 3 {
			t.Errorf("valid file: %d errors %v, %d warnings, %d rows", rep.ErrorCount, codesOf(rep.Errors), rep.WarningCount, rep.Rows)
		}
		goldenReport(t, "types_valid", rep)
	})
	t.Run("invalid", func(t *testing.T) {
		rep, _ := validateFile(t, s, "testdata/types_invalid.csv", 0)
		if rep.Valid {
			t.Fatal("invalid file reported valid")
		}
		for _, want := range []struct{ code, field string }{
			{CodeIncorrectLabel, "nom"}, {CodeExtraLabel, "remarque"}, {CodeMissingLabel, "drapeau"},
			{CodeDisorderedHeader, ""}, {CodeDuplicateRow, ""}, {CodePrimaryKeyError, "id"}, {CodeUniqueError, "reference"},
			{CheckFrenchSIRET, "siret"}, {CheckOneOfRequired, ""},
		} {
			if !hasIssue(rep.Errors, want.code, want.field) && !hasIssue(rep.Warnings, want.code, want.field) {
				t.Errorf("no %s on %q in %v %v", want.code, want.field, codesOf(rep.Errors), codesOf(rep.Warnings))
			}
		}
		// Every field but libre gets a type or constraint error.
		for _, f := range s.Fields {
			if f.Name == "libre" || f.Name == "drapeau" {
				continue
			}
			if !slices.ContainsFunc(rep.Errors, func(is Issue) bool {
				return is.Field == f.Name && (is.Code == CodeTypeError || is.Code == CodeConstraintError || is.Code == CodeUniqueError)
			}) {
				t.Errorf("field %s: no cell error", f.Name)
			}
		}
		if rep.Mapping["Nom"] != "nom" {
			t.Errorf("mapping %v", rep.Mapping)
		}
		goldenReport(t, "types_invalid", rep)
	})
}

// scdlRegistry loads the SCDL schemas of the shared fixtures, or skips.
func scdlRegistry(t *testing.T) *Registry {
	t.Helper()
	dir := filepath.Join(fixtures, "schemas", "scdl")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("shared fixtures not found (%s): testdata covers the same checks", dir)
	}
	reg := NewRegistry()
	if err := reg.LoadDir(dir); err != nil {
		t.Fatal(err)
	}
	return reg
}

// TestSCDLExamples checks the official example files of the subventions
// schema against what SOURCES.md §2 says of them.
func TestSCDLExamples(t *testing.T) {
	reg := scdlRegistry(t)
	s, err := reg.Get("scdl/subventions")
	if err != nil {
		t.Fatal(err)
	}
	if s.Version != "2.1.1" {
		t.Fatalf("latest subventions is %s, want 2.1.1", s.Version)
	}
	dir := filepath.Join(fixtures, "schemas", "scdl", "examples")
	tests := []struct {
		file  string
		valid bool
		check func(t *testing.T, rep *Report)
	}{
		{"subventions-2.1.1_exemple_valide.csv", true, func(t *testing.T, rep *Report) {
			if rep.WarningCount != 0 || rep.Rows != 29 {
				t.Errorf("%d warnings %v, %d rows", rep.WarningCount, codesOf(rep.Warnings), rep.Rows)
			}
		}},
		{"subventions-2.1.1_exemple_invalide_erreurs_cellules.csv", false, func(t *testing.T, rep *Report) {
			for _, want := range []string{
				"constraint-error:maximum@pourcentageSubvention", "type-error@dateConvention", "type-error@montant",
				"type-error@notificationUE", "constraint-error:pattern@idAttribuant", "constraint-error:pattern@rnaBeneficiaire",
				"constraint-error:pattern@datesPeriodeVersement", "constraint-error:required@montant", "constraint-error:enum@nature",
				"french-siret-value@idBeneficiaire", "one-of-required",
			} {
				if !slices.Contains(codesOf(rep.Errors), want) {
					t.Errorf("no %s in %v", want, codesOf(rep.Errors))
				}
			}
			if !hasIssue(rep.Warnings, CodeMissingLabel, "dispositifAide") {
				t.Errorf("the missing dispositifAide column is not reported: %v", codesOf(rep.Warnings))
			}
		}},
		{"subventions-2.1.1_exemple_invalide_erreurs_colonnes.csv", false, func(t *testing.T, rep *Report) {
			if !hasIssue(rep.Errors, CodeIncorrectLabel, "nomBeneficiaire") || rep.Mapping["NOM_Beneficiaire"] != "nomBeneficiaire" {
				t.Errorf("no mapping for NOM_Beneficiaire: %v %v", rep.Mapping, codesOf(rep.Errors))
			}
			if !hasIssue(rep.Warnings, CodeDisorderedHeader, "") || !hasIssue(rep.Warnings, CodeMissingLabel, "dispositifAide") {
				t.Errorf("warnings %v", codesOf(rep.Warnings))
			}
			// The mapping lets the cells be checked: the same cell errors
			// as the other invalid example.
			if !slices.Contains(codesOf(rep.Errors), "type-error@montant") {
				t.Errorf("cell errors not found: %v", codesOf(rep.Errors))
			}
		}},
		{"subventions-2.1.1_exemple-duplicate-column.csv", false, func(t *testing.T, rep *Report) {
			if !hasIssue(rep.Errors, CodeDuplicateLabel, "notificationUE") {
				t.Errorf("no duplicate-label: %v", codesOf(rep.Errors))
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			rep, _ := validateFile(t, s, filepath.Join(dir, tc.file), 0)
			if rep.Valid != tc.valid {
				t.Errorf("valid = %v, want %v; errors %v", rep.Valid, tc.valid, codesOf(rep.Errors))
			}
			tc.check(t, rep)
			goldenReport(t, "scdl_"+strings.TrimSuffix(tc.file, ".csv"), rep)
		})
	}
}

// TestSubventionsFixtures runs the real 2017–2018 subventions files of
// shared/fixtures/tabular against scdl-subventions 2.0.1 and records the
// outcome (counts, mapping, suggestion) in one golden file.
func TestSubventionsFixtures(t *testing.T) {
	reg := scdlRegistry(t)
	s, err := reg.Get("scdl/subventions@2.0.1")
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(fixtures, "tabular", "subventions_*"))
	if len(files) == 0 {
		t.Skip("no subventions fixtures")
	}
	var out bytes.Buffer
	for _, path := range files {
		name := filepath.Base(path)
		f, err := converters.Open(path, converters.Options{})
		if err != nil {
			var ce *converters.Error
			if !errors.As(err, &ce) {
				t.Fatalf("%s: %v", name, err)
			}
			fmt.Fprintf(&out, "%s: refused by the converters: %s\n\n", name, ce.Msg)
			continue
		}
		for i, sheet := range f.Sheets {
			r, err := f.Table(i)
			if errors.Is(err, converters.ErrNoTable) {
				continue
			}
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			header := r.Header()
			rep, err := Validate(s, r)
			r.Close()
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if rep.Rows != r.Rows() {
				t.Errorf("%s: %d rows checked, the reader read %d", name, rep.Rows, r.Rows())
			}
			if rep.ErrorCount < len(rep.Errors) || sum(rep.ErrorCounts) != rep.ErrorCount || sum(rep.WarningCounts) != rep.WarningCount {
				t.Errorf("%s: counts do not add up: %d %v / %d %v", name, rep.ErrorCount, rep.ErrorCounts, rep.WarningCount, rep.WarningCounts)
			}
			matched := 0
			for _, c := range rep.Columns {
				if c.Field != "" {
					matched++
				}
			}
			fmt.Fprintf(&out, "%s", name)
			if sheet.Name != "" {
				fmt.Fprintf(&out, " [%s]", sheet.Name)
			}
			fmt.Fprintf(&out, ": %d rows, valid %v, %d/%d columns read as fields\n", rep.Rows, rep.Valid, matched, len(rep.Columns))
			fmt.Fprintf(&out, "  errors %d: %s\n", rep.ErrorCount, countList(rep.ErrorCounts))
			fmt.Fprintf(&out, "  warnings %d: %s\n", rep.WarningCount, countList(rep.WarningCounts))
			if len(rep.Mapping) > 0 {
				fmt.Fprintf(&out, "  mapping: %s\n", countMapping(rep.Mapping))
			}
			if sg := reg.Suggest(header); len(sg) > 0 {
				fmt.Fprintf(&out, "  suggestion: %s@%s %.3f\n", sg[0].ID, sg[0].Version, sg[0].Confidence)
			} else {
				fmt.Fprintf(&out, "  suggestion: none\n")
			}
			for _, is := range rep.Errors[:min(3, len(rep.Errors))] {
				fmt.Fprintf(&out, "  e.g. %s\n", is.Message)
			}
			out.WriteString("\n")
		}
		f.Close()
	}
	golden(t, "fixtures_subventions_2.0.1.txt", out.Bytes())
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func countMapping(m map[string]string) string {
	var parts []string
	for _, k := range sortedKeys(m) {
		parts = append(parts, k+" → "+m[k])
	}
	return strings.Join(parts, ", ")
}
