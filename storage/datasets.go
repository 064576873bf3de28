package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/passerelle/passerelle/catalog"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// DatasetService implements catalog.DatasetService.
type DatasetService struct {
	db     *DB
	facets *facetCache
}

var _ catalog.DatasetService = (*DatasetService)(nil)

// NewDatasetService returns the dataset store of db.
func NewDatasetService(db *DB) *DatasetService {
	return &DatasetService{db: db, facets: newFacetCache()}
}

// FindDataset implements catalog.DatasetService.
func (s *DatasetService) FindDataset(ctx context.Context, idOrName string) (*catalog.Dataset, error) {
	tx := s.db.gorm.WithContext(ctx)
	d, err := findDataset(tx, idOrName)
	if err != nil {
		return nil, internal("find dataset", err)
	}
	if err := checkRead(catalog.PrincipalFrom(ctx), d); err != nil {
		return nil, err
	}
	return d, nil
}

func checkRead(p *catalog.Principal, d *catalog.Dataset) error {
	if p.CanReadDataset(d) {
		return nil
	}
	if d.State == catalog.StateDeleted {
		return catalog.NotFoundf("Dataset was not found")
	}
	// By id, as CKAN says it: asked by id, a private dataset's name is
	// part of what is refused.
	return p.ErrorNotAuthorized("read dataset " + d.ID)
}

// ListDatasetNames implements catalog.DatasetService.
func (s *DatasetService) ListDatasetNames(ctx context.Context, limit, offset int) ([]string, error) {
	names := []string{}
	err := s.WalkDatasetNames(ctx, limit, offset, func(n string) error {
		names = append(names, n)
		return nil
	})
	return names, err
}

// WalkDatasetNames implements catalog.DatasetService.
func (s *DatasetService) WalkDatasetNames(ctx context.Context, limit, offset int, fn func(string) error) error {
	q := s.db.gorm.WithContext(ctx).Model(&datasetRow{}).Select("name").
		Where("state = ? AND private = ?", catalog.StateActive, false).Order("name")
	if limit >= 0 {
		q = q.Limit(limit)
	}
	if offset > 0 {
		q = q.Offset(offset)
	}
	rows, err := q.Rows()
	if err != nil {
		return internal("list dataset names", err)
	}
	defer rows.Close()
	var name string
	for rows.Next() {
		if err := rows.Scan(&name); err != nil {
			return internal("list dataset names", err)
		}
		if err := fn(name); err != nil {
			return err
		}
	}
	return internal("list dataset names", rows.Err())
}

// ListTags implements catalog.DatasetService.
func (s *DatasetService) ListTags(ctx context.Context, query string) ([]catalog.Tag, error) {
	q := s.db.gorm.WithContext(ctx).Table("tags t").Distinct("t.id", "t.name").
		Joins("JOIN dataset_tags dt ON dt.tag_id = t.id").
		Joins("JOIN datasets d ON d.id = dt.dataset_id").
		Where("d.state = ? AND d.private = ?", catalog.StateActive, false).
		Order("t.name")
	if query != "" {
		q = q.Where("t.name LIKE ? ESCAPE '\\'", "%"+escapeLike(query)+"%")
	}
	var rows []tagRow
	if err := q.Scan(&rows).Error; err != nil {
		return nil, internal("list tags", err)
	}
	tags := make([]catalog.Tag, len(rows))
	for i, r := range rows {
		tags[i] = catalog.Tag{ID: r.ID, Name: r.Name}
	}
	return tags, nil
}

