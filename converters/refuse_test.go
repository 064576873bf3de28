package converters

import (
	"archive/zip"
	"bytes"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// TestRefusals checks that every file that is not a readable table gets an
// *Error of the right kind with a plain sentence for the agent, and no
// panic.
func TestRefusals(t *testing.T) {
	dir := t.TempDir()
	file := func(name string, data []byte) func(t *testing.T) string {
		return func(*testing.T) string {
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
			return p
		}
	}
	bomb := strings.Repeat("<row><c><v>1</v></c></row>", 200000) // 5 MB, compresses ~1000×
	tests := []struct {
		name string
		path func(t *testing.T) string
		opts Options
		kind Kind
		msg  string
		fr   string // in MsgFR
	}{
		{"empty file", file("empty.csv", nil), Options{}, KindEmpty, "The file is empty.", "Le fichier est vide."},
		{"blank lines only", file("blank.csv", []byte("\n\r\n;;;\n")), Options{}, KindEmpty, "holds no table", "ne contient aucun tableau"},
		{"single value", file("one.csv", []byte("hello\n")), Options{}, KindEmpty, "single value", "une seule valeur"},
		{"pdf", file("report.csv", []byte("%PDF-1.7\n%âãÏÓ\n1 0 obj\n")), Options{}, KindUnsupported, "PDF document", "document PDF"},
		{"png", file("chart.xlsx", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")), Options{}, KindUnsupported, "PNG image", "image PNG"},
		{"jpeg", file("scan.csv", []byte("\xFF\xD8\xFF\xE0\x00\x10JFIF")), Options{}, KindUnsupported, "JPEG image", "image JPEG"},
		{"gzip", file("data.csv.gz", []byte("\x1F\x8B\x08\x00\x00\x00\x00\x00")), Options{}, KindUnsupported, "gzip", "gzip"},
		{"legacy xls", file("old.xls", append([]byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"), make([]byte, 600)...)), Options{}, KindUnsupported, "save it as XLSX or ODS", "enregistrez-le au format XLSX ou ODS"},
		{"html as xls", file("export.xls", []byte("<html><body><table><tr><td>1</td></tr></table></body></html>")), Options{}, KindUnsupported, "HTML page", "page HTML"},
		{"spreadsheetml 2003", file("export2003.xls", []byte(`<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">`)), Options{}, KindUnsupported, "Excel 2003 XML", "XML Excel 2003"},
		{"xml", file("data.csv", []byte(`<?xml version="1.0"?><root/>`)), Options{}, KindUnsupported, "XML document", "document XML"},
		{"json", file("data.csv", []byte(`{"a": 1}`)), Options{}, KindUnsupported, "JSON", "JSON"},
		{"binary junk", file("junk.csv", []byte("\x01\x02\x03\x00\x04\x05garbage\x00\x00\x07")), Options{}, KindUnsupported, "binary data", "données binaires"},
		{"folder", func(*testing.T) string { return dir }, Options{}, KindUnsupported, "folder", "dossier"},
		{"plain zip", func(t *testing.T) string { return writeZip(t, "archive.zip", "a.csv", "x;y\n1;2\n") }, Options{}, KindUnsupported, "ZIP archive", "archive ZIP"},
		{"docx", func(t *testing.T) string { return writeZip(t, "letter.xlsx", "word/document.xml", "<w:document/>") }, Options{}, KindUnsupported, "Word document", "document Word"},
		{"xlsb", func(t *testing.T) string { return writeZip(t, "book.xlsx", "xl/workbook.bin", "\x00") }, Options{}, KindUnsupported, ".xlsb", ".xlsb"},
		{"odt", func(t *testing.T) string {
			return writeZip(t, "text.ods", "mimetype", "application/vnd.oasis.opendocument.text", "content.xml", "<x/>")
		}, Options{}, KindUnsupported, "text document", "document texte"},
		{"truncated zip", file("cut.xlsx", []byte("PK\x03\x04\x14\x00\x00\x00\x08\x00")), Options{}, KindInvalid, "damaged or truncated", "endommagé ou tronqué"},
		{"xlsx without workbook part", func(t *testing.T) string {
			return writeZip(t, "nowb.xlsx", "[Content_Types].xml", "<Types/>", "xl/workbook.xml", "<workbook><sheets><sheet name=\"a\" r:id=\"rId1\"/></sheets></workbook>")
		}, Options{}, KindInvalid, "lacks its part xl/_rels/workbook.xml.rels", "la partie xl/_rels/workbook.xml.rels manque"},
		{"xlsx broken xml", func(t *testing.T) string {
			return writeZip(t, "broken.xlsx", "xl/workbook.xml", `<workbook><sheets><sheet name="a" r:id="rId1"/></sheets></workbook>`,
				"xl/_rels/workbook.xml.rels", `<Relationships><Relationship Id="rId1" Type="x/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
				"xl/worksheets/sheet1.xml", `<worksheet><sheetData><row r="1"><c t="inlineStr"><is><t>a</t></is></c><c t="inlineStr"><is><t>b`)
		}, Options{}, KindInvalid, "is damaged", "est endommagée"},
		{"xlsx zip bomb", func(t *testing.T) string {
			return writeZip(t, "bomb.xlsx", "xl/workbook.xml", "<workbook/>", "xl/worksheets/sheet1.xml", bomb)
		}, Options{MaxUnzipSize: 1 << 20}, KindTooLarge, "zip bomb", "bombe de décompression"},
		{"ods zip bomb", func(t *testing.T) string {
			return writeZip(t, "bomb.ods", "mimetype", "application/vnd.oasis.opendocument.spreadsheet", "content.xml", bomb)
		}, Options{MaxUnzipSize: 1 << 20}, KindTooLarge, "zip bomb", "Ce fichier ODS occuperait plus de 1,0 Mo une fois décompressé"},
		{"xlsx shared strings bomb", func(t *testing.T) string {
			return zipWithParts(t, "sst.xlsx", map[string]string{"xl/sharedStrings.xml": "<sst>" + strings.Repeat("<si><t>x</t></si>", 100000) + "</sst>"})
		}, Options{MaxPartSize: 64 << 10}, KindTooLarge, "zip bomb", "bombe de décompression"},
		{"zip entry lying about its size", func(t *testing.T) string { return lyingZip(t) }, Options{}, KindInvalid, "damaged", "endommagée"},
		{"unclosed quote over the record limit", file("quote.csv", []byte("a;b\n1;\"open\n"+strings.Repeat("x;y\n", 50000))), Options{MaxRecordSize: 64 << 10}, KindTooLarge, "quote is probably never closed", "guillemet n'est sans doute jamais refermé"},
		{"ods without sheet", func(t *testing.T) string {
			return writeZip(t, "nosheet.ods", "mimetype", "application/vnd.oasis.opendocument.spreadsheet", "content.xml", "<office:document-content/>")
		}, Options{}, KindEmpty, "no sheet", "aucune feuille"},
		{"workbook of empty sheets", func(t *testing.T) string {
			return writeZip(t, "empty.ods", "mimetype", "application/vnd.oasis.opendocument.spreadsheet", "content.xml",
				`<office:document-content><office:body><office:spreadsheet><table:table table:name="A"><table:table-row table:number-rows-repeated="1048576"><table:table-cell table:number-columns-repeated="1024"/></table:table-row></table:table></office:spreadsheet></office:body></office:document-content>`)
		}, Options{}, KindEmpty, "None of the 1 sheets", "Aucune feuille de ce classeur"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Inspect(tc.path(t), tc.opts)
			e, ok := AsError(err)
			if !ok {
				t.Fatalf("err = %v (%T), want *Error", err, err)
			}
			if e.Kind != tc.kind {
				t.Errorf("kind %v, want %v (%s)", e.Kind, tc.kind, e.Msg)
			}
			if !strings.Contains(e.Msg, tc.msg) {
				t.Errorf("message %q does not contain %q", e.Msg, tc.msg)
			}
			if first := e.Msg[0]; first < 'A' || first > 'Z' || !strings.HasSuffix(e.Msg, ".") {
				t.Errorf("message %q is not a sentence", e.Msg)
			}
			if tc.kind == KindEmpty && !errors.Is(err, ErrNoTable) {
				t.Errorf("empty-kind error does not wrap ErrNoTable")
			}
			checkFrench(t, e)
			if !strings.Contains(e.MsgFR, tc.fr) {
				t.Errorf("French message %q does not contain %q", e.MsgFR, tc.fr)
			}
		})
	}
}

// TestRefusedFiles reads testdata/refused/<kind>, one directory per kind of
// refusal (a directory in it is zipped first): every file must be refused
// with that kind and a sentence in English and in French.
func TestRefusedFiles(t *testing.T) {
	for kind := KindUnsupported; kind.String() != "unknown"; kind++ {
		dir := filepath.Join("testdata", "refused", strings.ReplaceAll(kind.String(), " ", "_"))
		entries, err := os.ReadDir(dir)
		if err != nil || len(entries) == 0 {
			t.Errorf("no refused file of kind %v in %s (%v)", kind, dir, err)
			continue
		}
		for _, ent := range entries {
			t.Run(filepath.Base(dir)+"/"+ent.Name(), func(t *testing.T) {
				path := filepath.Join(dir, ent.Name())
				if ent.IsDir() {
					path = zipDir(t, path, ent.Name())
				}
				_, err := Inspect(path, Options{})
				e, ok := AsError(err)
				if !ok {
					t.Fatalf("err = %v (%T), want *Error", err, err)
				}
				if e.Kind != kind {
					t.Errorf("kind %v, want %v (%s)", e.Kind, kind, e.Msg)
				}
				checkFrench(t, e)
			})
		}
	}
}

// checkFrench checks that a refusal also has its own French sentence and
// that neither sentence shows a formatting mistake.
func checkFrench(t *testing.T, e *Error) {
	t.Helper()
	switch {
	case e.MsgFR == "":
		t.Errorf("no French message for %q", e.Msg)
		return
	case e.MsgFR == e.Msg:
		t.Errorf("the French message is the English one: %q", e.Msg)
	}
	if first, _ := utf8.DecodeRuneInString(e.MsgFR); !unicode.IsUpper(first) || !strings.HasSuffix(e.MsgFR, ".") {
		t.Errorf("French message %q is not a sentence", e.MsgFR)
	}
	for _, m := range []string{e.Msg, e.MsgFR} {
		if strings.Contains(m, "%!") {
			t.Errorf("message %q has a formatting mistake", m)
		}
	}
}

// checkWarningsFR checks that every warning and skipped sheet of a report
// has a French twin.
func checkWarningsFR(t *testing.T, rep *Report) {
	t.Helper()
	pairs := func(where string, en, fr []string) {
		if len(fr) != len(en) {
			t.Errorf("%s: %d French warnings for %d: %q", where, len(fr), len(en), fr)
			return
		}
		for i := range en {
			if fr[i] == "" || fr[i] == en[i] || strings.Contains(fr[i], "%!") {
				t.Errorf("%s: French warning %q for %q", where, fr[i], en[i])
			}
		}
	}
	pairs("file", rep.Warnings, rep.WarningsFR)
	for _, tr := range rep.Tables {
		pairs("sheet "+tr.Sheet, tr.Warnings, tr.WarningsFR)
	}
	for _, s := range rep.Sheets {
		if (s.Skipped == "") != (s.SkippedFR == "") || (s.Skipped != "" && s.Skipped == s.SkippedFR) {
			t.Errorf("sheet %q skipped: %q, in French %q", s.Name, s.Skipped, s.SkippedFR)
		}
	}
}

// zipWithParts returns the testdata report workbook with some parts
// replaced.
func zipWithParts(t *testing.T, name string, parts map[string]string) string {
	t.Helper()
	src := zipDir(t, "testdata/xlsx/report", "src.xlsx")
	zr, err := zip.OpenReader(src)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var entries []string
	for _, f := range zr.File {
		data := parts[f.Name]
		if _, ok := parts[f.Name]; !ok {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			b.ReadFrom(rc)
			rc.Close()
			data = b.String()
		}
		entries = append(entries, f.Name, data)
	}
	return writeZip(t, name, entries...)
}

// lyingZip declares a tiny uncompressed size for an entry that inflates to
// much more: archive/zip stops reading it, and the reader reports damage.
func lyingZip(t *testing.T) string {
	t.Helper()
	p := zipWithParts(t, "liar-src.xlsx", nil)
	zr, err := zip.OpenReader(p)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	out := filepath.Join(t.TempDir(), "liar.xlsx")
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for _, e := range zr.File {
		raw, err := e.OpenRaw()
		if err != nil {
			t.Fatal(err)
		}
		h := e.FileHeader
		if e.Name == "xl/worksheets/sheet1.xml" {
			h.UncompressedSize64 = 100
		}
		w, err := zw.CreateRaw(&h)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		b.ReadFrom(raw)
		w.Write(b.Bytes())
	}
	zw.Close()
	f.Close()
	return out
}

// TestMessageFormats checks every errorf and warnf call of the package: the
// English and French formats are literals with the same verbs in the same
// order (vet cannot see through these helpers), and the French is not a
// copy of the English.
func TestMessageFormats(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	verb := regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[a-zA-Z%]`)
	fset := token.NewFileSet()
	calls := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			fn, ok := call.Fun.(*ast.Ident)
			if !ok || (fn.Name != "errorf" && fn.Name != "warnf") {
				return true
			}
			first := 0
			if fn.Name == "errorf" {
				first = 2
			}
			pos := fset.Position(call.Pos())
			if len(call.Args) < first+2 {
				t.Errorf("%s: %s lacks a format", pos, fn.Name)
				return true
			}
			var formats [2]string
			for i := range formats {
				lit, ok := call.Args[first+i].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					t.Errorf("%s: %s format is not a literal", pos, fn.Name)
					return true
				}
				formats[i], _ = strconv.Unquote(lit.Value)
			}
			en, fr := formats[0], formats[1]
			calls++
			if fr == "" || fr == en {
				t.Errorf("%s: French format %q for %q", pos, fr, en)
			}
			if v, w := verb.FindAllString(en, -1), verb.FindAllString(fr, -1); !slices.Equal(v, w) {
				t.Errorf("%s: verbs %q in English, %q in French", pos, v, w)
			}
			return true
		})
	}
	if calls < 50 {
		t.Errorf("found only %d errorf and warnf calls", calls)
	}
}
