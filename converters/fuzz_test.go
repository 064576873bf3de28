package converters

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// drainReader reads every row and checks the reader's invariants.
func drainReader(t *testing.T, r *Reader) {
	t.Helper()
	r.ReuseRecord = true
	width := len(r.Header())
	if len(r.Names()) != width {
		t.Fatalf("%d names for %d labels", len(r.Names()), width)
	}
	in := NewInferrer(r.Header(), r.Names())
	var out bytes.Buffer
	rows := 0
	for n := 0; n < 1<<20; n++ {
		row, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			if _, ok := AsError(err); !ok {
				t.Fatalf("Read error %v is not an *Error", err)
			}
			return
		}
		if len(row) != width {
			t.Fatalf("row of %d fields, header has %d", len(row), width)
		}
		in.Add(row)
		rows++
	}
	if rows != r.Rows() {
		t.Fatalf("read %d rows, Rows() = %d", rows, r.Rows())
	}
	s := in.Schema()
	w := NewWriter(&out, s)
	if err := w.WriteHeader(); err != nil {
		t.Fatal(err)
	}
	_ = r.Warnings()
}

func checkOpenErr(t *testing.T, err error) {
	t.Helper()
	e, ok := AsError(err)
	if !ok {
		t.Fatalf("error %v (%T) is not an *Error", err, err)
	}
	if e.MsgFR == "" {
		t.Fatalf("error %q has no French message", e.Msg)
	}
}

// FuzzCSVSniff feeds arbitrary bytes to the text-table reader: encoding,
// delimiter and header detection, then every row. It must never panic,
// loop or return a row of the wrong width.
func FuzzCSVSniff(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.[ctx][sx][vt]")
	for _, p := range seeds {
		if data, err := os.ReadFile(p); err == nil && len(data) < 64<<10 {
			f.Add(data)
		}
	}
	f.Add([]byte("a;b\n\"x\"y;\"\"\"\n1;2"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewCSVReader(bytes.NewReader(data), Options{MaxRecordSize: 1 << 20})
		if err != nil {
			checkOpenErr(t, err)
			return
		}
		drainReader(t, r)
	})
}

// FuzzCSVParser compares the record parser with encoding/csv on the inputs
// encoding/csv accepts strictly: both must give the same records.
func FuzzCSVParser(f *testing.F) {
	f.Add("a,b\n\"x,y\",\"say \"\"hi\"\"\"\n\"multi\nline\",2\n")
	f.Add("1,2,3\n4,5\n\n6\n")
	f.Fuzz(func(t *testing.T, in string) {
		if strings.ContainsRune(in, '\r') {
			return // CR handling differs on purpose (lone CR lines)
		}
		cr := csv.NewReader(strings.NewReader(in))
		cr.FieldsPerRecord = -1
		all, err := cr.ReadAll()
		if err != nil {
			return
		}
		// A blank line and a lone quoted empty field both read as one
		// empty field here; encoding/csv skips the first.
		var want [][]string
		for _, rec := range all {
			if len(rec) != 1 || rec[0] != "" {
				want = append(want, rec)
			}
		}
		p := newCSVParser(strings.NewReader(in), ',', false, 1<<20) // no UTF-8 repair: encoding/csv keeps bytes
		var got [][]string
		for {
			rec, err := p.readRecord()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("parser error %v on input accepted by encoding/csv", err)
			}
			if len(rec) == 1 && rec[0] == "" {
				continue
			}
			got = append(got, append([]string(nil), rec...))
		}
		if len(got) != len(want) {
			t.Fatalf("%d records, encoding/csv %d\n got %q\nwant %q", len(got), len(want), got, want)
		}
		for i := range want {
			if strings.Join(got[i], "\x00") != strings.Join(want[i], "\x00") {
				t.Fatalf("record %d = %q, encoding/csv %q", i, got[i], want[i])
			}
		}
	})
}

