package storage

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/passerelle/passerelle/catalog"
)

// FindingKind names a kind of inconsistency Check finds.
type FindingKind string

// Kinds of findings.
const (
	// MissingBlob is a resource whose stored file is gone.
	MissingBlob FindingKind = "missing_blob"
	// OrphanBlob is a stored file no resource and no queued ingestion uses.
	OrphanBlob FindingKind = "orphan_blob"
	// MissingTable is a resource marked datastore_active whose table is gone.
	MissingTable FindingKind = "missing_table"
	// OrphanTable is a datastore table no resource uses.
	OrphanTable FindingKind = "orphan_table"
	// ExpiredJob is an ingestion left running by a worker whose lease ran out.
	ExpiredJob FindingKind = "expired_job"
	// TempFile is a temporary file left by an interrupted upload or load.
	TempFile FindingKind = "temp_file"
)

// Finding is one inconsistency, in words an operator can act on.
type Finding struct {
	Kind FindingKind
	// Subject is the blob key, table name, job id or path concerned.
	Subject string
	// Msg says what is wrong, in a sentence.
	Msg string
	// Repaired tells whether Check fixed it; Action says how, or why not.
	Repaired bool
	Action   string
}

// CheckOptions say what Check may change.
type CheckOptions struct {
	// DataDir is the data directory, whose "tmp" folder holds the
	// temporary files of uploads and ingestions; "" skips them.
	DataDir string
	// Grace spares orphans (files, tables, temporary files) younger than
	// this: on a live instance they belong to an upload or ingestion that
	// has not committed yet.
	Grace time.Duration
	// Repair fixes what can be fixed without losing published data.
	Repair bool
}

// CheckReport is the outcome of Check.
type CheckReport struct {
	Findings []Finding
	// What was looked at.
	Resources, Blobs, Tables, Jobs int
	// Young counts orphans spared because they are younger than the grace
	// period.
	Young int
}

// Unrepaired returns how many findings are left as they were.
func (r *CheckReport) Unrepaired() int {
	n := 0
	for _, f := range r.Findings {
		if !f.Repaired {
			n++
		}
	}
	return n
}

// blobPrefix starts every key catalog.BlobKey makes.
const blobPrefix = "sha256/"

// checkResource is what Check reads of a resource.
type checkResource struct {
	ID              string
	DatasetID       string
	URLType         string
	BlobKey         string
	DatastoreTable  string
	DatastoreActive bool
}

// dsEntry is a datastore table as stored.
type dsEntry struct {
	name    string
	created time.Time
}

