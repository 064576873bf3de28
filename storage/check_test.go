package storage_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/passerelle/passerelle/catalog"
	"github.com/passerelle/passerelle/storage"
	"github.com/passerelle/passerelle/storage/storagetest"
)

// putBlob stores content and returns it as an upload.
func putBlob(t *testing.T, blobs catalog.BlobStore, name, content string) catalog.Upload {
	t.Helper()
	sum := sha256.Sum256([]byte(content))
	h := hex.EncodeToString(sum[:])
	up := catalog.Upload{BlobKey: catalog.BlobKey(h), Filename: name, Size: int64(len(content)), Hash: h, Mimetype: "text/csv"}
	if err := blobs.Put(context.Background(), up.BlobKey, strings.NewReader(content)); err != nil {
		t.Fatal(err)
	}
	return up
}

// kinds counts findings by kind, and unrepaired ones under "left".
func kinds(rep *storage.CheckReport) map[storage.FindingKind]int {
	m := map[storage.FindingKind]int{}
	for _, f := range rep.Findings {
		m[f.Kind]++
		if !f.Repaired {
			m["left"]++
		}
	}
	return m
}

func TestCheck(t *testing.T) {
	storagetest.Run(t, func(t *testing.T, db *storage.DB) { testCheck(t, db, "") })
}

// TestCheckS3 runs the check on PostgreSQL and S3, as a scaled-out
// installation has them.
func TestCheckS3(t *testing.T) {
	blobURL := storagetest.S3URL(t)
	testCheck(t, storagetest.OpenPostgres(t), blobURL)
}

