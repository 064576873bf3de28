package converters

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// TestMessyFiles reads the small hand-written files of testdata, one per
// kind of mess, so that the package is tested without the shared fixtures.
func TestMessyFiles(t *testing.T) {
	type fileFacts struct {
		file      string
		path      func(t *testing.T) string
		format    Format
		encoding  string
		bom       bool
		delimiter string
		tables    []tableFacts
		sheets    int
		warnings  []string
	}
	tests := []fileFacts{
		{file: "cp1252_semicolon.csv", format: FormatCSV, encoding: EncodingCP1252, delimiter: ";",
			tables: []tableFacts{{headerLine: 1, rows: 3, types: map[string]Type{
				"idBeneficiaire": TypeString, "dateConvention": TypeDate, "montant": TypeNumber, "objet": TypeString}}}},
		{file: "bom_over_cp1252.csv", format: FormatCSV, encoding: EncodingCP1252, bom: true, delimiter: ";",
			tables:   []tableFacts{{headerLine: 1, rows: 2, types: map[string]Type{"id": TypeInteger, "libellé": TypeString, "montant": TypeNumber}}},
			warnings: []string{"byte-order mark"}},
		{file: "utf8_bom.csv", format: FormatCSV, encoding: EncodingUTF8, bom: true, delimiter: ";",
			tables: []tableFacts{{headerLine: 1, rows: 3, types: map[string]Type{
				"code_postal": TypeString, "code_insee": TypeString, "date_plantation": TypeDate, "arbre_remarquable": TypeBoolean}}}},
		{file: "utf16le_bom.csv", format: FormatCSV, encoding: EncodingUTF16LE, bom: true, delimiter: ",",
			tables: []tableFacts{{headerLine: 1, rows: 2, types: map[string]Type{
				"siret": TypeString, "insee": TypeString, "prix": TypeNumber, "date": TypeDate}}},
			warnings: []string{"invalid UTF-16"}},
		{file: "title_lines.csv", format: FormatCSV, encoding: EncodingUTF8, delimiter: ";",
			tables: []tableFacts{{headerLine: 3, rows: 3, types: map[string]Type{
				"Commune": TypeString, "Code INSEE": TypeString, "Montant": TypeNumber, "Date": TypeDate}}},
			warnings: []string{"1 title lines"}},
		{file: "repeated_header.csv", format: FormatCSV, encoding: EncodingUTF8, delimiter: ";",
			tables:   []tableFacts{{headerLine: 1, rows: 3, types: map[string]Type{"NUMCOM": TypeString, "TAUX": TypeNumber}}},
			warnings: []string{"2 copies of the header"}},
		{file: "no_header.tsv", format: FormatCSV, encoding: EncodingUTF8, delimiter: "tab",
			tables: []tableFacts{{headerLine: 0, rows: 3, types: map[string]Type{
				"column_1": TypeInteger, "column_2": TypeString, "column_3": TypeDate, "column_5": TypeBoolean}}}},
		{file: "pipe.txt", format: FormatCSV, encoding: EncodingUTF8, delimiter: "|",
			tables: []tableFacts{{headerLine: 1, rows: 3, types: map[string]Type{
				"No disposition": TypeString, "Date mutation": TypeDate, "Valeur fonciere": TypeNumber,
				"Code postal": TypeString, "Code departement": TypeString, "Surface": TypeInteger}}}},
		{file: "ragged.csv", format: FormatCSV, encoding: EncodingUTF8, delimiter: ",",
			tables:   []tableFacts{{headerLine: 1, rows: 4, types: map[string]Type{"a": TypeInteger, "c": TypeInteger}}},
			warnings: []string{"1 rows have more values", "1 rows have fewer values"}},
		{file: "codes.csv", format: FormatCSV, encoding: EncodingUTF8, delimiter: ",",
			tables: []tableFacts{{headerLine: 1, rows: 3, types: map[string]Type{
				"siret": TypeString, "siren": TypeString, "insee": TypeString, "dep": TypeString, "cp": TypeString,
				"id": TypeInteger, "area_id": TypeString, "nb": TypeInteger}}}},
		{file: "missing.csv", format: FormatCSV, encoding: EncodingUTF8, delimiter: ";",
			tables: []tableFacts{{headerLine: 1, rows: 4, types: map[string]Type{
				"montant": TypeNumber, "date": TypeDate, "flag": TypeBoolean, "note": TypeString}}}},
		{file: "footnotes.csv", format: FormatCSV, encoding: EncodingUTF8, delimiter: ";",
			tables:   []tableFacts{{headerLine: 1, rows: 2, types: map[string]Type{"population": TypeInteger, "surface": TypeNumber}}},
			warnings: []string{"2 footnote lines"}},
		{file: "mac_cr.csv", format: FormatCSV, encoding: EncodingUTF8, delimiter: ";",
			tables:   []tableFacts{{headerLine: 1, rows: 2, types: map[string]Type{"a": TypeInteger, "b": TypeString}}},
			warnings: []string{"carriage return"}},
		{file: "stray_cp1252.csv", format: FormatCSV, encoding: EncodingUTF8, delimiter: ";",
			tables:   []tableFacts{{headerLine: 1, rows: 301}},
			warnings: []string{"2 bytes were not valid UTF-8"}},
		{file: "datetimes.csv", format: FormatCSV, encoding: EncodingUTF8, delimiter: ",",
			tables: []tableFacts{{headerLine: 1, rows: 3, types: map[string]Type{
				"horodatage": TypeDatetime, "valeur": TypeNumber, "actif": TypeBoolean}}}},
		{file: "unclosed_quote.csv", format: FormatCSV, encoding: EncodingUTF8, delimiter: ";",
			tables:   []tableFacts{{headerLine: 1, rows: 1}},
			warnings: []string{"still open at the end"}},
		{file: "json_cells.csv", format: FormatCSV, encoding: EncodingUTF8, delimiter: ",",
			tables: []tableFacts{{headerLine: 1, rows: 2, types: map[string]Type{"id": TypeInteger, "info": TypeString}}}},
		{file: "report.xlsx", path: func(t *testing.T) string { return zipDir(t, "testdata/xlsx/report", "report.xlsx") },
			format: FormatXLSX, sheets: 3, tables: []tableFacts{
				{sheet: "Rapport & totaux", headerLine: 4, headerRows: 2, rows: 3, types: map[string]Type{
					"Commune": TypeString, "Code INSEE": TypeString, "Montants Voté": TypeNumber, "Montants Versé": TypeInteger,
					"Date de la convention": TypeDate, "Signé": TypeBoolean, "Horodatage": TypeDatetime}},
				{sheet: "Cachée", headerLine: 1, rows: 2, types: map[string]Type{"clé": TypeString, "valeur": TypeInteger}}},
			warnings: []string{"1 title lines", "the sheet is hidden", "spreadsheet errors", "1 footnote lines"}},
		{file: "report.ods", path: func(t *testing.T) string { return zipDir(t, "testdata/ods/report", "report.xls") },
			format: FormatODS, sheets: 3, tables: []tableFacts{
				{sheet: "Données 2024", headerLine: 5, headerRows: 2, rows: 3, types: map[string]Type{
					"Projet": TypeString, "Résultats Date": TypeDate, "Résultats Montant": TypeNumber, "Résultats Primé": TypeBoolean}},
				{sheet: "Masquée", headerLine: 1, rows: 1, types: map[string]Type{"heure": TypeString, "n": TypeNumber}}},
			warnings: []string{"1 title lines", "the sheet is hidden"}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			path := filepath.Join("testdata", tc.file)
			if tc.path != nil {
				path = tc.path(t)
			}
			rep, err := Inspect(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Format != tc.format {
				t.Errorf("format %s, want %s", rep.Format, tc.format)
			}
			if rep.Encoding != tc.encoding || rep.BOM != tc.bom || rep.Delimiter != tc.delimiter {
				t.Errorf("encoding %s bom %v delimiter %q, want %s %v %q", rep.Encoding, rep.BOM, rep.Delimiter, tc.encoding, tc.bom, tc.delimiter)
			}
			if len(rep.Sheets) != tc.sheets {
				t.Errorf("%d sheets, want %d", len(rep.Sheets), tc.sheets)
			}
			if len(rep.Tables) != len(tc.tables) {
				t.Errorf("%d tables, want %d", len(rep.Tables), len(tc.tables))
			}
			for _, want := range tc.tables {
				checkTable(t, rep, want, nil)
			}
			for _, w := range tc.warnings {
				if !hasWarning(allWarnings(rep), w) {
					t.Errorf("no warning %q in %q", w, allWarnings(rep))
				}
			}
			checkWarningsFR(t, rep)
		})
	}
}