// Check compares the catalogue with the blob store and the datastore and
// reports what does not match: resources whose file or table is gone,
// files and tables nothing uses (crash leftovers between a store and the
// catalogue's commit), ingestions whose worker died, temporary files. With
// opts.Repair it deletes the orphans, requeues the ingestions and marks
// resources whose table is gone as not in the datastore; it never deletes
// a dataset or a resource. It fails only when it cannot read the stores.
func Check(ctx context.Context, db *DB, blobs catalog.BlobStore, ds catalog.Datastore, opts CheckOptions) (*CheckReport, error) {
	rep := &CheckReport{}
	now := time.Now()
	cutoff := now.Add(-opts.Grace)

	// Stores are listed before the catalogue is read: a file stored
	// after the listing is not seen, and one stored before it and
	// committed before the read is referenced.
	type blobInfo struct {
		size     int64
		modified time.Time
	}
	stored := map[string]blobInfo{}
	// Only the store's own key space: a bucket may hold other files.
	if err := blobs.List(ctx, blobPrefix, func(key string, size int64, modified time.Time) error {
		stored[key] = blobInfo{size, modified}
		return nil
	}); err != nil {
		return nil, err
	}
	rep.Blobs = len(stored)
	tables, err := listTables(ctx, ds)
	if err != nil {
		return nil, err
	}
	rep.Tables = len(tables)

	g := db.gorm.WithContext(ctx)
	var resources []checkResource
	if err := g.Model(&resourceRow{}).Select("id", "dataset_id", "url_type", "blob_key", "datastore_table", "datastore_active").
		Order("id").Find(&resources).Error; err != nil {
		return nil, internal("read resources", err)
	}
	rep.Resources = len(resources)
	usedBlobs, usedTables := map[string]bool{}, map[string]bool{}
	for _, r := range resources {
		if r.BlobKey != "" {
			usedBlobs[r.BlobKey] = true
		}
		if r.DatastoreTable != "" {
			usedTables[r.DatastoreTable] = true
		}
	}
	var queued []string
	if err := g.Model(&jobRow{}).Where("state IN ?", []string{string(catalog.IngestPending), string(catalog.IngestRunning)}).
		Pluck("blob_key", &queued).Error; err != nil {
		return nil, internal("read ingestion jobs", err)
	}
	for _, k := range queued {
		usedBlobs[k] = true
	}

	// (a) Resources whose file is gone. The listing may lag behind the
	// store (S3): a file missing from it is looked up before it counts.
	for _, r := range resources {
		if r.BlobKey == "" {
			continue
		}
		if _, ok := stored[r.BlobKey]; ok {
			continue
		}
		if _, _, err := blobs.Stat(ctx, r.BlobKey); catalog.ErrorKind(err) != catalog.KindNotFound {
			if err != nil {
				return nil, err
			}
			continue
		}
		rep.Findings = append(rep.Findings, Finding{
			Kind: MissingBlob, Subject: r.BlobKey,
			Msg:    fmt.Sprintf("Resource %s of dataset %s points to file %s, which is not in the blob store.", r.ID, r.DatasetID, r.BlobKey),
			Action: "Not repaired: the file cannot be recreated; upload it again (resource_update with a file) or delete the resource.",
		})
	}

	// (b) Files nothing uses.
	keys := make([]string, 0, len(stored))
	for k := range stored {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if usedBlobs[k] {
			continue
		}
		if stored[k].modified.After(cutoff) {
			rep.Young++
			continue
		}
		f := Finding{Kind: OrphanBlob, Subject: k,
			Msg: fmt.Sprintf("File %s (%d bytes, stored %s) is used by no resource and no queued ingestion.", k, stored[k].size, stored[k].modified.UTC().Format(time.RFC3339))}
		if strings.HasSuffix(k, ".tmp") {
			f.Msg = fmt.Sprintf("File %s is an unfinished write (%d bytes, %s).", k, stored[k].size, stored[k].modified.UTC().Format(time.RFC3339))
		}
		if opts.Repair {
			f.Repaired, f.Action, err = deleteOrphanBlob(ctx, db, blobs, k, cutoff)
			if err != nil {
				return nil, err
			}
		}
		rep.Findings = append(rep.Findings, f)
	}

	// (c) Tables: resources whose table is gone, tables nothing uses.
	have := map[string]bool{}
	for _, t := range tables {
		have[t.name] = true
	}
	for _, r := range resources {
		if !r.DatastoreActive || r.DatastoreTable == "" || have[r.DatastoreTable] {
			continue
		}
		if _, err := ds.Info(ctx, r.DatastoreTable); catalog.ErrorKind(err) != catalog.KindNotFound {
			if err != nil {
				return nil, err
			}
			continue // committed after the listing
		}
		f := Finding{Kind: MissingTable, Subject: r.DatastoreTable,
			Msg: fmt.Sprintf("Resource %s of dataset %s is marked as in the datastore, but its table %s is gone.", r.ID, r.DatasetID, r.DatastoreTable)}
		if opts.Repair {
			if err := deactivateDatastore(ctx, db, r); err != nil {
				return nil, err
			}
			f.Repaired = true
			f.Action = "Marked the resource as not in the datastore (datastore_active false); upload the file again to reload it."
		}
		rep.Findings = append(rep.Findings, f)
	}
	for _, t := range tables {
		if usedTables[t.name] {
			continue
		}
		if t.created.After(cutoff) {
			rep.Young++
			continue
		}
		f := Finding{Kind: OrphanTable, Subject: t.name,
			Msg: fmt.Sprintf("Datastore table %s (created %s) is used by no resource.", t.name, t.created.UTC().Format(time.RFC3339))}
		if opts.Repair {
			var n int64
			if err := g.Model(&resourceRow{}).Where("datastore_table = ?", t.name).Count(&n).Error; err != nil {
				return nil, internal("read resources", err)
			}
			if n > 0 {
				f.Action = "Kept: a resource started using it during the check."
				f.Repaired = true
			} else if err := ds.Drop(ctx, t.name); err != nil {
				return nil, err
			} else {
				f.Repaired, f.Action = true, "Dropped the table."
			}
		}
		rep.Findings = append(rep.Findings, f)
	}

	// (d) Ingestions whose worker stopped answering.
	var stuck []jobRow
	if err := g.Where("state = ? AND lease_until < ?", catalog.IngestRunning, db.now()).Order("created").Find(&stuck).Error; err != nil {
		return nil, internal("read ingestion jobs", err)
	}
	var jobs int64
	if err := g.Model(&jobRow{}).Count(&jobs).Error; err != nil {
		return nil, internal("count ingestion jobs", err)
	}
	rep.Jobs = int(jobs)
	for _, j := range stuck {
		f := Finding{Kind: ExpiredJob, Subject: j.ID,
			Msg: fmt.Sprintf("Ingestion %s of resource %s is marked running, but its worker's lease ran out at %s.", j.ID, j.ResourceID, j.LeaseUntil.UTC().Format(time.RFC3339))}
		if opts.Repair {
			f.Repaired, f.Action, err = requeueExpired(ctx, db, j)
			if err != nil {
				return nil, err
			}
		}
		rep.Findings = append(rep.Findings, f)
	}

	// (e) Temporary files of interrupted uploads and loads.
	temps, err := tempFiles(opts.DataDir, ds)
	if err != nil {
		return nil, err
	}
	for _, p := range temps {
		st, err := os.Stat(p)
		if err != nil {
			continue // removed meanwhile
		}
		if st.ModTime().After(cutoff) {
			rep.Young++
			continue
		}
		f := Finding{Kind: TempFile, Subject: p,
			Msg: fmt.Sprintf("Temporary file %s (%d bytes, %s) was left by an interrupted upload or ingestion.", p, st.Size(), st.ModTime().UTC().Format(time.RFC3339))}
		if opts.Repair {
			if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("remove temporary file: %w", err)
			}
			f.Repaired, f.Action = true, "Removed it."
		}
		rep.Findings = append(rep.Findings, f)
	}
	return rep, nil
}