// CreateDataset implements catalog.DatasetService.
func (s *DatasetService) CreateDataset(ctx context.Context, in *catalog.Dataset) (*catalog.Dataset, error) {
	p := catalog.PrincipalFrom(ctx)
	if p == nil {
		return nil, p.ErrorNotAuthorized("create datasets")
	}
	d := cloneDataset(in)
	if d.State == "" {
		d.State = catalog.StateActive
	}
	if d.State == catalog.StateDeleted {
		return nil, catalog.Invalid("state", "A new dataset can be active or draft")
	}
	if d.ID != "" {
		if !p.IsSysadmin() {
			return nil, p.ErrorNotAuthorized("choose a dataset id (sysadmins only)")
		}
		if uuid.Validate(d.ID) != nil {
			return nil, catalog.Invalid("id", "Must be a UUID")
		}
	} else {
		d.ID = uuid.NewString()
	}
	if err := d.Validate(); err != nil {
		return nil, err
	}
	err := s.db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		org, err := resolveOwnerOrg(tx, p, d.OwnerOrg)
		if err != nil {
			return err
		}
		d.OwnerOrg = org.ID
		var n int64
		if err := tx.Model(&datasetRow{}).Where("id = ?", d.ID).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return catalog.Invalid("id", "Dataset id already exists")
		}
		now := s.db.now()
		d.Created = now
		return writeDataset(tx, d, nil, now)
	})
	if err != nil {
		return nil, internal("create dataset", err)
	}
	return s.FindDataset(ctx, d.ID)
}

// UpdateDataset implements catalog.DatasetService.
func (s *DatasetService) UpdateDataset(ctx context.Context, idOrName string, update func(*catalog.Dataset) error) (*catalog.Dataset, error) {
	id, err := s.updateDataset(ctx, idOrName, update)
	if err != nil {
		return nil, err
	}
	return s.FindDataset(ctx, id)
}

func (s *DatasetService) updateDataset(ctx context.Context, idOrName string, update func(*catalog.Dataset) error) (string, error) {
	p := catalog.PrincipalFrom(ctx)
	var id string
	err := s.db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		cur, err := findDataset(tx, idOrName)
		if err != nil {
			return err
		}
		if !p.CanWriteOrg(cur.OwnerOrg) {
			if err := checkRead(p, cur); err != nil {
				return err
			}
			return p.ErrorNotAuthorized("edit dataset " + cur.Name)
		}
		d := cloneDataset(cur)
		if err := update(d); err != nil {
			return err
		}
		d.ID, d.Created = cur.ID, cur.Created
		if err := d.Validate(); err != nil {
			return err
		}
		if d.OwnerOrg != cur.OwnerOrg {
			org, err := resolveOwnerOrg(tx, p, d.OwnerOrg)
			if err != nil {
				return err
			}
			d.OwnerOrg = org.ID
		}
		id = d.ID
		return writeDataset(tx, d, cur, s.db.now())
	})
	return id, internal("update dataset", err)
}

// DeleteDataset implements catalog.DatasetService.
func (s *DatasetService) DeleteDataset(ctx context.Context, idOrName string) error {
	_, err := s.updateDataset(ctx, idOrName, func(d *catalog.Dataset) error {
		d.State = catalog.StateDeleted
		return nil
	})
	return err
}

// FindResource implements catalog.DatasetService.
//
// It reads the resource's row, its latest ingestion and only the dataset
// columns that say who may read it: datastore_search and downloads call
// it on every request, and a whole dataset (tags, extras, every resource,
// organisation) is ten times the work.
func (s *DatasetService) FindResource(ctx context.Context, id string) (*catalog.Resource, error) {
	if id == "" {
		return nil, catalog.Invalid("id", "Missing value")
	}
	tx := s.db.gorm.WithContext(ctx)
	var rr resourceRow
	err := tx.Where("id = ? AND state = ?", id, catalog.StateActive).Take(&rr).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, catalog.NotFoundf("Resource was not found.")
	}
	if err != nil {
		return nil, internal("find resource", err)
	}
	var dr datasetRow
	err = tx.Select("id", "name", "state", "private", "owner_org").Where("id = ?", rr.DatasetID).Take(&dr).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, catalog.NotFoundf("Resource was not found.")
	}
	if err != nil {
		return nil, internal("find resource's dataset", err)
	}
	d := &catalog.Dataset{ID: dr.ID, Name: dr.Name, State: catalog.State(dr.State), Private: dr.Private, OwnerOrg: dr.OwnerOrg}
	if err := checkRead(catalog.PrincipalFrom(ctx), d); err != nil {
		if catalog.ErrorKind(err) == catalog.KindNotFound {
			return nil, catalog.NotFoundf("Resource was not found.")
		}
		return nil, err
	}
	r := rr.toCatalog()
	if rr.IngestJobID != "" {
		var job jobRow
		err := tx.Omit("validation").Where("id = ?", rr.IngestJobID).Take(&job).Error
		if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, internal("find resource's ingestion", err)
		}
		if err == nil {
			r.Ingest = job.toIngest()
		}
	}
	return &r, nil
}

