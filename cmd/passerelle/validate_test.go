package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/passerelle/passerelle/catalog"
	"github.com/passerelle/passerelle/converters"
	"github.com/passerelle/passerelle/storage"
	"github.com/passerelle/passerelle/tableschema"
)

const (
	typesSchema  = "../../tableschema/testdata/types.schema.json"
	typesValid   = "../../tableschema/testdata/types_valid.csv"
	typesInvalid = "../../tableschema/testdata/types_invalid.csv"
	sharedScdl   = "../../../shared/fixtures/schemas"
)

// validateJSON runs validate --format json and decodes its output; err is
// the command's error (errInvalidFile for an invalid file).
func validateJSON(t *testing.T, args ...string) (tables []struct {
	Sheet       string                   `json:"sheet"`
	Validation  *tableschema.Report      `json:"validation"`
	Suggestions []tableschema.Suggestion `json:"suggestions"`
}, err error) {
	t.Helper()
	out, stderr, err := runCLI(t, append([]string{"validate", "--format", "json"}, args...)...)
	if err != nil && !errors.Is(err, errInvalidFile) {
		t.Fatalf("passerelle validate %s: %s\nstderr: %s", strings.Join(args, " "), describe(err), stderr)
	}
	var doc struct {
		File   json.RawMessage `json:"file"`
		Tables []struct {
			Sheet       string                   `json:"sheet"`
			Validation  *tableschema.Report      `json:"validation"`
			Suggestions []tableschema.Suggestion `json:"suggestions"`
		} `json:"tables"`
	}
	if jerr := json.Unmarshal([]byte(out), &doc); jerr != nil || len(doc.File) == 0 {
		t.Fatalf("validate --format json printed no report (%v): %s", jerr, out)
	}
	return doc.Tables, err
}

// The command's report is exactly the validator's, read from the file as
// the converters decode it; the exit status follows its verdict.
func TestValidateMatchesValidator(t *testing.T) {
	s, err := tableschema.LoadFile(typesSchema)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		file  string
		valid bool
	}{{typesValid, true}, {typesInvalid, false}} {
		t.Run(filepath.Base(tc.file), func(t *testing.T) {
			f, err := converters.Open(tc.file, converters.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			r, err := f.Table(0)
			if err != nil {
				t.Fatal(err)
			}
			want, err := tableschema.Validate(s, r)
			r.Close()
			if err != nil {
				t.Fatal(err)
			}
			if want.Valid != tc.valid {
				t.Fatalf("validator says valid=%v for %s", want.Valid, tc.file)
			}

			tables, err := validateJSON(t, "--schema", typesSchema, tc.file)
			if (err == nil) != tc.valid {
				t.Errorf("exit error %v for a file whose validity is %v", err, tc.valid)
			}
			if len(tables) != 1 || tables[0].Validation == nil {
				t.Fatalf("want one validated table, got %+v", tables)
			}
			got, _ := json.Marshal(tables[0].Validation)
			wantJSON, _ := json.Marshal(want)
			if !bytes.Equal(got, wantJSON) {
				t.Errorf("validate's report differs from the validator's:\n%s\nwant\n%s", got, wantJSON)
			}

			for lang, marker := range map[string]string{"fr": "Résultat", "en": "Result"} {
				text, _, _ := runCLI(t, "validate", "--lang", lang, "--schema", typesSchema, tc.file)
				var rep bytes.Buffer
				l := map[string]tableschema.Lang{"fr": tableschema.French, "en": tableschema.English}[lang]
				if err := want.WriteText(&rep, l); err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(text, rep.String()) {
					t.Errorf("--lang %s text lacks the validator's report:\n%s", lang, text)
				}
				if !strings.Contains(text, marker) {
					t.Errorf("--lang %s text has no %q line:\n%s", lang, marker, text)
				}
			}
		})
	}
}

// The message an agent reads names the column, the row, the value and
// what to write instead.
func TestValidateExplainsCells(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "subventions.csv")
	schema := filepath.Join(dir, "schema.json")
	writeFile(t, schema, `{"fields": [
		{"name": "beneficiaire", "type": "string", "constraints": {"required": true}},
		{"name": "montant", "type": "number"}]}`)
	writeFile(t, csv, "beneficiaire;montant\nClub de foot;1200\nÉcole;1.234,5 €\n;15\n")
	text, _, err := runCLI(t, "validate", "--lang", "en", "--schema", schema, csv)
	if !errors.Is(err, errInvalidFile) {
		t.Fatalf("validate of an invalid file: %v", err)
	}
	for _, want := range []string{"`montant`", "row 3", "`1.234,5 €`", "`beneficiaire`", "row 4"} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
	if msg := describe(err); !strings.Contains(msg, "does not follow the schema") {
		t.Errorf("exit message %q", msg)
	}
}

