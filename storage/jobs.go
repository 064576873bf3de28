package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/passerelle/passerelle/catalog"
)

// maxAttempts is how many times a job is started before an interrupted
// one is failed rather than retried: a file that kills its worker must not
// kill every worker in turn.
const maxAttempts = 3

// queueIngest records the ingestion of r.Upload with the write of r. A new
// resource gets the file at once; an existing one keeps its current file
// until the ingestion succeeds.
func queueIngest(tx *gorm.DB, datasetID string, r, prev *catalog.Resource, now time.Time) error {
	up := *r.Upload
	r.Upload = nil
	if prev != nil {
		r.URL, r.URLType, r.BlobKey = prev.URL, prev.URLType, prev.BlobKey
		r.Size, r.Hash, r.Mimetype, r.LastModified = prev.Size, prev.Hash, prev.Mimetype, prev.LastModified
		r.DatastoreTable, r.DatastoreActive = prev.DatastoreTable, prev.DatastoreActive
	} else {
		attachUpload(r, up, now)
	}
	job := jobRow{
		ID: uuid.NewString(), DatasetID: datasetID, ResourceID: r.ID,
		BlobKey: up.BlobKey, Filename: up.Filename, Size: up.Size, Hash: up.Hash, Mimetype: up.Mimetype,
		ReplaceFile: prev != nil, SchemaRef: r.Schema, State: string(catalog.IngestPending), Created: now,
	}
	if err := tx.Create(&job).Error; err != nil {
		return fmt.Errorf("queue ingestion: %w", err)
	}
	r.Ingest = &catalog.Ingest{JobID: job.ID, State: catalog.IngestPending, Created: now}
	return nil
}

// attachUpload makes up the file of r.
func attachUpload(r *catalog.Resource, up catalog.Upload, now time.Time) {
	size := up.Size
	r.URL, r.URLType, r.BlobKey = up.Filename, "upload", up.BlobKey
	r.Size, r.Hash, r.LastModified = &size, up.Hash, &now
	if up.Mimetype != "" {
		r.Mimetype = up.Mimetype
	}
}

// JobQueue implements catalog.JobQueue in the catalogue database.
type JobQueue struct{ db *DB }

var _ catalog.JobQueue = (*JobQueue)(nil)

// NewJobQueue returns the ingestion queue of db.
func NewJobQueue(db *DB) *JobQueue { return &JobQueue{db: db} }

// Claim implements catalog.JobQueue.
func (q *JobQueue) Claim(ctx context.Context, worker string, lease time.Duration) (*catalog.Job, error) {
	return q.claim(ctx, "", worker, lease)
}

// ClaimJob implements catalog.JobQueue.
func (q *JobQueue) ClaimJob(ctx context.Context, id, worker string, lease time.Duration) (*catalog.Job, error) {
	if id == "" {
		return nil, catalog.Invalid("id", "Missing value")
	}
	return q.claim(ctx, id, worker, lease)
}

func (q *JobQueue) claim(ctx context.Context, id, worker string, lease time.Duration) (*catalog.Job, error) {
	var claimed *catalog.Job
	err := q.db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for {
			now := q.db.now()
			sel := tx.Model(&jobRow{}).
				Where("state = ? OR (state = ? AND lease_until < ?)", catalog.IngestPending, catalog.IngestRunning, now).
				Order("created").Limit(1)
			if id != "" {
				sel = sel.Where("id = ?", id)
			}
			if q.db.dialect == Postgres {
				// Several instances claim at once: each skips the rows
				// another is taking.
				sel = sel.Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"})
			}
			var rows []jobRow
			if err := sel.Find(&rows).Error; err != nil {
				return err
			}
			if len(rows) == 0 {
				return catalog.NotFoundf("no ingestion job waiting")
			}
			j := rows[0]
			if j.State == string(catalog.IngestRunning) && j.Attempts >= maxAttempts {
				// Its worker died maxAttempts times: give up on it.
				err := tx.Model(&jobRow{}).Where("id = ?", j.ID).Updates(map[string]any{
					"state": catalog.IngestError, "finished": now, "worker": "",
					"error":    fmt.Sprintf("The ingestion was interrupted %d times (the server stopped or ran out of memory while reading this file).", j.Attempts),
					"error_fr": fmt.Sprintf("L'intégration a été interrompue %d fois (le serveur s'est arrêté ou a manqué de mémoire en lisant ce fichier).", j.Attempts),
				}).Error
				if err != nil {
					return err
				}
				continue
			}
			until := now.Add(lease)
			err := tx.Model(&jobRow{}).Where("id = ?", j.ID).Updates(map[string]any{
				"state": catalog.IngestRunning, "worker": worker, "lease_until": until,
				"attempts": j.Attempts + 1, "started": now, "progress": 0, "row_count": 0,
			}).Error
			if err != nil {
				return err
			}
			j.Attempts++
			j.State = string(catalog.IngestRunning)
			claimed = j.toJob()
			return nil
		}
	})
	if err != nil {
		return nil, internal("claim ingestion job", err)
	}
	return claimed, nil
}

