package ingest_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/passerelle/passerelle/catalog"
	"github.com/passerelle/passerelle/catalog/ingest"
	"github.com/passerelle/passerelle/converters"
	"github.com/passerelle/passerelle/storage"
	"github.com/passerelle/passerelle/storage/storagetest"
)

var admin = catalog.WithPrincipal(context.Background(), &catalog.Principal{Name: "test", Sysadmin: true})

type env struct {
	datasets *storage.DatasetService
	jobs     *storage.JobQueue
	blobs    catalog.BlobStore
	store    catalog.Datastore
	pipeline *ingest.Pipeline
	dataset  *catalog.Dataset
}

func newEnv(t testing.TB, db *storage.DB) *env {
	t.Helper()
	dir := t.TempDir()
	e := &env{datasets: storage.NewDatasetService(db), jobs: storage.NewJobQueue(db)}
	var err error
	if e.blobs, err = storage.OpenBlobStore(context.Background(), "", dir); err != nil {
		t.Fatal(err)
	}
	if e.store, err = storage.NewDatastore(db, dir); err != nil {
		t.Fatal(err)
	}
	if c, ok := e.store.(interface{ Close() error }); ok {
		t.Cleanup(func() { c.Close() })
	}
	e.pipeline = &ingest.Pipeline{Jobs: e.jobs, Blobs: e.blobs, Datastore: e.store, Log: slog.New(slog.DiscardHandler), Lease: time.Minute, TempDir: t.TempDir()}
	org, err := storage.NewOrganizationService(db).CreateOrganization(admin, &catalog.Organization{Name: "commune"})
	if err != nil {
		t.Fatal(err)
	}
	if e.dataset, err = e.datasets.CreateDataset(admin, &catalog.Dataset{Name: "jeu", Title: "Jeu", OwnerOrg: org.ID}); err != nil {
		t.Fatal(err)
	}
	return e
}

