package ingest_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/passerelle/passerelle/catalog"
	"github.com/passerelle/passerelle/catalog/ingest"
	"github.com/passerelle/passerelle/storage/storagetest"
	"github.com/passerelle/passerelle/tableschema"
)

// BenchmarkIngest runs the whole pipeline on one file, as `passerelle
// import` does after storing the upload: sniffing, the inference pass, the
// normalised CSV (written and stored as a blob) and the SQLite datastore
// load, commit included. The file is PASSERELLE_BENCH_FILE (e.g. the
// generator's M CSV), or else a generated 100 000-row French table. With
// PASSERELLE_BENCH_PHASES set, it logs when each phase starts.
func BenchmarkIngest(b *testing.B) {
	e, up, size := benchUpload(b)
	b.SetBytes(size)
	b.ReportAllocs()
	var rows int64
	for b.Loop() {
		b.StopTimer()
		r, _, _ := benchIngestOnce(b, e, up, "")
		rows += r.Ingest.Rows
		b.StartTimer()
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

// benchSchemaID is the registry id under which BenchmarkIngestSchema's
// pipeline knows tableschema/testdata/bench-subventions.schema.json, the
// schema of the generator's table (and of writeBenchCSV's).
const benchSchemaID = "bench/subventions"

// BenchmarkIngestSchema measures what checking a file against the Table
// Schema its resource declares adds to its ingestion (issue 7: at most
// 30 %). Each iteration ingests BenchmarkIngest's file twice, as a
// resource without a schema and as one declaring benchSchemaID, in an
// order that alternates from one iteration to the next, so that load from
// other work on the machine hits both alike. Besides ns/op (one pair), it
// reports the median time of each (no-schema-s, schema-s), the median of
// the per-pair ratios (schema/no-schema) and the overhead it means
// (overhead-%), the rows per second of each, and the median of the
// per-pair ratios of the CPU time the process used (schema-cpu/no-schema-cpu):
// the work validation adds, which load from elsewhere hardly changes.
//
// The file must follow the schema (the generator's does): the benchmark
// fails when the validation could not run, and logs the report's errors.
func BenchmarkIngestSchema(b *testing.B) {
	e, up, size := benchUpload(b)
	s, err := tableschema.LoadFile("../../tableschema/testdata/bench-subventions.schema.json")
	if err != nil {
		b.Fatal(err)
	}
	s.ID = benchSchemaID
	e.pipeline.Schemas = tableschema.NewRegistry()
	if err := e.pipeline.Schemas.Add(s); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(2 * size)
	var plain, checked, ratios, cpu []float64
	var rows int64
	i := 0
	for b.Loop() {
		b.StopTimer()
		var tp, tc, cp, cc time.Duration
		var rp, rc *catalog.Resource
		if i%2 == 0 {
			rp, tp, cp = benchIngestOnce(b, e, up, "")
			rc, tc, cc = benchIngestOnce(b, e, up, benchSchemaID)
		} else {
			rc, tc, cc = benchIngestOnce(b, e, up, benchSchemaID)
			rp, tp, cp = benchIngestOnce(b, e, up, "")
		}
		if rp.Ingest.Rows != rc.Ingest.Rows {
			b.Fatalf("%d rows without the schema, %d with it", rp.Ingest.Rows, rc.Ingest.Rows)
		}
		v := rc.Validation
		if v == nil || v.Report == nil {
			b.Fatalf("the file was not checked against the schema: %+v", v)
		}
		if i == 0 {
			b.Logf("validation %s: %d rows, %d errors %v, %d warnings %v", v.Status,
				v.Report.Rows, v.Report.ErrorCount, v.Report.ErrorCounts, v.Report.WarningCount, v.Report.WarningCounts)
		}
		plain = append(plain, tp.Seconds())
		checked = append(checked, tc.Seconds())
		ratios = append(ratios, tc.Seconds()/tp.Seconds())
		cpu = append(cpu, cc.Seconds()/cp.Seconds())
		rows = rc.Ingest.Rows
		i++
		b.StartTimer()
	}
	ratio := median(ratios)
	b.ReportMetric(median(plain), "no-schema-s")
	b.ReportMetric(median(checked), "schema-s")
	b.ReportMetric(ratio, "schema/no-schema")
	b.ReportMetric(100*(ratio-1), "overhead-%")
	b.ReportMetric(float64(rows)/median(plain), "no-schema-rows/s")
	b.ReportMetric(float64(rows)/median(checked), "schema-rows/s")
	b.ReportMetric(median(cpu), "schema-cpu/no-schema-cpu")
}

// benchUpload stores BenchmarkIngest's file in a fresh SQLite
// environment; it returns the environment, the upload and the file's size.
func benchUpload(b *testing.B) (*env, *catalog.Upload, int64) {
	path := os.Getenv("PASSERELLE_BENCH_FILE")
	if path == "" {
		path = filepath.Join(b.TempDir(), "subventions.csv")
		writeBenchCSV(b, path, 100_000)
	}
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	e := newEnv(b, storagetest.OpenSQLite(b))
	up, err := ingest.StoreFile(context.Background(), e.blobs, path, filepath.Base(path), "")
	if err != nil {
		b.Fatal(err)
	}
	return e, up, st.Size()
}

// benchIngestOnce ingests up as a new resource declaring schema (or none),
// with the benchmark's timer running during the pipeline's Run only, and
// removes it afterwards. It returns the resource as stored after Run, the
// time Run took and the CPU time the process used meanwhile. The caller
// stops the timer before.
func benchIngestOnce(b *testing.B, e *env, up *catalog.Upload, schema string) (_ *catalog.Resource, wall, cpu time.Duration) {
	r, err := e.datasets.CreateResource(admin, &catalog.Resource{DatasetID: e.dataset.ID, URLType: "upload", URL: up.Filename, Upload: up, Schema: schema})
	if err != nil {
		b.Fatal(err)
	}
	job, err := e.jobs.ClaimJob(context.Background(), r.Ingest.JobID, "bench", time.Minute)
	if err != nil {
		b.Fatal(err)
	}
	phases := os.Getenv("PASSERELLE_BENCH_PHASES") != ""
	runtime.GC() // the previous run's garbage is not this one's to collect
	b.StartTimer()
	c0 := cpuTime()
	t0 := time.Now()
	last := ""
	var lastT time.Duration
	onProgress := func(p ingest.Progress) {
		if phases {
			now := time.Since(t0)
			if p.Phase != last {
				b.Logf("%8.3fs %s starts (previous ended %8.3fs)", now.Seconds(), p.Phase, lastT.Seconds())
				last = p.Phase
			}
			lastT = now
		}
	}
	if err := e.pipeline.Run(context.Background(), job, "bench", onProgress); err != nil {
		b.Fatal(err)
	}
	wall, cpu = time.Since(t0), cpuTime()-c0
	b.StopTimer()
	if phases {
		b.Logf("%8.3fs done", wall.Seconds())
	}
	r, err = e.datasets.FindResource(admin, r.ID)
	if err != nil {
		b.Fatal(err)
	}
	if err := e.datasets.DeleteResource(admin, r.ID); err != nil {
		b.Fatal(err)
	}
	if err := e.store.Drop(context.Background(), r.DatastoreTable); err != nil {
		b.Fatal(err)
	}
	return r, wall, cpu
}

// cpuTime returns the user and system time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func median(v []float64) float64 {
	v = slices.Clone(v)
	slices.Sort(v)
	switch n := len(v); {
	case n == 0:
		return 0
	case n%2 == 0:
		return (v[n/2-1] + v[n/2]) / 2
	default:
		return v[n/2]
	}
}

// writeBenchCSV writes n rows shaped like the generator's: ';', decimal
// commas, French dates, codes with leading zeros.
func writeBenchCSV(b *testing.B, path string, n int) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	communes := []string{"Saint-Étienne", "L'Haÿ-les-Roses", "Lyon", "Ajaccio", "Bourg-en-Bresse"}
	w.WriteString("id;code_insee;commune;date_decision;montant;beneficiaire;siret;renouvellement;nature\n")
	for i := range n {
		fmt.Fprintf(w, "%d;%05d;%s;%02d/%02d/20%02d;%d,%02d;\"Association « Les Écureuils » n°%d\";%014d;%s;Fonctionnement\n",
			i+1, (i*7919)%96000, communes[i%len(communes)], i%28+1, i%12+1, 15+i%10, i*37%250000, i%100, i%977,
			int64(i)*7919+2308228659, []string{"oui", "non"}[i%2])
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
}