// Heartbeat implements catalog.JobQueue.
func (q *JobQueue) Heartbeat(ctx context.Context, id, worker string, lease time.Duration, progress float64, rows int64) error {
	now := q.db.now()
	res := q.db.gorm.WithContext(ctx).Model(&jobRow{}).
		Where("id = ? AND worker = ? AND state = ?", id, worker, catalog.IngestRunning).
		Updates(map[string]any{"lease_until": now.Add(lease), "progress": progress, "row_count": rows})
	if res.Error != nil {
		return internal("renew ingestion lease", res.Error)
	}
	if res.RowsAffected == 0 {
		return catalog.Forbiddenf("worker %s no longer holds ingestion job %s", worker, id)
	}
	return nil
}

// Fail implements catalog.JobQueue.
func (q *JobQueue) Fail(ctx context.Context, id, worker, msg, msgFR string) error {
	return q.finish(ctx, id, worker, map[string]any{
		"state": catalog.IngestError, "error": msg, "error_fr": msgFR,
	})
}

// Retry implements catalog.JobQueue.
func (q *JobQueue) Retry(ctx context.Context, id, worker string) error {
	res := q.db.gorm.WithContext(ctx).Model(&jobRow{}).
		Where("id = ? AND worker = ? AND state = ? AND attempts < ?", id, worker, catalog.IngestRunning, maxAttempts).
		Updates(map[string]any{"state": catalog.IngestPending, "worker": "", "lease_until": nil})
	if res.Error != nil {
		return internal("retry ingestion job", res.Error)
	}
	if res.RowsAffected == 0 {
		return q.Fail(ctx, id, worker, "The ingestion failed several times; see the server logs.", "L'intégration a échoué plusieurs fois ; voir les journaux du serveur.")
	}
	return nil
}

func (q *JobQueue) finish(ctx context.Context, id, worker string, set map[string]any) error {
	set["finished"] = q.db.now()
	set["worker"] = ""
	res := q.db.gorm.WithContext(ctx).Model(&jobRow{}).
		Where("id = ? AND worker = ? AND state = ?", id, worker, catalog.IngestRunning).Updates(set)
	if res.Error != nil {
		return internal("finish ingestion job", res.Error)
	}
	if res.RowsAffected == 0 {
		return catalog.Forbiddenf("worker %s no longer holds ingestion job %s", worker, id)
	}
	return nil
}

// FindJob implements catalog.JobQueue.
func (q *JobQueue) FindJob(ctx context.Context, id string) (*catalog.Ingest, error) {
	var row jobRow
	err := q.db.gorm.WithContext(ctx).Where("id = ?", id).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, catalog.NotFoundf("Ingestion job was not found")
	}
	if err != nil {
		return nil, internal("find ingestion job", err)
	}
	return row.toIngest(), nil
}

// FindValidation implements catalog.ValidationStore.
func (q *JobQueue) FindValidation(ctx context.Context, jobID string) (*catalog.Validation, error) {
	var row jobRow
	err := q.db.gorm.WithContext(ctx).Select("id", "validation").Where("id = ?", jobID).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && row.Validation == "") {
		return nil, catalog.NotFoundf("Validation report was not found")
	}
	if err != nil {
		return nil, internal("find validation report", err)
	}
	var v catalog.Validation
	if err := json.Unmarshal([]byte(row.Validation), &v); err != nil {
		return nil, internal("read validation report", err)
	}
	return &v, nil
}

// UploadTimes implements catalog.UploadHistory: the first successful
// ingestion of each file version (resource and hash).
func (q *JobQueue) UploadTimes(ctx context.Context, datasetID string) ([]time.Time, error) {
	var rows []jobRow
	err := q.db.gorm.WithContext(ctx).Select("resource_id", "hash", "created").
		Where("dataset_id = ? AND state IN ?", datasetID, []string{string(catalog.IngestComplete), string(catalog.IngestSkipped)}).
		Order("created").Find(&rows).Error
	if err != nil {
		return nil, internal("read upload history", err)
	}
	seen := map[[2]string]bool{}
	var times []time.Time
	for _, r := range rows {
		if k := [2]string{r.ResourceID, r.Hash}; !seen[k] {
			seen[k] = true
			times = append(times, r.Created)
		}
	}
	return times, nil
}