// TestGolden checks the normalised CSV and the inspect report (text and
// JSON) of the testdata files against testdata/golden; go test -update
// rewrites them.
func TestGolden(t *testing.T) {
	files := []struct{ name, path string }{
		{"cp1252_semicolon.csv", ""}, {"bom_over_cp1252.csv", ""}, {"utf16le_bom.csv", ""}, {"title_lines.csv", ""},
		{"no_header.tsv", ""}, {"pipe.txt", ""}, {"missing.csv", ""}, {"datetimes.csv", ""}, {"ragged.csv", ""},
		{"report.xlsx", "testdata/xlsx/report"}, {"report.ods", "testdata/ods/report"},
	}
	for _, f := range files {
		t.Run(f.name, func(t *testing.T) {
			path := filepath.Join("testdata", f.name)
			if f.path != "" {
				path = zipDir(t, f.path, f.name)
			}
			rep, err := Inspect(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			rep.File = f.name
			var text, js bytes.Buffer
			if err := rep.WriteText(&text); err != nil {
				t.Fatal(err)
			}
			if err := rep.WriteJSON(&js); err != nil {
				t.Fatal(err)
			}
			golden(t, f.name+".inspect.txt", text.Bytes())
			golden(t, f.name+".inspect.json", js.Bytes())
			file, err := Open(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer file.Close()
			var out bytes.Buffer
			for i, tr := range rep.Tables {
				r, err := file.Table(sheetIndex(rep, tr.Sheet))
				if err != nil {
					t.Fatal(err)
				}
				if i > 0 {
					out.WriteString("\r\n")
				}
				if _, err := Normalize(&out, r, tr.Schema); err != nil {
					t.Fatal(err)
				}
				r.Close()
			}
			golden(t, f.name+".normalised.csv", out.Bytes())
		})
	}
}

func sheetIndex(rep *Report, sheet string) int {
	for i, s := range rep.Sheets {
		if s.Name == sheet {
			return i
		}
	}
	return 0
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// TestNormaliseValues checks the conversions of the normalised writer.
func TestNormaliseValues(t *testing.T) {
	s := &Schema{Fields: []Field{{Name: "n", Type: TypeNumber}, {Name: "i", Type: TypeInteger}, {Name: "d", Type: TypeDate},
		{Name: "t", Type: TypeDatetime}, {Name: "b", Type: TypeBoolean}, {Name: "s", Type: TypeString}}}
	tests := []struct {
		name string
		row  []string
		want string
	}{
		{"french", []string{"1 234,56", "1 500", "21/12/2017", "21/12/2017 08:05", "Oui", "a,b"}, `1234.56,1500,2017-12-21,2017-12-21T08:05:00,true,"a,b"`},
		{"nbsp and signs", []string{"-40\u00a0000,00", "+7", "2017/09/08", "2020-05-11T14:08:32Z", "FAUX", `say "hi"`}, `-40000.00,7,2017-09-08,2020-05-11T14:08:32Z,false,"say ""hi"""`},
		{"english grouping", []string{"1,234.5", "12", "1.2.2020", "2020-05-11 14:08:32+0200", "0", "line\nbreak"}, "1234.5,12,2020-02-01,2020-05-11T14:08:32+02:00,false,\"line\nbreak\""},
		{"missing", []string{"NA", " - ", "n/a", "", "\\N", "#N/A"}, ",,,,,"},
		{"invalid kept", []string{"abc", "1.5", "32/01/2020", "x", "peut-être", " padded "}, "abc,1.5,32/01/2020,x,peut-être, padded "},
		{"dot decimal comma less", []string{",5", "0", "29/02/2024", "2024-02-29T23:59:59.123", "true", "é"}, "0.5,0,2024-02-29,2024-02-29T23:59:59.123,true,é"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			w := NewWriter(&b, s)
			if err := w.Write(tc.row); err != nil {
				t.Fatal(err)
			}
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			if got := strings.TrimSuffix(b.String(), "\r\n"); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}