// deleteOrphanBlob deletes key if it is still unused and old: an upload
// may have stored the same content again (refreshing its date) and
// committed since the catalogue was read.
func deleteOrphanBlob(ctx context.Context, db *DB, blobs catalog.BlobStore, key string, cutoff time.Time) (bool, string, error) {
	_, modified, err := blobs.Stat(ctx, key)
	if catalog.ErrorKind(err) == catalog.KindNotFound {
		return true, "Already gone.", nil
	}
	if err != nil {
		return false, "", err
	}
	if modified.After(cutoff) {
		return true, "Kept: it was stored again during the check.", nil
	}
	g := db.gorm.WithContext(ctx)
	var n, m int64
	if err := g.Model(&resourceRow{}).Where("blob_key = ?", key).Count(&n).Error; err != nil {
		return false, "", internal("read resources", err)
	}
	if err := g.Model(&jobRow{}).Where("blob_key = ? AND state IN ?", key, []string{string(catalog.IngestPending), string(catalog.IngestRunning)}).
		Count(&m).Error; err != nil {
		return false, "", internal("read ingestion jobs", err)
	}
	if n+m > 0 {
		return true, "Kept: a resource started using it during the check.", nil
	}
	if err := blobs.Delete(ctx, key); err != nil {
		return false, "", err
	}
	return true, "Deleted the file.", nil
}

