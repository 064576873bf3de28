package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/passerelle/passerelle/catalog"
	"github.com/passerelle/passerelle/storage"
	"github.com/passerelle/passerelle/storage/storagetest"
)

// queueUpload creates a resource with an upload and returns its job id.
func queueUpload(t *testing.T, ds *storage.DatasetService, datasetID, name string) (*catalog.Resource, string) {
	t.Helper()
	r, err := ds.CreateResource(sysadmin, &catalog.Resource{
		DatasetID: datasetID, Name: name, URLType: "upload", URL: name + ".csv",
		Upload: &catalog.Upload{BlobKey: catalog.BlobKey("ab" + name), Filename: name + ".csv", Size: 10, Hash: "ab" + name, Mimetype: "text/csv"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if r.Ingest == nil || r.Ingest.State != catalog.IngestPending || r.URLType != "upload" || r.BlobKey == "" || *r.Size != 10 {
		t.Fatalf("resource with upload = %+v", r)
	}
	return r, r.Ingest.JobID
}

func TestJobQueue(t *testing.T) {
	storagetest.Run(t, func(t *testing.T, db *storage.DB) {
		ds, org := setup(t, db)
		d, err := ds.CreateDataset(sysadmin, &catalog.Dataset{Name: "jeu", Title: "Jeu", OwnerOrg: org.ID})
		if err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
		db.SetClock(func() time.Time { return now })
		q := storage.NewJobQueue(db)
		ctx := context.Background()
		_, first := queueUpload(t, ds, d.ID, "premier")
		now = now.Add(time.Second)
		_, second := queueUpload(t, ds, d.ID, "second")

		// Oldest first; a claimed job is not handed out twice.
		j, err := q.Claim(ctx, "w1", time.Minute)
		if err != nil || j.ID != first || j.Attempts != 1 || j.Replace || j.Upload.Filename != "premier.csv" {
			t.Fatalf("first claim = %+v, %v", j, err)
		}
		j2, err := q.Claim(ctx, "w2", time.Minute)
		if err != nil || j2.ID != second {
			t.Fatalf("second claim = %+v, %v", j2, err)
		}
		if _, err := q.Claim(ctx, "w3", time.Minute); catalog.ErrorKind(err) != catalog.KindNotFound {
			t.Fatalf("empty queue: %v", err)
		}
		// Heartbeats keep the lease and record progress.
		if err := q.Heartbeat(ctx, first, "w1", time.Minute, 0.5, 1000); err != nil {
			t.Fatal(err)
		}
		if in, _ := q.FindJob(ctx, first); in.State != catalog.IngestRunning || in.Progress != 0.5 || in.Rows != 1000 {
			t.Errorf("running job = %+v", in)
		}
		if err := q.Heartbeat(ctx, first, "w2", time.Minute, 0.6, 1); catalog.ErrorKind(err) != catalog.KindForbidden {
			t.Errorf("heartbeat of a job held by another worker: %v", err)
		}
		// A worker that stops answering loses the job after its lease.
		now = now.Add(2 * time.Minute)
		j3, err := q.Claim(ctx, "w3", time.Minute)
		if err != nil || j3.ID != first || j3.Attempts != 2 {
			t.Fatalf("claim after lease expiry = %+v, %v", j3, err)
		}
		if err := q.Heartbeat(ctx, first, "w1", time.Minute, 0.7, 1); catalog.ErrorKind(err) != catalog.KindForbidden {
			t.Errorf("old worker's heartbeat: %v", err)
		}
		if _, err := q.Complete(ctx, first, "w1", catalog.IngestResult{}); catalog.ErrorKind(err) != catalog.KindForbidden {
			t.Errorf("old worker's completion: %v", err)
		}
		// A file that kills every worker is given up after three starts.
		now = now.Add(2 * time.Minute)
		if j, err := q.Claim(ctx, "w4", time.Minute); err != nil || j.ID != first || j.Attempts != 3 {
			t.Fatalf("third start = %+v, %v", j, err)
		}
		if j, err := q.Claim(ctx, "w5", time.Minute); err != nil || j.ID != second {
			t.Fatalf("claim = %+v %v", j, err) // the second job's lease ran out too
		}
		now = now.Add(2 * time.Minute)
		for {
			j, err := q.Claim(ctx, "w6", time.Minute)
			if catalog.ErrorKind(err) == catalog.KindNotFound {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if j.ID == first {
				t.Fatal("a job started three times was handed out again")
			}
			q.Fail(ctx, j.ID, "w6", "broken", "cassé")
		}
		in, _ := q.FindJob(ctx, first)
		if in.State != catalog.IngestError || in.Error == "" || in.ErrorFR == "" || in.Finished == nil {
			t.Errorf("job interrupted three times = %+v", in)
		}
		// Retry puts a job back; Fail records both languages.
		_, third := queueUpload(t, ds, d.ID, "troisieme")
		if j, err := q.ClaimJob(ctx, third, "w7", time.Minute); err != nil || j.ID != third {
			t.Fatalf("ClaimJob = %+v, %v", j, err)
		}
		if _, err := q.ClaimJob(ctx, third, "w8", time.Minute); catalog.ErrorKind(err) != catalog.KindNotFound {
			t.Errorf("ClaimJob of a held job: %v", err)
		}
		if err := q.Retry(ctx, third, "w7"); err != nil {
			t.Fatal(err)
		}
		if in, _ := q.FindJob(ctx, third); in.State != catalog.IngestPending {
			t.Errorf("retried job = %+v", in)
		}
		q.ClaimJob(ctx, third, "w7", time.Minute)
		if err := q.Fail(ctx, third, "w7", "The file is empty.", "Le fichier est vide."); err != nil {
			t.Fatal(err)
		}
		r, _ := ds.FindDataset(sysadmin, d.ID)
		for _, res := range r.Resources {
			if res.Ingest == nil || res.Ingest.JobID == "" {
				t.Errorf("resource %s shows no ingestion", res.Name)
			}
			if res.Name == "troisieme" && (res.Ingest.State != catalog.IngestError || res.Ingest.ErrorFR != "Le fichier est vide.") {
				t.Errorf("failed job as the resource shows it: %+v", res.Ingest)
			}
		}
	})
}

// TestCompleteReplacesAtOnce: a replaced file, its table and its derived
// resources change in one write; tables nobody uses are handed back.
func TestCompleteReplacesAtOnce(t *testing.T) {
	storagetest.Run(t, func(t *testing.T, db *storage.DB) {
		ds, org := setup(t, db)
		d, _ := ds.CreateDataset(sysadmin, &catalog.Dataset{Name: "jeu", Title: "Jeu", OwnerOrg: org.ID})
		q := storage.NewJobQueue(db)
		ctx := context.Background()
		r, job := queueUpload(t, ds, d.ID, "classeur")
		q.ClaimJob(ctx, job, "w", time.Minute)
		norm := func(n string) catalog.Upload {
			return catalog.Upload{BlobKey: catalog.BlobKey("cd" + n), Filename: n + "-normalise.csv", Size: 5, Hash: "cd" + n}
		}
		unused, err := q.Complete(ctx, job, "w", catalog.IngestResult{
			Format: "XLSX", Report: catalog.IngestReport{Format: "xlsx", Tables: []catalog.IngestTable{{Sheet: "A"}, {Sheet: "B"}}},
			Tables: []catalog.IngestedTable{{Name: "A", Table: "t1", Rows: 3, Normalized: norm("a")}, {Name: "B", Table: "t2", Rows: 4, Normalized: norm("b")}},
		})
		if err != nil || len(unused) != 0 {
			t.Fatalf("complete = %v, %v", unused, err)
		}
		got, _ := ds.FindDataset(sysadmin, d.ID)
		if len(got.Resources) != 3 || got.Resources[0].DatastoreTable != "t1" || !got.Resources[0].DatastoreActive || got.Resources[0].Format != "XLSX" ||
			got.Resources[1].DerivedFrom != r.ID || got.Resources[1].DatastoreTable != "t1" || got.Resources[2].DatastoreTable != "t2" ||
			got.Resources[1].URLType != "upload" || got.Resources[2].Mimetype != "text/csv" {
			t.Fatalf("after completion: %+v", got.Resources)
		}
		rep := got.Resources[0].Ingest.Report
		if rep == nil || rep.Tables[1].ResourceID != got.Resources[2].ID || rep.Tables[0].ResourceID != r.ID || rep.Tables[0].NormalizedID != got.Resources[1].ID {
			t.Errorf("report = %+v", rep)
		}
		// A new version with one sheet: the second derived resource goes,
		// and both old tables are unused.
		if _, err := ds.UpdateResource(sysadmin, r.ID, func(x *catalog.Resource) error {
			x.Upload = &catalog.Upload{BlobKey: catalog.BlobKey("ef"), Filename: "v2.xlsx", Size: 99, Hash: "ef"}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		mid, _ := ds.FindDataset(sysadmin, d.ID)
		if mid.Resources[0].URL != "classeur.csv" || mid.Resources[0].Ingest.State != catalog.IngestPending || mid.Resources[0].DatastoreTable != "t1" {
			t.Errorf("while the replacement is pending the resource must keep its file: %+v", mid.Resources[0])
		}
		job2 := mid.Resources[0].Ingest.JobID
		if j, err := q.ClaimJob(ctx, job2, "w", time.Minute); err != nil || !j.Replace {
			t.Fatalf("claim replacement = %+v %v", j, err)
		}
		unused, err = q.Complete(ctx, job2, "w", catalog.IngestResult{
			Report: catalog.IngestReport{Tables: []catalog.IngestTable{{}}},
			Tables: []catalog.IngestedTable{{Table: "t3", Rows: 1, Normalized: norm("c")}},
		})
		if err != nil || len(unused) != 2 || unused[0] != "t1" || unused[1] != "t2" {
			t.Fatalf("unused = %v, %v", unused, err)
		}
		got, _ = ds.FindDataset(sysadmin, d.ID)
		if len(got.Resources) != 2 || got.Resources[0].URL != "v2.xlsx" || *got.Resources[0].Size != 99 || got.Resources[1].DatastoreTable != "t3" || got.Resources[1].ID != mid.Resources[1].ID {
			t.Errorf("after replacement: %+v", got.Resources)
		}
		// A completion for a resource deleted meanwhile publishes nothing.
		r2, job3 := queueUpload(t, ds, d.ID, "efface")
		q.ClaimJob(ctx, job3, "w", time.Minute)
		ds.DeleteResource(sysadmin, r2.ID)
		unused, err = q.Complete(ctx, job3, "w", catalog.IngestResult{Tables: []catalog.IngestedTable{{Table: "t9"}}, Report: catalog.IngestReport{Tables: []catalog.IngestTable{{}}}})
		if err != nil || len(unused) != 1 || unused[0] != "t9" {
			t.Errorf("completion of a deleted resource = %v, %v", unused, err)
		}
	})
}