// ingestFile uploads a file as a new resource and runs its ingestion; it
// returns the resource as stored afterwards.
func (e *env) ingestFile(t *testing.T, path string) *catalog.Resource {
	t.Helper()
	up, err := ingest.StoreFile(context.Background(), e.blobs, path, filepath.Base(path), "")
	if err != nil {
		t.Fatal(err)
	}
	r, err := e.datasets.CreateResource(admin, &catalog.Resource{DatasetID: e.dataset.ID, Name: filepath.Base(path), URLType: "upload", URL: up.Filename, Upload: up})
	if err != nil {
		t.Fatal(err)
	}
	job, err := e.jobs.ClaimJob(context.Background(), r.Ingest.JobID, "test", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.pipeline.Run(context.Background(), job, "test", nil); err != nil {
		t.Logf("ingestion: %v", err)
	}
	r, err = e.datasets.FindResource(admin, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// inputs are the project's mess files and, beside the checkout, the
// shared fixtures.
func inputs(t *testing.T) []string {
	files, _ := filepath.Glob("../../converters/testdata/*.*")
	shared, _ := filepath.Glob("../../../shared/fixtures/tabular/*.*")
	if len(shared) == 0 {
		t.Log("shared fixtures not found beside the checkout: ingesting the project's own test files only")
	}
	return append(files, shared...)
}

// TestIngestFiles ingests every input and checks the outcome against what
// the converters report for the same file: the same tables and row
// counts, a normalised CSV identical to converters.Normalize's, the rows in
// the datastore; and a refused file fails with the converters' sentences.
func TestIngestFiles(t *testing.T) {
	storagetest.Run(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		for _, path := range inputs(t) {
			t.Run(filepath.Base(path), func(t *testing.T) {
				e.checkIngest(t, path)
			})
		}
	})
}

// checkIngest ingests the file at path and checks the outcome against
// what the converters report for it: the same tables, row counts and
// types, a normalised CSV identical to converters.Normalize's, the rows in
// the datastore; and a refused file fails with the converters' sentences.
func (e *env) checkIngest(t *testing.T, path string) {
	t.Helper()
	rep, ierr := converters.Inspect(path, converters.Options{})
	r := e.ingestFile(t, path)
	in := r.Ingest
	if ierr != nil {
		ce, _ := converters.AsError(ierr)
		if in.State != catalog.IngestError || ce == nil || in.Error != ce.Msg || in.ErrorFR != ce.MsgFR || r.DatastoreActive {
			t.Fatalf("ingestion of a refused file = %+v (converters: %v)", in, ierr)
		}
		return
	}
	if in.State != catalog.IngestComplete {
		t.Fatalf("ingestion = %s: %s", in.State, in.Error)
	}
	if len(in.Report.Tables) != len(rep.Tables) {
		t.Fatalf("%d tables ingested, converters report %d", len(in.Report.Tables), len(rep.Tables))
	}
	f, err := converters.Open(path, converters.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ti := 0
	for i := range f.Sheets {
		cr, err := f.Table(i)
		if err != nil {
			continue // a sheet without a table
		}
		want := normalised(t, f, i, cr)
		got := in.Report.Tables[ti]
		if got.Rows != int64(rep.Tables[ti].Rows) || got.HeaderLine != rep.Tables[ti].HeaderLine {
			t.Errorf("table %d: %d rows, header %d; converters: %d rows, header %d", ti, got.Rows, got.HeaderLine, rep.Tables[ti].Rows, rep.Tables[ti].HeaderLine)
		}
		for k, c := range rep.Tables[ti].Columns {
			if k >= len(got.Fields) || got.Fields[k].ID != c.Name || got.Fields[k].Type != datastoreTypes[c.Type] {
				t.Errorf("table %d: fields %+v; converters: %+v", ti, got.Fields, rep.Tables[ti].Columns)
				break
			}
		}
		norm, err := e.datasets.FindResource(admin, got.NormalizedID)
		if err != nil {
			t.Fatal(err)
		}
		rc, err := e.blobs.Open(context.Background(), norm.BlobKey)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(rc)
		rc.Close()
		if !bytes.Equal(body, want) {
			t.Errorf("table %d: normalised CSV differs from converters.Normalize (%d vs %d bytes)", ti, len(body), len(want))
		}
		info, err := e.store.Info(context.Background(), norm.DatastoreTable)
		if err != nil || info.Rows != got.Rows || len(info.Fields) != len(rep.Tables[ti].Columns) {
			t.Errorf("table %d in the datastore: %+v, %v", ti, info, err)
		}
		ti++
	}
}

// datastoreTypes are the datastore types of the converters' types.
var datastoreTypes = map[converters.Type]string{
	converters.TypeString: catalog.DatastoreText, converters.TypeInteger: catalog.DatastoreInt,
	converters.TypeNumber: catalog.DatastoreNumeric, converters.TypeDate: catalog.DatastoreDate,
	converters.TypeDatetime: catalog.DatastoreTimestamp, converters.TypeBoolean: catalog.DatastoreBool,
}

// TestIngestTypesChangeLate ingests tables longer than the rows that give
// the types loading starts with, whose later rows keep or change a type:
// the outcome is that of types inferred on the whole table.
func TestIngestTypesChangeLate(t *testing.T) {
	e := newEnv(t, storagetest.OpenSQLite(t))
	for _, tc := range []struct {
		name string
		rows int
		// cells returns row i's montant and code.
		cells func(i int) (string, string)
	}{
		{"stable", 30_000, func(i int) (string, string) { return fmt.Sprintf("%d,%02d", i, i%100), fmt.Sprint(1000 + i%50) }},
		// The last check, at the end of the table.
		{"decimal at the end", 30_000, func(i int) (string, string) {
			if i == 29_000 {
				return "12,5", "1000"
			}
			return fmt.Sprint(i), "1000"
		}},
		// A check while loading, after 20 000 rows read.
		{"decimal early", 100_000, func(i int) (string, string) {
			if i == 15_000 {
				return "12,5", "1000"
			}
			return fmt.Sprint(i), "1000"
		}},
		{"text late", 100_000, func(i int) (string, string) {
			if i == 70_000 {
				return "n/c", "1000"
			}
			return fmt.Sprint(i), "1000"
		}},
		{"empty then numbers", 50_000, func(i int) (string, string) {
			if i < 12_000 {
				return "", "1000"
			}
			return fmt.Sprint(i), "1000"
		}},
		// Values that fit (a string column) but change the type: found
		// by the last check.
		{"empty then numbers at the end", 30_000, func(i int) (string, string) {
			if i < 25_000 {
				return "", "1000"
			}
			return fmt.Sprint(i), "1000"
		}},
		{"leading zero late", 50_000, func(i int) (string, string) {
			if i == 45_000 {
				return "1", "01000"
			}
			return "1", fmt.Sprint(1000 + i%50)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			b.WriteString("id;commune;montant;code\n")
			for i := range tc.rows {
				m, c := tc.cells(i)
				fmt.Fprintf(&b, "%d;Arles;%s;%s\n", i+1, m, c)
			}
			path := filepath.Join(t.TempDir(), strings.ReplaceAll(tc.name, " ", "-")+".csv")
			writeFile(t, path, b.String())
			e.checkIngest(t, path)
		})
	}
}

func normalised(t *testing.T, f *converters.File, i int, r *converters.Reader) []byte {
	t.Helper()
	inf := converters.NewInferrer(r.Header(), r.Names())
	for {
		row, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		inf.Add(row)
	}
	r.Close()
	r, err := f.Table(i)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var b bytes.Buffer
	if _, err := converters.Normalize(&b, r, inf.Schema()); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestStopPutsTheJobBack(t *testing.T) {
	db := storagetest.OpenSQLite(t)
	e := newEnv(t, db)
	var big strings.Builder
	big.WriteString("id;commune;montant\n")
	for i := 0; i < 200_000; i++ {
		big.WriteString("1;Arles;12,5\n")
	}
	path := filepath.Join(t.TempDir(), "gros.csv")
	writeFile(t, path, big.String())
	up, _ := ingest.StoreFile(context.Background(), e.blobs, path, "gros.csv", "")
	r, err := e.datasets.CreateResource(admin, &catalog.Resource{DatasetID: e.dataset.ID, URLType: "upload", URL: "gros.csv", Upload: up})
	if err != nil {
		t.Fatal(err)
	}
	job, _ := e.jobs.ClaimJob(context.Background(), r.Ingest.JobID, "w", time.Minute)
	ctx, cancel := context.WithCancel(context.Background())
	err = e.pipeline.Run(ctx, job, "w", func(p ingest.Progress) {
		if p.Phase == "loading" {
			cancel() // the server stops mid-load
		}
	})
	if err == nil {
		t.Fatal("a stopped ingestion reported success")
	}
	in, _ := e.jobs.FindJob(context.Background(), job.ID)
	if in.State != catalog.IngestPending {
		t.Fatalf("stopped job = %+v, want pending again", in)
	}
	// The next worker completes it.
	job, err = e.jobs.Claim(context.Background(), "w2", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.pipeline.Run(context.Background(), job, "w2", nil); err != nil {
		t.Fatal(err)
	}
	got, _ := e.datasets.FindResource(admin, r.ID)
	if got.Ingest.State != catalog.IngestComplete || got.Ingest.Rows != 200_000 {
		t.Errorf("after the retry: %+v", got.Ingest)
	}
}
