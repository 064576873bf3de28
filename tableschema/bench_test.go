package tableschema

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/passerelle/passerelle/converters"
)

// benchFile is the 1M-row CSV of shared/bench/gen (see BenchmarkValidate);
// TABLESCHEMA_BENCH_CSV names another one.
func benchFile() string {
	if p := os.Getenv("TABLESCHEMA_BENCH_CSV"); p != "" {
		return p
	}
	return "/tmp/m.csv"
}

// benchData returns the benchmark table: the generated file when it is
// there, else 100 000 rows made here in the same layout.
func benchData(b *testing.B) []byte {
	if data, err := os.ReadFile(benchFile()); err == nil {
		return data
	}
	b.Logf("%s not found (cd ../shared/bench/gen && go run . -rows 1000000 -format csv -out /tmp/m.csv); using 100 000 generated rows", benchFile())
	return syntheticCSV(100_000)
}

// syntheticCSV writes rows like shared/bench/gen's: codes with leading
// zeros and Corsica, dates dd/mm/yyyy, decimal commas, oui/non.
func syntheticCSV(rows int) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	communes := []string{"Saint-Étienne", "L'Haÿ-les-Roses", "Bourg-en-Bresse", "Ajaccio", "Lyon"}
	natures := []string{"Fonctionnement", "Investissement", "Projet", "Équipement"}
	var b bytes.Buffer
	b.WriteString("id;code_insee;commune;date_decision;montant;beneficiaire;siret;renouvellement;nature\n")
	for i := 1; i <= rows; i++ {
		siret := fmt.Sprintf("%013d", rng.Int64N(1e13))
		for d := 0; d < 10; d++ {
			if luhn(siret + string(rune('0'+d))) {
				siret += string(rune('0' + d))
				break
			}
		}
		fmt.Fprintf(&b, "%d;%02d%03d;%s;%02d/%02d/%d;%d,%02d;\"Association \"\"Les Écureuils\"\" n°%d\";%s;%s;%s\n",
			i, rng.IntN(95)+1, rng.IntN(999), communes[rng.IntN(len(communes))], rng.IntN(28)+1, rng.IntN(12)+1, 2015+rng.IntN(10),
			rng.IntN(250000), rng.IntN(100), i, siret, []string{"oui", "non"}[rng.IntN(2)], natures[rng.IntN(len(natures))])
	}
	return b.Bytes()
}