// datasetOfResource returns the readable dataset holding an active resource.
func (s *DatasetService) datasetOfResource(ctx context.Context, id string) (*catalog.Dataset, error) {
	if id == "" {
		return nil, catalog.Invalid("id", "Missing value")
	}
	var ids []string
	if err := s.db.gorm.WithContext(ctx).Model(&resourceRow{}).
		Where("id = ? AND state = ?", id, catalog.StateActive).Limit(1).Pluck("dataset_id", &ids).Error; err != nil {
		return nil, internal("find resource", err)
	}
	if len(ids) == 0 {
		return nil, catalog.NotFoundf("Resource was not found.")
	}
	d, err := s.FindDataset(ctx, ids[0])
	if catalog.ErrorKind(err) == catalog.KindNotFound {
		return nil, catalog.NotFoundf("Resource was not found.")
	}
	return d, err
}

// CreateResource implements catalog.DatasetService.
func (s *DatasetService) CreateResource(ctx context.Context, r *catalog.Resource) (*catalog.Resource, error) {
	if r.DatasetID == "" {
		return nil, catalog.Invalid("package_id", "Missing value")
	}
	nr := *r
	if nr.ID == "" {
		nr.ID = uuid.NewString()
	}
	d, err := s.UpdateDataset(ctx, r.DatasetID, func(d *catalog.Dataset) error {
		nr.DatasetID = d.ID
		d.Resources = append(d.Resources, nr)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return findResourceIn(d, nr.ID)
}

// UpdateResource implements catalog.DatasetService.
func (s *DatasetService) UpdateResource(ctx context.Context, id string, update func(*catalog.Resource) error) (*catalog.Resource, error) {
	d, err := s.datasetOfResource(ctx, id)
	if err != nil {
		return nil, err
	}
	d, err = s.UpdateDataset(ctx, d.ID, func(d *catalog.Dataset) error {
		for i := range d.Resources {
			if d.Resources[i].ID == id {
				if err := update(&d.Resources[i]); err != nil {
					return err
				}
				d.Resources[i].ID, d.Resources[i].DatasetID = id, d.ID
				return nil
			}
		}
		return catalog.NotFoundf("Resource was not found.")
	})
	if err != nil {
		return nil, err
	}
	return findResourceIn(d, id)
}

// DeleteResource implements catalog.DatasetService.
func (s *DatasetService) DeleteResource(ctx context.Context, id string) error {
	d, err := s.datasetOfResource(ctx, id)
	if err != nil {
		return err
	}
	_, err = s.updateDataset(ctx, d.ID, func(d *catalog.Dataset) error {
		kept := d.Resources[:0]
		for _, r := range d.Resources {
			if r.ID != id {
				kept = append(kept, r)
			}
		}
		d.Resources = kept
		return nil
	})
	return err
}

func findResourceIn(d *catalog.Dataset, id string) (*catalog.Resource, error) {
	for i := range d.Resources {
		if d.Resources[i].ID == id {
			return &d.Resources[i], nil
		}
	}
	return nil, internal("find resource", fmt.Errorf("resource %s missing from dataset %s after write", id, d.ID))
}

// resolveOwnerOrg finds the organisation a dataset is written to and checks
// that p may write there.
func resolveOwnerOrg(tx *gorm.DB, p *catalog.Principal, idOrName string) (*catalog.Organization, error) {
	org, err := findOrganization(tx, idOrName)
	if catalog.ErrorKind(err) == catalog.KindNotFound {
		return nil, catalog.Invalid("owner_org", "Organization does not exist")
	}
	if err != nil {
		return nil, err
	}
	if !p.CanWriteOrg(org.ID) {
		return nil, p.ErrorNotAuthorized("add datasets to organization " + org.Name)
	}
	return org, nil
}

// findDataset loads a dataset of any state by id or name; a live dataset wins
// over a deleted one that had the same name.
func findDataset(tx *gorm.DB, idOrName string) (*catalog.Dataset, error) {
	if idOrName == "" {
		return nil, catalog.Invalid("id", "Missing value")
	}
	var rows []datasetRow
	err := tx.Where("id = ? OR name = ?", idOrName, idOrName).
		Order(clause.OrderBy{Expression: clause.Expr{SQL: "CASE WHEN id = ? THEN 0 WHEN state = 'deleted' THEN 2 ELSE 1 END, metadata_modified DESC", Vars: []any{idOrName}}}).
		Limit(1).Find(&rows).Error
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, catalog.NotFoundf("Dataset was not found")
	}
	ds, err := loadDatasets(tx, rows)
	if err != nil {
		return nil, err
	}
	return ds[0], nil
}

// loadDatasets completes rows with their organisation, tags, extras and
// active resources, in a fixed number of queries whatever len(rows).
func loadDatasets(tx *gorm.DB, rows []datasetRow) ([]*catalog.Dataset, error) {
	out := make([]*catalog.Dataset, len(rows))
	if len(rows) == 0 {
		return out, nil
	}
	byID := make(map[string]*catalog.Dataset, len(rows))
	ids := make([]string, len(rows))
	orgIDs := make([]string, 0, len(rows))
	for i := range rows {
		d := rows[i].toCatalog()
		out[i], byID[d.ID], ids[i] = d, d, d.ID
		orgIDs = append(orgIDs, d.OwnerOrg)
	}

	var orgRows []organizationRow
	if err := tx.Where("id IN ?", uniq(orgIDs)).Find(&orgRows).Error; err != nil {
		return nil, fmt.Errorf("load organizations: %w", err)
	}
	orgs := make(map[string]*catalog.Organization, len(orgRows))
	for i := range orgRows {
		orgs[orgRows[i].ID] = orgRows[i].toCatalog()
	}
	for _, d := range out {
		if o, ok := orgs[d.OwnerOrg]; ok {
			c := *o
			d.Organization = &c
		}
	}

	var tags []struct {
		DatasetID, ID, Name string
	}
	if err := tx.Table("dataset_tags dt").Select("dt.dataset_id, t.id, t.name").
		Joins("JOIN tags t ON t.id = dt.tag_id").Where("dt.dataset_id IN ?", ids).
		Order("t.name").Scan(&tags).Error; err != nil {
		return nil, fmt.Errorf("load tags: %w", err)
	}
	for _, t := range tags {
		d := byID[t.DatasetID]
		d.Tags = append(d.Tags, catalog.Tag{ID: t.ID, Name: t.Name})
	}

	var extras []datasetExtraRow
	if err := tx.Where("dataset_id IN ?", ids).Order("key").Find(&extras).Error; err != nil {
		return nil, fmt.Errorf("load extras: %w", err)
	}
	for _, e := range extras {
		d := byID[e.DatasetID]
		d.Extras = append(d.Extras, catalog.Extra{Key: e.Key, Value: e.Value})
	}

	var res []resourceRow
	if err := tx.Where("dataset_id IN ? AND state = ?", ids, catalog.StateActive).
		Order("position").Find(&res).Error; err != nil {
		return nil, fmt.Errorf("load resources: %w", err)
	}
	var jobIDs []string
	for i := range res {
		d := byID[res[i].DatasetID]
		d.Resources = append(d.Resources, res[i].toCatalog())
		if res[i].IngestJobID != "" {
			jobIDs = append(jobIDs, res[i].IngestJobID)
		}
	}
	if len(jobIDs) > 0 {
		var jobs []jobRow
		// Not the whole validation report: resources carry its summary.
		if err := tx.Omit("validation").Where("id IN ?", jobIDs).Find(&jobs).Error; err != nil {
			return nil, fmt.Errorf("load ingest jobs: %w", err)
		}
		byJob := make(map[string]*catalog.Ingest, len(jobs))
		for i := range jobs {
			byJob[jobs[i].ID] = jobs[i].toIngest()
		}
		for _, d := range out {
			for i := range d.Resources {
				if in := d.Resources[i].Ingest; in != nil && byJob[in.JobID] != nil {
					d.Resources[i].Ingest = byJob[in.JobID]
				}
			}
		}
	}
	return out, nil
}

// writeDataset stores d, whose previous version is cur (nil on creation):
// the dataset row, its tags and extras replaced, its resources synchronised
// by id. metadata_modified becomes now.
func writeDataset(tx *gorm.DB, d, cur *catalog.Dataset, now time.Time) error {
	d.Modified = now
	if err := bumpVersion(tx); err != nil {
		return err
	}
	if cur == nil || d.Name != cur.Name || d.State == catalog.StateDeleted != (cur.State == catalog.StateDeleted) {
		if d.State != catalog.StateDeleted {
			var n int64
			if err := tx.Model(&datasetRow{}).Where("name = ? AND state <> ? AND id <> ?", d.Name, catalog.StateDeleted, d.ID).Count(&n).Error; err != nil {
				return err
			}
			if n > 0 {
				return catalog.Invalid("name", msgDatasetNameTaken)
			}
		}
	}
	row := datasetToRow(d)
	if cur == nil {
		if err := tx.Create(&row).Error; err != nil {
			return duplicateAs(err, "name", msgDatasetNameTaken)
		}
	} else {
		if err := tx.Model(&datasetRow{ID: d.ID}).Select("*").Omit("id", "metadata_created").Updates(&row).Error; err != nil {
			return duplicateAs(err, "name", msgDatasetNameTaken)
		}
		if err := tx.Where("dataset_id = ?", d.ID).Delete(&datasetTagRow{}).Error; err != nil {
			return err
		}
		if err := tx.Where("dataset_id = ?", d.ID).Delete(&datasetExtraRow{}).Error; err != nil {
			return err
		}
	}
	if err := syncResources(tx, d, cur, now); err != nil {
		return err
	}
	if err := writeTags(tx, d); err != nil {
		return fmt.Errorf("write tags: %w", err)
	}
	if err := indexDataset(tx, dialect(tx), d); err != nil {
		return fmt.Errorf("index dataset: %w", err)
	}
	if err := adjustFacetCounts(tx, cur, d); err != nil {
		return fmt.Errorf("count facets: %w", err)
	}
	if len(d.Extras) > 0 {
		rows := make([]datasetExtraRow, len(d.Extras))
		for i, e := range d.Extras {
			rows[i] = datasetExtraRow{DatasetID: d.ID, Key: e.Key, Value: e.Value}
		}
		if err := tx.Create(&rows).Error; err != nil {
			return fmt.Errorf("write extras: %w", err)
		}
	}
	return nil
}

// writeTags links d to its tags, creating the ones that do not exist yet.
func writeTags(tx *gorm.DB, d *catalog.Dataset) error {
	if len(d.Tags) == 0 {
		return nil
	}
	names := make([]string, len(d.Tags))
	for i, t := range d.Tags {
		names[i] = t.Name
	}
	fresh := make([]tagRow, len(names))
	for i, n := range names {
		fresh[i] = tagRow{ID: uuid.NewString(), Name: n}
	}
	// Another transaction may create the same tag concurrently: let the
	// unique index decide, then read back whichever row won.
	if err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "name"}}, DoNothing: true}).Create(&fresh).Error; err != nil {
		return err
	}
	var rows []tagRow
	if err := tx.Where("name IN ?", names).Find(&rows).Error; err != nil {
		return err
	}
	links := make([]datasetTagRow, len(rows))
	for i, r := range rows {
		links[i] = datasetTagRow{DatasetID: d.ID, TagID: r.ID}
	}
	return tx.Create(&links).Error
}

