package ingest_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/passerelle/passerelle/catalog"
	"github.com/passerelle/passerelle/catalog/ingest"
	"github.com/passerelle/passerelle/storage/storagetest"
)

// BenchmarkIngest runs the whole pipeline on one file, as `passerelle
// import` does after storing the upload: sniffing, the inference pass, the
// normalised CSV (written and stored as a blob) and the SQLite datastore
// load, commit included. The file is PASSERELLE_BENCH_FILE (e.g. the
// generator's M CSV), or else a generated 100 000-row French table. With
// PASSERELLE_BENCH_PHASES set, it logs when each phase starts.
func BenchmarkIngest(b *testing.B) {
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
	b.SetBytes(st.Size())
	b.ReportAllocs()
	var rows int64
	for b.Loop() {
		b.StopTimer()
		r, err := e.datasets.CreateResource(admin, &catalog.Resource{DatasetID: e.dataset.ID, URLType: "upload", URL: up.Filename, Upload: up})
		if err != nil {
			b.Fatal(err)
		}
		job, err := e.jobs.ClaimJob(context.Background(), r.Ingest.JobID, "bench", time.Minute)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		t0 := time.Now()
		last := ""
		var lastT time.Duration
		onProgress := func(p ingest.Progress) {
			if os.Getenv("PASSERELLE_BENCH_PHASES") != "" {
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
		b.StopTimer()
		if os.Getenv("PASSERELLE_BENCH_PHASES") != "" {
			b.Logf("%8.3fs done", time.Since(t0).Seconds())
		}
		r, err = e.datasets.FindResource(admin, r.ID)
		if err != nil {
			b.Fatal(err)
		}
		rows += r.Ingest.Rows
		if err := e.datasets.DeleteResource(admin, r.ID); err != nil {
			b.Fatal(err)
		}
		if err := e.store.Drop(context.Background(), r.DatastoreTable); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
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
