package converters

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// benchCSV makes a French municipal table like shared/bench/gen's: codes
// with leading zeros, dates dd/mm/yyyy, decimal commas, oui/non, quoted
// fields.
func benchCSV(rows int) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	communes := []string{"Saint-Étienne", "L'Haÿ-les-Roses", "Bourg-en-Bresse", "Ajaccio", "Lyon"}
	var b bytes.Buffer
	b.WriteString("id;code_insee;commune;date_decision;montant;beneficiaire;siret;renouvellement;nature\n")
	for i := 1; i <= rows; i++ {
		fmt.Fprintf(&b, "%d;%02d%03d;%s;%02d/%02d/%d;%d,%02d;\"Association \"\"Les Écureuils\"\" n°%d\";%014d;%s;Fonctionnement\n",
			i, rng.IntN(95)+1, rng.IntN(999), communes[rng.IntN(len(communes))], rng.IntN(28)+1, rng.IntN(12)+1, 2015+rng.IntN(10),
			rng.IntN(250000), rng.IntN(100), i, rng.Int64N(1e14), []string{"oui", "non"}[rng.IntN(2)])
	}
	return b.Bytes()
}

func drain(b *testing.B, r *Reader, in *Inferrer) int {
	r.ReuseRecord = true
	for {
		row, err := r.Read()
		if err == io.EOF {
			return r.Rows()
		}
		if err != nil {
			b.Fatal(err)
		}
		if in != nil {
			in.Add(row)
		}
	}
}

// BenchmarkCSVInspect is the sniff + type inference pass.
func BenchmarkCSVInspect(b *testing.B) {
	data := benchCSV(50000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	rows := 0
	for b.Loop() {
		r, err := NewCSVReader(bytes.NewReader(data), Options{})
		if err != nil {
			b.Fatal(err)
		}
		rows += drain(b, r, NewInferrer(r.Header(), r.Names()))
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkCSVNormalize is the normalising pass: read, convert, write.
func BenchmarkCSVNormalize(b *testing.B) {
	data := benchCSV(50000)
	r, _ := NewCSVReader(bytes.NewReader(data), Options{})
	in := NewInferrer(r.Header(), r.Names())
	drain(b, r, in)
	schema := in.Schema()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	rows := 0
	for b.Loop() {
		r, err := NewCSVReader(bytes.NewReader(data), Options{})
		if err != nil {
			b.Fatal(err)
		}
		n, err := Normalize(io.Discard, r, schema)
		if err != nil {
			b.Fatal(err)
		}
		rows += n
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

// benchXLSX writes a workbook of n rows with inline strings, date cells
// and a styles part.
func benchXLSX(b *testing.B, n int) string {
	var sheet strings.Builder
	sheet.WriteString(`<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c><c r="B1" t="inlineStr"><is><t>code_insee</t></is></c><c r="C1" t="inlineStr"><is><t>date</t></is></c><c r="D1" t="inlineStr"><is><t>montant</t></is></c><c r="E1" t="inlineStr"><is><t>siret</t></is></c></row>`)
	for i := 2; i <= n+1; i++ {
		fmt.Fprintf(&sheet, `<row r="%d"><c r="A%d"><v>%d</v></c><c r="B%d" t="inlineStr"><is><t>0%04d</t></is></c><c r="C%d" s="1"><v>%d</v></c><c r="D%d" s="2"><v>%d.%02d</v></c><c r="E%d" t="inlineStr"><is><t>%014d</t></is></c></row>`,
			i, i, i, i, i%10000, i, 42000+i%3000, i, i*7%250000, i%100, i, int64(i)*7919)
	}
	sheet.WriteString(`</sheetData></worksheet>`)
	return writeZip(b, "bench.xlsx",
		"xl/workbook.xml", `<workbook><sheets><sheet name="data" r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels", `<Relationships><Relationship Id="rId1" Type="x/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="x/styles" Target="styles.xml"/></Relationships>`,
		"xl/styles.xml", `<styleSheet><numFmts><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/></numFmts><cellXfs><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="4"/></cellXfs></styleSheet>`,
		"xl/worksheets/sheet1.xml", sheet.String())
}

// BenchmarkXLSXConvert is XLSX to normalised CSV: inference then
// normalisation, as bench/converters.sh measures against xlsx2csv.
func BenchmarkXLSXConvert(b *testing.B) {
	path := benchXLSX(b, 20000)
	st, _ := os.Stat(filepath.Clean(path))
	b.SetBytes(st.Size())
	b.ReportAllocs()
	rows := 0
	for b.Loop() {
		f, err := Open(path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		r, err := f.Table(0)
		if err != nil {
			b.Fatal(err)
		}
		in := NewInferrer(r.Header(), r.Names())
		drain(b, r, in)
		r.Close()
		r, err = f.Table(0)
		if err != nil {
			b.Fatal(err)
		}
		n, err := Normalize(io.Discard, r, in.Schema())
		if err != nil {
			b.Fatal(err)
		}
		rows += n
		r.Close()
		f.Close()
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkInferValues is the per-cell classification alone.
func BenchmarkInferValues(b *testing.B) {
	row := []string{"12345", "01053", "Saint-Étienne", "21/12/2017", "1 234,56", "Association", "02308228659079", "oui", "Fonctionnement"}
	b.ReportAllocs()
	for b.Loop() {
		in := NewInferrer(make([]string, len(row)), nil)
		for range 1000 {
			in.Add(row)
		}
	}
}
