package converters

import (
	"archive/zip"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
	}{
		{"empty file", file("empty.csv", nil), Options{}, KindEmpty, "The file is empty."},
		{"blank lines only", file("blank.csv", []byte("\n\r\n;;;\n")), Options{}, KindEmpty, "holds no table"},
		{"single value", file("one.csv", []byte("hello\n")), Options{}, KindEmpty, "single value"},
		{"pdf", file("report.csv", []byte("%PDF-1.7\n%âãÏÓ\n1 0 obj\n")), Options{}, KindUnsupported, "PDF document"},
		{"png", file("chart.xlsx", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")), Options{}, KindUnsupported, "PNG image"},
		{"jpeg", file("scan.csv", []byte("\xFF\xD8\xFF\xE0\x00\x10JFIF")), Options{}, KindUnsupported, "JPEG image"},
		{"gzip", file("data.csv.gz", []byte("\x1F\x8B\x08\x00\x00\x00\x00\x00")), Options{}, KindUnsupported, "gzip"},
		{"legacy xls", file("old.xls", append([]byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"), make([]byte, 600)...)), Options{}, KindUnsupported, "save it as XLSX or ODS"},
		{"html as xls", file("export.xls", []byte("<html><body><table><tr><td>1</td></tr></table></body></html>")), Options{}, KindUnsupported, "HTML page"},
		{"spreadsheetml 2003", file("export2003.xls", []byte(`<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">`)), Options{}, KindUnsupported, "Excel 2003 XML"},
		{"xml", file("data.csv", []byte(`<?xml version="1.0"?><root/>`)), Options{}, KindUnsupported, "XML document"},
		{"json", file("data.csv", []byte(`{"a": 1}`)), Options{}, KindUnsupported, "JSON"},
		{"binary junk", file("junk.csv", []byte("\x01\x02\x03\x00\x04\x05garbage\x00\x00\x07")), Options{}, KindUnsupported, "binary data"},
		{"folder", func(*testing.T) string { return dir }, Options{}, KindUnsupported, "folder"},
		{"plain zip", func(t *testing.T) string { return writeZip(t, "archive.zip", "a.csv", "x;y\n1;2\n") }, Options{}, KindUnsupported, "ZIP archive"},
		{"docx", func(t *testing.T) string { return writeZip(t, "letter.xlsx", "word/document.xml", "<w:document/>") }, Options{}, KindUnsupported, "Word document"},
		{"xlsb", func(t *testing.T) string { return writeZip(t, "book.xlsx", "xl/workbook.bin", "\x00") }, Options{}, KindUnsupported, ".xlsb"},
		{"odt", func(t *testing.T) string {
			return writeZip(t, "text.ods", "mimetype", "application/vnd.oasis.opendocument.text", "content.xml", "<x/>")
		}, Options{}, KindUnsupported, "text document"},
		{"truncated zip", file("cut.xlsx", []byte("PK\x03\x04\x14\x00\x00\x00\x08\x00")), Options{}, KindInvalid, "damaged or truncated"},
		{"xlsx without workbook part", func(t *testing.T) string {
			return writeZip(t, "nowb.xlsx", "[Content_Types].xml", "<Types/>", "xl/workbook.xml", "<workbook><sheets><sheet name=\"a\" r:id=\"rId1\"/></sheets></workbook>")
		}, Options{}, KindInvalid, "lacks its part xl/_rels/workbook.xml.rels"},
		{"xlsx broken xml", func(t *testing.T) string {
			return writeZip(t, "broken.xlsx", "xl/workbook.xml", `<workbook><sheets><sheet name="a" r:id="rId1"/></sheets></workbook>`,
				"xl/_rels/workbook.xml.rels", `<Relationships><Relationship Id="rId1" Type="x/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
				"xl/worksheets/sheet1.xml", `<worksheet><sheetData><row r="1"><c t="inlineStr"><is><t>a</t></is></c><c t="inlineStr"><is><t>b`)
		}, Options{}, KindInvalid, "is damaged"},
		{"xlsx zip bomb", func(t *testing.T) string {
			return writeZip(t, "bomb.xlsx", "xl/workbook.xml", "<workbook/>", "xl/worksheets/sheet1.xml", bomb)
		}, Options{MaxUnzipSize: 1 << 20}, KindTooLarge, "zip bomb"},
		{"ods zip bomb", func(t *testing.T) string {
			return writeZip(t, "bomb.ods", "mimetype", "application/vnd.oasis.opendocument.spreadsheet", "content.xml", bomb)
		}, Options{MaxUnzipSize: 1 << 20}, KindTooLarge, "zip bomb"},
		{"xlsx shared strings bomb", func(t *testing.T) string {
			return zipWithParts(t, "sst.xlsx", map[string]string{"xl/sharedStrings.xml": "<sst>" + strings.Repeat("<si><t>x</t></si>", 100000) + "</sst>"})
		}, Options{MaxPartSize: 64 << 10}, KindTooLarge, "zip bomb"},
		{"zip entry lying about its size", func(t *testing.T) string { return lyingZip(t) }, Options{}, KindInvalid, "damaged"},
		{"unclosed quote over the record limit", file("quote.csv", []byte("a;b\n1;\"open\n"+strings.Repeat("x;y\n", 50000))), Options{MaxRecordSize: 64 << 10}, KindTooLarge, "quote is probably never closed"},
		{"ods without sheet", func(t *testing.T) string {
			return writeZip(t, "nosheet.ods", "mimetype", "application/vnd.oasis.opendocument.spreadsheet", "content.xml", "<office:document-content/>")
		}, Options{}, KindEmpty, "no sheet"},
		{"workbook of empty sheets", func(t *testing.T) string {
			return writeZip(t, "empty.ods", "mimetype", "application/vnd.oasis.opendocument.spreadsheet", "content.xml",
				`<office:document-content><office:body><office:spreadsheet><table:table table:name="A"><table:table-row table:number-rows-repeated="1048576"><table:table-cell table:number-columns-repeated="1024"/></table:table-row></table:table></office:spreadsheet></office:body></office:document-content>`)
		}, Options{}, KindEmpty, "None of the 1 sheets"},
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
		})
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