// Complete implements catalog.JobQueue.
func (q *JobQueue) Complete(ctx context.Context, id, worker string, res catalog.IngestResult) ([]string, error) {
	var unused []string
	err := q.db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var job jobRow
		err := tx.Where("id = ? AND worker = ? AND state = ?", id, worker, catalog.IngestRunning).Take(&job).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return catalog.Forbiddenf("worker %s no longer holds ingestion job %s", worker, id)
		}
		if err != nil {
			return err
		}
		now := q.db.now()
		if res.Validation != nil {
			v := *res.Validation
			v.JobID, v.Created = id, now
			res.Validation = &v
		}
		state := catalog.IngestComplete
		if res.Skipped != "" {
			state = catalog.IngestSkipped
		}
		cur, err := findDataset(tx, job.DatasetID)
		switch {
		case catalog.ErrorKind(err) == catalog.KindNotFound:
			cur = nil // the dataset is gone: nothing to publish
		case err != nil:
			return err
		}
		var r *catalog.Resource
		if cur != nil && cur.State != catalog.StateDeleted {
			for i := range cur.Resources {
				if cur.Resources[i].ID == job.ResourceID {
					r = &cur.Resources[i]
				}
			}
		}
		if r == nil || r.Ingest == nil || r.Ingest.JobID != id {
			// The resource was deleted, or a newer upload superseded this
			// one: keep nothing of this run.
			for _, t := range res.Tables {
				unused = append(unused, t.Table)
			}
		} else {
			d := cloneDataset(cur)
			unused = applyIngest(d, job, res, now)
			if err := writeDataset(tx, d, cur, now); err != nil {
				return err
			}
		}
		report, err := json.Marshal(res.Report)
		if err != nil {
			return err
		}
		validation := ""
		if res.Validation != nil {
			b, err := json.Marshal(res.Validation)
			if err != nil {
				return err
			}
			validation = string(b)
		}
		var rows int64
		for _, t := range res.Tables {
			rows += t.Rows
		}
		return tx.Model(&jobRow{}).Where("id = ?", id).Updates(map[string]any{
			"state": state, "progress": 1, "row_count": rows, "report": string(report), "validation": validation,
			"error": res.Skipped, "error_fr": res.SkippedFR, "finished": now, "worker": "",
		}).Error
	})
	if err != nil {
		return nil, internal("complete ingestion job", err)
	}
	return unused, nil
}

// applyIngest changes d as a successful ingestion of job asks: the
// uploaded resource gets its new file and the first table; each table gets
// a derived resource holding its normalised CSV and its rows. It returns
// the datastore tables that no resource uses any more.
func applyIngest(d *catalog.Dataset, job jobRow, res catalog.IngestResult, now time.Time) []string {
	idx := slices.IndexFunc(d.Resources, func(r catalog.Resource) bool { return r.ID == job.ResourceID })
	r := &d.Resources[idx]
	before := map[string]bool{}
	for _, x := range d.Resources {
		if x.DatastoreTable != "" && (x.ID == r.ID || x.DerivedFrom == r.ID) {
			before[x.DatastoreTable] = true
		}
	}
	if job.ReplaceFile && job.BlobKey != r.BlobKey { // the same file, checked again, keeps its date
		attachUpload(r, job.toJob().Upload, now)
	}
	if res.Format != "" {
		r.Format = res.Format
	}
	if res.Mimetype != "" {
		r.Mimetype = res.Mimetype
	}
	// The check holds for the file now published, against the schema the
	// job was given (a change of schema since queued a newer job).
	r.Validation = nil
	if res.Validation != nil && res.Validation.Schema.Ref == r.Schema {
		r.Validation = res.Validation.Summary()
	}
	r.DatastoreTable, r.DatastoreActive = "", false
	if len(res.Tables) > 0 {
		r.DatastoreTable, r.DatastoreActive = res.Tables[0].Table, true
	}
	// Derived resources are matched to tables by their order.
	var derived []int
	for i := range d.Resources {
		if d.Resources[i].DerivedFrom == r.ID {
			derived = append(derived, i)
		}
	}
	base := r.Name
	if base == "" {
		base = job.Filename
	}
	for i, t := range res.Tables {
		name := base
		if t.Name != "" && len(res.Tables) > 1 {
			name += " — " + t.Name
		}
		name += " (CSV normalisé)"
		var n *catalog.Resource
		if i < len(derived) {
			n = &d.Resources[derived[i]]
		} else {
			d.Resources = append(d.Resources, catalog.Resource{ID: uuid.NewString(), DerivedFrom: job.ResourceID})
			n = &d.Resources[len(d.Resources)-1]
			r = &d.Resources[idx] // the append may have moved it
		}
		n.Name, n.Format, n.ResourceType = name, "CSV", "file"
		n.Description = fmt.Sprintf("Normalised copy of %s: UTF-8, comma-separated, ISO dates, dot decimals. Copie normalisée : UTF-8, virgules, dates ISO, décimales à point.", job.Filename)
		attachUpload(n, t.Normalized, now)
		n.Mimetype = "text/csv"
		n.DatastoreTable, n.DatastoreActive = t.Table, true
		if i < len(res.Report.Tables) { // the report the job stores names the resources
			res.Report.Tables[i].ResourceID = n.ID
			if i == 0 {
				res.Report.Tables[i].ResourceID = r.ID
			}
			res.Report.Tables[i].NormalizedID = n.ID
		}
	}
	if len(derived) > len(res.Tables) {
		drop := map[string]bool{}
		for _, i := range derived[len(res.Tables):] {
			drop[d.Resources[i].ID] = true
		}
		d.Resources = slices.DeleteFunc(d.Resources, func(x catalog.Resource) bool { return drop[x.ID] })
	}
	after := map[string]bool{}
	for _, x := range d.Resources {
		after[x.DatastoreTable] = true
	}
	var unused []string
	for t := range before {
		if !after[t] {
			unused = append(unused, t)
		}
	}
	slices.Sort(unused)
	return unused
}
