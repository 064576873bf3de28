package converters

import (
	"archive/zip"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// zipDir zips the files under testdata dir into a temporary file named
// name (its extension is not looked at by the converters). An ODS
// "mimetype" entry is stored first and uncompressed, as the format asks.
func zipDir(t testing.TB, dir, name string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), name)
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	var files []string
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(files, func(a, b string) int {
		am, bm := strings.HasSuffix(a, "mimetype"), strings.HasSuffix(b, "mimetype")
		switch {
		case am && !bm:
			return -1
		case bm && !am:
			return 1
		}
		return strings.Compare(a, b)
	})
	for _, p := range files {
		rel, _ := filepath.Rel(dir, p)
		method := zip.Deflate
		if rel == "mimetype" {
			method = zip.Store
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: filepath.ToSlash(rel), Method: method})
		if err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return out
}

// writeZip writes a zip of the given entries (name, content) to a
// temporary file.
func writeZip(t testing.TB, name string, entries ...string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), name)
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for i := 0; i+1 < len(entries); i += 2 {
		w, err := zw.Create(entries[i])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(entries[i+1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return out
}

// tableFacts are what a table must read as.
type tableFacts struct {
	sheet      string
	headerLine int
	headerRows int
	rows       int
	// types maps a column label (or the end of a joined multi-row label,
	// or a machine name) to its expected type.
	types map[string]Type
}

// findColumn finds a column by label, by the end of its label, or by name.
func findColumn(cols []Column, key string) (Column, bool) {
	for _, c := range cols {
		if c.Label == key {
			return c, true
		}
	}
	for _, c := range cols {
		if strings.HasSuffix(c.Label, " "+key) || c.Name == key {
			return c, true
		}
	}
	return Column{}, false
}

func findTable(rep *Report, sheet string) (TableReport, bool) {
	for _, tr := range rep.Tables {
		if tr.Sheet == sheet {
			return tr, true
		}
	}
	return TableReport{}, false
}

// checkTable compares a table's report with its facts. accept lets a test
// list, per column, a type that reads differently from the facts for a
// documented reason.
func checkTable(t *testing.T, rep *Report, want tableFacts, accept func(col string, want, got Type) bool) {
	t.Helper()
	tr, ok := findTable(rep, want.sheet)
	if !ok {
		t.Errorf("no table for sheet %q (sheets: %+v)", want.sheet, rep.Sheets)
		return
	}
	if tr.HeaderLine != want.headerLine {
		t.Errorf("sheet %q: header line %d, want %d", want.sheet, tr.HeaderLine, want.headerLine)
	}
	if want.headerRows != 0 && tr.HeaderRows != want.headerRows {
		t.Errorf("sheet %q: header spans %d rows, want %d", want.sheet, tr.HeaderRows, want.headerRows)
	}
	if tr.Rows != want.rows {
		t.Errorf("sheet %q: %d rows, want %d", want.sheet, tr.Rows, want.rows)
	}
	for key, typ := range want.types {
		c, ok := findColumn(tr.Columns, key)
		if !ok {
			t.Errorf("sheet %q: no column %q", want.sheet, key)
			continue
		}
		if c.Type != typ && (accept == nil || !accept(key, typ, c.Type)) {
			t.Errorf("sheet %q: column %q is %s, want %s (examples %q, note %q)", want.sheet, key, c.Type, typ, c.Examples, c.Note)
		}
	}
}

func hasWarning(warnings []string, sub string) bool {
	for _, w := range warnings {
		if strings.Contains(w, sub) {
			return true
		}
	}
	return false
}

func allWarnings(rep *Report) []string {
	w := append([]string(nil), rep.Warnings...)
	for _, tr := range rep.Tables {
		w = append(w, tr.Warnings...)
	}
	return w
}