// syncResources writes d.Resources in list order: known ids are updated
// (metadata_modified moves only when something changed), new ones created,
// and resources of cur missing from the list are marked deleted.
func syncResources(tx *gorm.DB, d, cur *catalog.Dataset, now time.Time) error {
	old := map[string]*catalog.Resource{}
	if cur != nil {
		for i := range cur.Resources {
			old[cur.Resources[i].ID] = &cur.Resources[i]
		}
	}
	seen := map[string]bool{}
	for i := range d.Resources {
		r := &d.Resources[i]
		r.Position, r.DatasetID, r.State = i, d.ID, catalog.StateActive
		if r.ID == "" {
			r.ID = uuid.NewString()
		}
		if seen[r.ID] {
			return catalog.Invalid(fmt.Sprintf("resources[%d].id", i), "Resource id given twice")
		}
		seen[r.ID] = true
		prev, known := old[r.ID]
		if known && r.Schema != prev.Schema {
			// The file is checked against the schema it now declares: it
			// is ingested again, unless a new one comes with the write.
			r.Validation = nil
			if r.Upload == nil && r.Schema != "" && prev.URLType == "upload" && prev.BlobKey != "" {
				r.Upload = &catalog.Upload{BlobKey: prev.BlobKey, Filename: prev.URL, Hash: prev.Hash, Mimetype: prev.Mimetype}
				if prev.Size != nil {
					r.Upload.Size = *prev.Size
				}
			}
		}
		if r.Upload != nil {
			if err := queueIngest(tx, d.ID, r, prev, now); err != nil {
				return err
			}
		}
		if known {
			r.Created = prev.Created
			row := resourceToRow(r)
			if row.sameAs(resourceToRow(prev)) {
				r.MetadataModified = prev.MetadataModified
				continue
			}
			r.MetadataModified = now
			row.MetadataModified = now
			if err := tx.Model(&resourceRow{ID: r.ID}).Select("*").Omit("id", "created").Updates(&row).Error; err != nil {
				return fmt.Errorf("update resource: %w", err)
			}
			continue
		}
		if uuid.Validate(r.ID) != nil {
			return catalog.Invalid(fmt.Sprintf("resources[%d].id", i), "Must be a UUID")
		}
		var n int64
		if err := tx.Model(&resourceRow{}).Where("id = ?", r.ID).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return catalog.Invalid(fmt.Sprintf("resources[%d].id", i), "Resource id belongs to another dataset")
		}
		if r.Created.IsZero() {
			r.Created = now
		}
		r.MetadataModified = now
		row := resourceToRow(r)
		if err := tx.Create(&row).Error; err != nil {
			return fmt.Errorf("create resource: %w", err)
		}
	}
	var gone []string
	for id := range old {
		if !seen[id] {
			gone = append(gone, id)
		}
	}
	if len(gone) > 0 {
		err := tx.Model(&resourceRow{}).Where("id IN ?", gone).
			Updates(map[string]any{"state": catalog.StateDeleted, "metadata_modified": now}).Error
		if err != nil {
			return fmt.Errorf("delete resources: %w", err)
		}
	}
	return nil
}