// FuzzInfer checks the value classifiers and the normalised writer: a value
// read as a number is written as a number Go can parse, a date as an ISO
// date, and nothing panics.
func FuzzInfer(f *testing.F) {
	for _, s := range []string{"1 234,56", "-40\u00a0000,00", "01053", "2017/09/08", "29/02/2024 23:59", "oui", "1.35e6", ",5", "NA", "2020-05-11T14:08:32+0200"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		v = trimSpace(v)
		if ni := scanNumber(v); ni.ok {
			out := string(appendNumber(nil, v))
			if ni.plain {
				out = v
			}
			if _, err := strconv.ParseFloat(out, 64); err != nil && !strings.Contains(err.Error(), "range") {
				t.Fatalf("number %q normalised to %q: %v", v, out, err)
			}
			if ni.integer && strings.ContainsAny(out, ".eE") {
				t.Fatalf("integer %q normalised to %q", v, out)
			}
		}
		if p := parseDate(v); p.ok {
			if p.hasTime {
				out := string(appendISODatetime(nil, p))
				layout := "2006-01-02T15:04:05"
				if _, err := time.Parse(layout, out[:19]); err != nil && p.h != 24 && p.sec != 60 {
					t.Fatalf("datetime %q normalised to %q: %v", v, out, err)
				}
			} else if _, err := time.Parse("2006-01-02", string(appendISODate(nil, p))); err != nil {
				t.Fatalf("date %q normalised to %q: %v", v, appendISODate(nil, p), err)
			}
		}
		in := NewInferrer([]string{"a", "b"}, nil)
		in.Add([]string{v, v + v})
		s := in.Schema()
		var b bytes.Buffer
		w := NewWriter(&b, s)
		if err := w.Write([]string{v, v + v}); err != nil {
			t.Fatal(err)
		}
		if w.Invalid() != 0 {
			t.Fatalf("values %q inferred as %v do not fit their own schema", v, s.Fields)
		}
		_ = formatFloat(v)
		_, _ = repairMojibake(v)
		_ = Name(v)
	})
}

// memZip builds an in-memory zip of name/content pairs.
func memZip(entries ...string) *bytes.Reader {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for i := 0; i+1 < len(entries); i += 2 {
		w, _ := zw.Create(entries[i])
		w.Write([]byte(entries[i+1]))
	}
	zw.Close()
	return bytes.NewReader(b.Bytes())
}

func readBook(t *testing.T, wb workbook, err error) {
	if err != nil {
		checkOpenErr(t, err)
		return
	}
	for i := range wb.sheets() {
		src, err := wb.open(i)
		if err != nil {
			checkOpenErr(t, err)
			continue
		}
		r, err := newReader(src, true, phrase{"sheet", "feuille"}, Options{})
		if err != nil {
			checkOpenErr(t, err)
			src.close()
			continue
		}
		drainReader(t, r)
		r.Close()
	}
}

func testdataPart(p string) string {
	b, _ := os.ReadFile(filepath.Join("testdata", p))
	return string(b)
}

// FuzzXLSX feeds an arbitrary worksheet, shared strings and styles to the
// XLSX reader.
func FuzzXLSX(f *testing.F) {
	f.Add(testdataPart("xlsx/report/xl/worksheets/sheet1.xml"), testdataPart("xlsx/report/xl/sharedStrings.xml"), testdataPart("xlsx/report/xl/styles.xml"))
	f.Add(testdataPart("xlsx/report/xl/worksheets/sheet2.xml"), "", "")
	f.Add(`<worksheet><sheetData><row><c r="XFD1" t="s"><v>99</v></c><c r="A1" s="9"><v>1e308</v></c></row></sheetData><mergeCells><mergeCell ref="A1:XFD1048576"/></mergeCells></worksheet>`, "<sst><si><t>&#0;&#x110000;&bogus;</t></si></sst>", "")
	wbXML := testdataPart("xlsx/report/xl/workbook.xml")
	rels := `<Relationships><Relationship Id="rId1" Type="x/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId4" Type="x/styles" Target="styles.xml"/><Relationship Id="rId5" Type="x/sharedStrings" Target="sharedStrings.xml"/></Relationships>`
	f.Fuzz(func(t *testing.T, sheet, sst, styles string) {
		zr := memZip("xl/workbook.xml", wbXML, "xl/_rels/workbook.xml.rels", rels,
			"xl/worksheets/sheet1.xml", sheet, "xl/sharedStrings.xml", sst, "xl/styles.xml", styles)
		wb, err := openXLSX(zr, zr.Size(), Options{MaxPartSize: 1 << 20})
		readBook(t, wb, err)
		if err == nil {
			if xs, err := wb.open(0); err == nil {
				if m, ok := xs.(mergeSource); ok {
					m.merges()
				}
				xs.close()
			}
		}
	})
}

// FuzzODS feeds an arbitrary content.xml to the ODS reader.
func FuzzODS(f *testing.F) {
	f.Add(testdataPart("ods/report/content.xml"))
	f.Add(`<table:table table:name="a"><table:table-row table:number-rows-repeated="999999999"><table:table-cell office:value-type="float" office:value="1" table:number-columns-repeated="99999"/></table:table-row></table:table>`)
	f.Add(`<table:table><table:table-row><table:table-cell><text:p>a<text:s text:c="99999999"/></text:p></table:table-cell></table:table-row></table:table>`)
	f.Fuzz(func(t *testing.T, content string) {
		zr := memZip("mimetype", "application/vnd.oasis.opendocument.spreadsheet", "content.xml", content)
		wb, err := openODS(zr, zr.Size(), Options{})
		readBook(t, wb, err)
	})
}