// Without --schema, validate suggests the schemas of the registry the
// table's header most resembles.
func TestValidateSuggests(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "equipements.csv")
	s, err := tableschema.LoadFile("../../tableschema/testdata/registry/flat/demo-equipements-0.2.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range s.Fields {
		names = append(names, f.Name)
	}
	writeFile(t, csv, strings.Join(names, ",")+"\n"+strings.Repeat("x,", len(names)-1)+"x\n")
	reg := filepath.Join(dir, "schemas")
	if err := os.MkdirAll(reg, 0o755); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("../../tableschema/testdata/registry/flat/demo-equipements-0.2.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(reg, "demo-equipements-0.2.schema.json"), string(data))

	tables, err := validateJSON(t, "--offline", "--schemas-dir", reg, csv)
	if err != nil {
		t.Fatalf("validate without a schema failed: %v", err)
	}
	if len(tables) != 1 || len(tables[0].Suggestions) == 0 || tables[0].Suggestions[0].Confidence != 1 {
		t.Fatalf("want the equipements schema suggested with full confidence, got %+v", tables)
	}
	text, _ := mustRun(t, "validate", "--offline", "--schemas-dir", reg, csv)
	if !strings.Contains(text, "May follow "+tables[0].Suggestions[0].ID) {
		t.Errorf("text lacks the suggestion:\n%s", text)
	}
	text, _ = mustRun(t, "validate", "--offline", csv)
	if !strings.Contains(text, "No known schema") {
		t.Errorf("an empty registry should say so:\n%s", text)
	}
}

// Every example of the shared SCDL fixtures behaves as its name says,
// through the registry and an id.
func TestValidateSCDLExamples(t *testing.T) {
	examples, _ := filepath.Glob(filepath.Join(sharedScdl, "scdl/examples/subventions-2.1.1_*.csv"))
	if len(examples) == 0 {
		t.Skip("shared fixtures not found beside the checkout: SCDL examples skipped")
	}
	for _, path := range examples {
		t.Run(filepath.Base(path), func(t *testing.T) {
			tables, err := validateJSON(t, "--offline", "--schemas-dir", sharedScdl, "--schema", "scdl/subventions@2.1.1", path)
			valid := strings.Contains(filepath.Base(path), "_valide")
			if len(tables) != 1 || tables[0].Validation == nil || tables[0].Validation.Valid != valid || (err == nil) != valid {
				t.Fatalf("want valid=%v, got %+v (error %v)", valid, tables, err)
			}
		})
	}
}

// A schema that cannot be had, or a file that cannot be read, is a plain
// sentence, not a report.
func TestValidateRefusals(t *testing.T) {
	dir := t.TempDir()
	broken := filepath.Join(dir, "broken.json")
	writeFile(t, broken, `{"fields": "nope"}`)
	pdf := filepath.Join(dir, "scan.csv")
	writeFile(t, pdf, "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n\x00\x00\x00")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--offline", "--schema", "scdl/inconnu", typesValid}, "scdl/inconnu"},
		{[]string{"--offline", "--schema", "https://schema.data.gouv.fr/x.json", typesValid}, "schema https://schema.data.gouv.fr/x.json"},
		{[]string{"--schema", broken, typesValid}, "broken.json"},
		{[]string{"--schemas-dir", filepath.Join(dir, "absent"), typesValid}, "absent"},
		{[]string{"--schema", typesSchema, pdf}, "PDF"},
		{[]string{"--schema", typesSchema, filepath.Join(dir, "absent.csv")}, "absent.csv"},
	} {
		msg := mustFail(t, append([]string{"validate"}, tc.args...)...)
		if !strings.Contains(msg, tc.want) || strings.Contains(msg, "panic") {
			t.Errorf("validate %v: message %q should mention %q", tc.args, msg, tc.want)
		}
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// import --schema checks the file while it is ingested and says how it
// fared; a schema file is stored with the resource, an id is looked up in
// --schemas-dir, an unknown one stops the import before anything changes.
func TestImportWithSchema(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, "org", "create", "ville", "--data-dir", dir)
	out, _ := mustRun(t, "import", typesValid, "--org", "ville", "--dataset", "types", "--schema", typesSchema, "--offline", "--data-dir", dir, "--progress", "none")
	if !strings.Contains(out, "valid (") || !strings.Contains(out, "conforme") {
		t.Errorf("valid file:\n%s", out)
	}
	out, _ = mustRun(t, "import", typesInvalid, "--org", "ville", "--dataset", "types", "--schema", typesSchema, "--offline", "--data-dir", dir, "--progress", "none")
	if !strings.Contains(out, "errors / ") || !strings.Contains(out, "✗") {
		t.Errorf("invalid file:\n%s", out)
	}
	ds := storage.NewDatasetService(openCatalog(t, dir))
	d, err := ds.FindDataset(catalog.WithPrincipal(t.Context(), operator), "types")
	if err != nil {
		t.Fatal(err)
	}
	var statuses []string
	for _, r := range d.Resources {
		if r.DerivedFrom == "" {
			if !tableschema.IsInline(r.Schema) || r.Validation == nil {
				t.Fatalf("resource %s: schema %.40q, validation %v", r.Name, r.Schema, r.Validation)
			}
			statuses = append(statuses, string(r.Validation.Status))
		}
	}
	if strings.Join(statuses, ",") != "success,failure" {
		t.Errorf("validations = %v", statuses)
	}

	out, _ = mustRun(t, "import", "../../converters/testdata/cp1252_semicolon.csv", "--org", "ville", "--dataset", "subventions",
		"--schemas-dir", "../../api/testdata/schemas", "--schema", "ville/subventions", "--offline", "--data-dir", dir, "--progress", "none")
	if !strings.Contains(out, "Schema    ville/subventions") {
		t.Errorf("schema by id:\n%s", out)
	}
	msg := mustFail(t, "import", typesValid, "--org", "ville", "--dataset", "autre", "--schema", "scdl/inconnu", "--offline", "--data-dir", dir, "--progress", "none")
	plainSentence(t, msg, "scdl/inconnu")
	if _, err := ds.FindDataset(catalog.WithPrincipal(t.Context(), operator), "autre"); catalog.ErrorKind(err) != catalog.KindNotFound {
		t.Errorf("a refused import created its dataset: %v", err)
	}
}