// deactivateDatastore marks r as not in the datastore, through the same
// write as an edit so that search and caches follow.
func deactivateDatastore(ctx context.Context, db *DB, r checkResource) error {
	err := db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		cur, err := findDataset(tx, r.DatasetID)
		if err != nil {
			return err
		}
		d := cloneDataset(cur)
		for i := range d.Resources {
			x := &d.Resources[i]
			if x.ID == r.ID && x.DatastoreTable == r.DatastoreTable {
				x.DatastoreActive, x.DatastoreTable = false, ""
				return writeDataset(tx, d, cur, db.now())
			}
		}
		return nil // changed meanwhile
	})
	return internal("mark resource as not in the datastore", err)
}

// requeueExpired puts an ingestion whose worker died back in the queue,
// or fails it after maxAttempts, as a worker's claim would.
func requeueExpired(ctx context.Context, db *DB, j jobRow) (bool, string, error) {
	now := db.now()
	set := map[string]any{"state": catalog.IngestPending, "worker": "", "lease_until": nil}
	action := "Put it back in the queue: a running server will take it."
	if j.Attempts >= maxAttempts {
		set = map[string]any{
			"state": catalog.IngestError, "finished": now, "worker": "",
			"error":    fmt.Sprintf("The ingestion was interrupted %d times (the server stopped or ran out of memory while reading this file).", j.Attempts),
			"error_fr": fmt.Sprintf("L'intégration a été interrompue %d fois (le serveur s'est arrêté ou a manqué de mémoire en lisant ce fichier).", j.Attempts),
		}
		action = fmt.Sprintf("Marked it failed: it was interrupted %d times.", j.Attempts)
	}
	res := db.gorm.WithContext(ctx).Model(&jobRow{}).
		Where("id = ? AND state = ? AND lease_until < ?", j.ID, catalog.IngestRunning, now).Updates(set)
	if res.Error != nil {
		return false, "", internal("requeue ingestion job", res.Error)
	}
	if res.RowsAffected == 0 {
		return true, "Left alone: a worker took it during the check.", nil
	}
	return true, action, nil
}

// listTables returns the committed tables of ds.
func listTables(ctx context.Context, ds catalog.Datastore) ([]dsEntry, error) {
	switch d := ds.(type) {
	case *sqliteDatastore:
		paths, err := filepath.Glob(filepath.Join(d.dir, "t_*"+sqliteDSExt))
		if err != nil {
			return nil, fmt.Errorf("list datastore tables: %w", err)
		}
		var out []dsEntry
		for _, p := range paths {
			name := strings.TrimSuffix(filepath.Base(p), sqliteDSExt)
			st, err := os.Stat(p)
			if !validTableName(name) || err != nil {
				continue
			}
			out = append(out, dsEntry{name, st.ModTime()})
		}
		return out, nil
	case *pgDatastore:
		rows, err := d.db.QueryContext(ctx, `SELECT name, created FROM `+d.meta+` ORDER BY name`)
		if err != nil {
			return nil, internal("list datastore tables", err)
		}
		defer rows.Close()
		var out []dsEntry
		for rows.Next() {
			var e dsEntry
			if err := rows.Scan(&e.name, &e.created); err != nil {
				return nil, internal("list datastore tables", err)
			}
			out = append(out, e)
		}
		return out, internal("list datastore tables", rows.Err())
	}
	return nil, fmt.Errorf("list datastore tables: unknown datastore %T", ds)
}

// tempFiles returns the temporary files of the data directory and of a
// SQLite datastore (loads under way or interrupted).
func tempFiles(dataDir string, ds catalog.Datastore) ([]string, error) {
	var out []string
	if dataDir != "" {
		entries, err := os.ReadDir(filepath.Join(dataDir, "tmp"))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("list temporary files: %w", err)
		}
		for _, e := range entries {
			if e.Type().IsRegular() {
				out = append(out, filepath.Join(dataDir, "tmp", e.Name()))
			}
		}
	}
	if d, ok := ds.(*sqliteDatastore); ok {
		paths, err := filepath.Glob(filepath.Join(d.dir, "t_*"+sqliteDSTmpExt))
		if err != nil {
			return nil, fmt.Errorf("list temporary files: %w", err)
		}
		out = append(out, paths...)
	}
	return out, nil
}