func resourceToRow(r *catalog.Resource) resourceRow {
	extras := "{}"
	if len(r.Extras) > 0 {
		b, _ := json.Marshal(r.Extras) // values came from JSON: they encode
		extras = string(b)
	}
	var lm *time.Time
	if r.LastModified != nil {
		t := r.LastModified.UTC().Truncate(time.Microsecond)
		lm = &t
	}
	jobID := ""
	if r.Ingest != nil {
		jobID = r.Ingest.JobID
	}
	validation := ""
	if r.Validation != nil {
		b, _ := json.Marshal(r.Validation) // plain values: it encodes
		validation = string(b)
	}
	return resourceRow{
		SchemaRef: r.Schema, Validation: validation,
		BlobKey: r.BlobKey, DatastoreTable: r.DatastoreTable, DerivedFrom: r.DerivedFrom, IngestJobID: jobID,
		ID: r.ID, DatasetID: r.DatasetID, Position: r.Position, Name: r.Name,
		Description: r.Description, URL: r.URL, URLType: r.URLType, Format: r.Format,
		Mimetype: r.Mimetype, Size: r.Size, Hash: r.Hash, ResourceType: r.ResourceType,
		State: string(r.State), DatastoreActive: r.DatastoreActive, Extras: extras,
		Created: r.Created.UTC().Truncate(time.Microsecond), LastModified: lm,
		MetadataModified: r.MetadataModified,
	}
}