func testCheck(t *testing.T, db *storage.DB, blobURL string) {
	ctx := context.Background()
	dir := t.TempDir()
	blobs, err := storage.OpenBlobStore(ctx, blobURL, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { blobs.(interface{ Close() error }).Close() })
	dstore, err := storage.NewDatastore(db, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dstore.(interface{ Close() error }).Close() })
	svc, org := setup(t, db)
	q := storage.NewJobQueue(db)
	d, err := svc.CreateDataset(sysadmin, &catalog.Dataset{Name: "jeu", Title: "Jeu", OwnerOrg: org.ID})
	if err != nil {
		t.Fatal(err)
	}
	fields := []catalog.DatastoreField{{ID: "a", Type: catalog.DatastoreText}}
	addResource := func(name string) *catalog.Resource {
		up := putBlob(t, blobs, name+".csv", "a\n"+name+"\n")
		r, err := svc.CreateResource(sysadmin, &catalog.Resource{DatasetID: d.ID, Name: name, Upload: &up})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}

	// A resource ingested for real: its table and normalised file.
	ingested := addResource("ingere")
	job, err := q.Claim(ctx, "w", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	table := dsLoad(t, dstore, fields, [][]string{{"x"}})
	norm := putBlob(t, blobs, "ingere-normalise.csv", "a\nx\n")
	if _, err := q.Complete(ctx, job.ID, "w", catalog.IngestResult{Tables: []catalog.IngestedTable{{Table: table, Rows: 1, Normalized: norm}}}); err != nil {
		t.Fatal(err)
	}
	// Its table is lost; another resource's file is lost.
	if err := dstore.Drop(ctx, table); err != nil {
		t.Fatal(err)
	}
	lost := addResource("perdu")
	if _, err := q.Claim(ctx, "w", time.Minute); err != nil { // out of the way
		t.Fatal(err)
	}
	if err := blobs.Delete(ctx, lost.BlobKey); err != nil {
		t.Fatal(err)
	}
	// A worker died mid-ingestion an hour ago.
	db.SetClock(func() time.Time { return time.Now().Add(-time.Hour) })
	addResource("interrompu")
	stuck, err := q.Claim(ctx, "mort", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	db.SetClock(time.Now)
	// Leftovers of crashes: a file and a table nothing uses, an old
	// temporary upload.
	orphan := putBlob(t, blobs, "orphelin.csv", "orphelin")
	// Files outside the store's key space are not its own.
	if err := blobs.Put(ctx, "autre/fichier.txt", strings.NewReader("pas à nous")); err != nil {
		t.Fatal(err)
	}
	orphanTable := dsLoad(t, dstore, fields, [][]string{{"y"}})
	if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o750); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(dir, "tmp", "passerelle-upload-123")
	if err := os.WriteFile(tmp, []byte("moitié"), 0o640); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(tmp, old, old); err != nil {
		t.Fatal(err)
	}

	// Within the grace period the fresh orphans are spared.
	opts := storage.CheckOptions{DataDir: dir, Grace: time.Hour}
	rep, err := storage.Check(ctx, db, blobs, dstore, opts)
	if err != nil {
		t.Fatal(err)
	}
	got := kinds(rep)
	want := map[storage.FindingKind]int{storage.MissingBlob: 1, storage.MissingTable: 2, storage.ExpiredJob: 1, storage.TempFile: 1, "left": 5}
	if !equalCounts(got, want) || rep.Young != 2 {
		t.Fatalf("check with grace = %v, young %d; want %v, young 2\n%+v", got, rep.Young, want, rep.Findings)
	}
	for _, f := range rep.Findings {
		if f.Kind == storage.MissingBlob && (f.Subject != lost.BlobKey || !strings.Contains(f.Msg, lost.ID)) {
			t.Errorf("missing blob finding = %+v", f)
		}
		if f.Kind == storage.ExpiredJob && f.Subject != stuck.ID {
			t.Errorf("expired job finding = %+v", f)
		}
	}
	// Without --repair nothing changed.
	if _, _, err := blobs.Stat(ctx, orphan.BlobKey); err != nil {
		t.Errorf("orphan deleted without repair: %v", err)
	}

	// Repair with no grace: everything but the lost file is fixed.
	opts.Grace, opts.Repair = 0, true
	rep, err = storage.Check(ctx, db, blobs, dstore, opts)
	if err != nil {
		t.Fatal(err)
	}
	got = kinds(rep)
	want = map[storage.FindingKind]int{storage.MissingBlob: 1, storage.MissingTable: 2, storage.ExpiredJob: 1, storage.TempFile: 1,
		storage.OrphanBlob: 1, storage.OrphanTable: 1, "left": 1}
	if !equalCounts(got, want) {
		t.Fatalf("repair = %v, want %v\n%+v", got, want, rep.Findings)
	}
	if _, _, err := blobs.Stat(ctx, orphan.BlobKey); catalog.ErrorKind(err) != catalog.KindNotFound {
		t.Errorf("orphan file after repair: %v", err)
	}
	if _, err := dstore.Info(ctx, orphanTable); catalog.ErrorKind(err) != catalog.KindNotFound {
		t.Errorf("orphan table after repair: %v", err)
	}
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Errorf("temporary file after repair: %v", err)
	}
	if in, err := q.FindJob(ctx, stuck.ID); err != nil || in.State != catalog.IngestPending {
		t.Errorf("stuck job after repair = %+v, %v", in, err)
	}
	r, err := svc.FindResource(sysadmin, ingested.ID)
	if err != nil || r.DatastoreActive {
		t.Errorf("resource whose table is gone = %+v, %v", r, err)
	}
	// Files still in use are kept; nothing is deleted from the catalogue.
	for _, key := range []string{norm.BlobKey, "autre/fichier.txt"} {
		if _, _, err := blobs.Stat(ctx, key); err != nil {
			t.Errorf("file %s after repair: %v", key, err)
		}
	}
	if got, err := svc.FindDataset(sysadmin, d.ID); err != nil || len(got.Resources) != 4 {
		t.Errorf("dataset after repair: %v resources, %v", len(got.Resources), err)
	}

	// Only the unrepairable finding is left.
	rep, err = storage.Check(ctx, db, blobs, dstore, opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := kinds(rep); !equalCounts(got, map[storage.FindingKind]int{storage.MissingBlob: 1, "left": 1}) {
		t.Errorf("second repair = %v\n%+v", got, rep.Findings)
	}
}

func equalCounts(a, b map[storage.FindingKind]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