func benchSchema(b *testing.B) *Schema {
	s, err := LoadFile("testdata/bench-subventions.schema.json")
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkRead reads the table with the converters alone: the reference
// for BenchmarkValidate.
func BenchmarkRead(b *testing.B) {
	data := benchData(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	rows := 0
	for b.Loop() {
		r, err := converters.NewCSVReader(bytes.NewReader(data), converters.Options{})
		if err != nil {
			b.Fatal(err)
		}
		r.ReuseRecord = true
		for {
			_, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
		rows += r.Rows()
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkValidate reads the table with the converters and validates
// every row (types, formats, patterns, enum, primary key, duplicate rows,
// SIRET checksums).
func BenchmarkValidate(b *testing.B) {
	data := benchData(b)
	s := benchSchema(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	rows := 0
	var rep *Report
	for b.Loop() {
		r, err := converters.NewCSVReader(bytes.NewReader(data), converters.Options{})
		if err != nil {
			b.Fatal(err)
		}
		rep, err = Validate(s, r)
		if err != nil {
			b.Fatal(err)
		}
		rows += rep.Rows
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	b.Logf("errors %d %v", rep.ErrorCount, rep.ErrorCounts)
}

// BenchmarkValidateSerial is BenchmarkValidate on one goroutine: read a
// row, check it, read the next.
func BenchmarkValidateSerial(b *testing.B) {
	data := benchData(b)
	s := benchSchema(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	rows := 0
	for b.Loop() {
		r, err := converters.NewCSVReader(bytes.NewReader(data), converters.Options{})
		if err != nil {
			b.Fatal(err)
		}
		v := NewReaderValidator(s, r)
		if err := v.ReadAll(r); err != nil {
			b.Fatal(err)
		}
		rows += v.Report().Rows
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkRatio times, in turn, reading the table alone, reading and
// validating on one goroutine, and Validate (reading and checking on two
// goroutines), and reports the median of each ratio to the reading time:
// paired runs, so that load from other work hits all three alike.
func BenchmarkRatio(b *testing.B) {
	data := benchData(b)
	s := benchSchema(b)
	read := func() {
		r, _ := converters.NewCSVReader(bytes.NewReader(data), converters.Options{})
		r.ReuseRecord = true
		for {
			if _, err := r.Read(); err != nil {
				return
			}
		}
	}
	serial := func() {
		r, _ := converters.NewCSVReader(bytes.NewReader(data), converters.Options{})
		v := NewReaderValidator(s, r)
		_ = v.ReadAll(r)
		v.Report()
	}
	piped := func() {
		r, _ := converters.NewCSVReader(bytes.NewReader(data), converters.Options{})
		_, _ = Validate(s, r)
	}
	// ingest is the converters' share of an upload's ingestion: the type
	// inference pass, then the normalising pass (without the database).
	ingest := func() {
		r, _ := converters.NewCSVReader(bytes.NewReader(data), converters.Options{})
		in := converters.NewInferrer(r.Header(), r.Names())
		r.ReuseRecord = true
		for {
			row, err := r.Read()
			if err != nil {
				break
			}
			in.Add(row)
		}
		r, _ = converters.NewCSVReader(bytes.NewReader(data), converters.Options{})
		_, _ = converters.Normalize(io.Discard, r, in.Schema())
	}
	// timeIt returns the wall time of f and the CPU time of the process
	// (all threads, the garbage collector's included) while it ran: on a
	// shared machine the CPU time of the serial runs is the steadier
	// measure.
	timeIt := func(f func()) (wall, cpu float64) {
		runtime.GC()
		c0 := cpuTime()
		start := time.Now()
		f()
		return time.Since(start).Seconds(), cpuTime() - c0
	}
	var rs, rp, cs, ri, tr []float64
	for b.Loop() {
		t0, c0 := timeIt(read)
		t1, c1 := timeIt(serial)
		t2, _ := timeIt(piped)
		t3, _ := timeIt(ingest)
		rs = append(rs, t1/t0)
		rp = append(rp, t2/t0)
		cs = append(cs, c1/c0)
		// Validating in the normalising pass adds what validating adds
		// to a plain read.
		ri = append(ri, (t3+t1-t0)/t3)
		tr = append(tr, t0)
	}
	b.ReportMetric(median(tr), "read-s")
	b.ReportMetric(median(rs), "serial/read")
	b.ReportMetric(median(cs), "serial-cpu/read-cpu")
	b.ReportMetric(median(rp), "validate/read")
	b.ReportMetric(median(ri), "ingest+serial/ingest")
}

// cpuTime returns the user and system time of the process, in seconds.
func cpuTime() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

func median(v []float64) float64 {
	v = slices.Clone(v)
	slices.Sort(v)
	if len(v) == 0 {
		return 0
	}
	return v[len(v)/2]
}

// BenchmarkRows measures the validator alone, on rows already in memory.
func BenchmarkRows(b *testing.B) {
	data := benchData(b)
	if len(data) > 12<<20 {
		data = data[:bytes.LastIndexByte(data[:12<<20], '\n')+1]
	}
	r, err := converters.NewCSVReader(bytes.NewReader(data), converters.Options{})
	if err != nil {
		b.Fatal(err)
	}
	header := r.Header()
	var table [][]string
	var lines []int
	for {
		row, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		table = append(table, row)
		lines = append(lines, r.Line())
	}
	s := benchSchema(b)
	b.ReportAllocs()
	rows := 0
	c0 := cpuTime()
	for b.Loop() {
		v := NewValidator(s, header)
		for i, row := range table {
			v.Row(lines[i], row)
		}
		v.Report()
		rows += len(table)
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric((cpuTime()-c0)*1e9/float64(rows), "cpu-ns/row")
}

// BenchmarkHashLog measures what unique, primary key and duplicate-row
// checks cost a row: recording a hash, then finding the repeats.
func BenchmarkHashLog(b *testing.B) {
	const n = 1 << 20
	keys := make([]uint64, n)
	for i := range keys {
		keys[i] = mix(uint64(i%(n-1000)) + 1) // 1000 repeats
	}
	c0 := cpuTime()
	for b.Loop() {
		var l hashLog
		for i, k := range keys {
			l.add(k, i+2)
		}
		if reps := l.repeats(); len(reps) != 1000 {
			b.Fatalf("%d repeats", len(reps))
		}
	}
	b.ReportMetric((cpuTime()-c0)*1e9/float64(b.N*n), "cpu-ns/row")
}