// sameAs reports whether two versions of a resource differ in nothing a
// client sees, timestamps of the write aside.
func (a resourceRow) sameAs(b resourceRow) bool {
	eqSize := (a.Size == nil) == (b.Size == nil) && (a.Size == nil || *a.Size == *b.Size)
	eqLM := (a.LastModified == nil) == (b.LastModified == nil) && (a.LastModified == nil || a.LastModified.Equal(*b.LastModified))
	a.Size, b.Size, a.LastModified, b.LastModified = nil, nil, nil, nil
	a.MetadataModified, b.MetadataModified = time.Time{}, time.Time{}
	a.Created, b.Created = time.Time{}, time.Time{}
	return eqSize && eqLM && a == b
}

func datasetToRow(d *catalog.Dataset) datasetRow {
	themes, _ := json.Marshal(d.Themes) // a []string always encodes
	if d.Themes == nil {
		themes = []byte("[]")
	}
	return datasetRow{
		ID: d.ID, Name: d.Name, Title: d.Title, Notes: d.Notes, URL: d.URL,
		Version: d.Version, Author: d.Author, AuthorEmail: d.AuthorEmail,
		Maintainer: d.Maintainer, MaintainerEmail: d.MaintainerEmail,
		LicenseID: d.LicenseID, OwnerOrg: d.OwnerOrg, Private: d.Private,
		State: string(d.State), Type: catalog.DatasetType, Frequency: d.Frequency,
		TemporalStart: d.TemporalStart, TemporalEnd: d.TemporalEnd,
		SpatialURI: d.SpatialURI, Spatial: d.Spatial, Themes: string(themes),
		ContactName: d.ContactName, ContactEmail: d.ContactEmail,
		NumResources: len(d.Resources), NumTags: len(d.Tags),
		SearchTitle:     foldText(d.Title),
		MetadataCreated: d.Created, MetadataModified: d.Modified,
	}
}

func cloneDataset(d *catalog.Dataset) *catalog.Dataset {
	c := *d
	c.Tags = append([]catalog.Tag(nil), d.Tags...)
	c.Extras = append([]catalog.Extra(nil), d.Extras...)
	c.Themes = append([]string(nil), d.Themes...)
	c.Resources = make([]catalog.Resource, len(d.Resources))
	copy(c.Resources, d.Resources)
	if d.Organization != nil {
		o := *d.Organization
		c.Organization = &o
	}
	return &c
}

func uniq(s []string) []string {
	seen := make(map[string]bool, len(s))
	out := s[:0:0]
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return out
}

// escapeLike escapes LIKE's wildcards (with backslash as ESCAPE character).
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
