package storage

import (
	"encoding/json"
	"time"

	"github.com/passerelle/passerelle/catalog"
)

// Row structs mirror the tables of the latest migration. They never leave
// this package.

type organizationRow struct {
	ID          string `gorm:"primaryKey"`
	Name        string
	Title       string
	Description string
	ImageURL    string `gorm:"column:image_url"`
	SIREN       string `gorm:"column:siren"`
	Email       string
	State       string
	Created     time.Time
	Modified    time.Time
}

func (organizationRow) TableName() string { return "organizations" }

type organizationExtraRow struct {
	OrganizationID string `gorm:"primaryKey"`
	Key            string `gorm:"primaryKey"`
	Value          string
}

func (organizationExtraRow) TableName() string { return "organization_extras" }

type datasetRow struct {
	ID               string `gorm:"primaryKey"`
	Name             string
	Title            string
	Notes            string
	URL              string `gorm:"column:url"`
	Version          string
	Author           string
	AuthorEmail      string
	Maintainer       string
	MaintainerEmail  string
	LicenseID        string `gorm:"column:license_id"`
	OwnerOrg         string
	Private          bool
	State            string
	Type             string
	Frequency        string
	TemporalStart    string
	TemporalEnd      string
	SpatialURI       string `gorm:"column:spatial_uri"`
	Spatial          string
	Themes           string // JSON list of URIs
	ContactName      string
	ContactEmail     string
	NumResources     int
	NumTags          int
	SearchTitle      string // folded title, for sort=title_string
	MetadataCreated  time.Time
	MetadataModified time.Time
}

func (datasetRow) TableName() string { return "datasets" }

type tagRow struct {
	ID   string `gorm:"primaryKey"`
	Name string
}

func (tagRow) TableName() string { return "tags" }

type datasetTagRow struct {
	DatasetID string `gorm:"primaryKey"`
	TagID     string `gorm:"primaryKey"`
}

func (datasetTagRow) TableName() string { return "dataset_tags" }

type datasetExtraRow struct {
	DatasetID string `gorm:"primaryKey"`
	Key       string `gorm:"primaryKey"`
	Value     string
}

func (datasetExtraRow) TableName() string { return "dataset_extras" }

type resourceRow struct {
	ID               string `gorm:"primaryKey"`
	DatasetID        string
	Position         int
	Name             string
	Description      string
	URL              string `gorm:"column:url"`
	URLType          string `gorm:"column:url_type"`
	Format           string
	Mimetype         string
	Size             *int64
	Hash             string
	ResourceType     string
	State            string
	DatastoreActive  bool
	Extras           string // JSON object
	Created          time.Time
	LastModified     *time.Time
	MetadataModified time.Time
	BlobKey          string
	DatastoreTable   string
	DerivedFrom      string
	IngestJobID      string `gorm:"column:ingest_job_id"`
	SchemaRef        string // the declared Table Schema
	Validation       string // JSON of the catalog.Validation summary
}

func (resourceRow) TableName() string { return "resources" }

type jobRow struct {
	ID          string `gorm:"primaryKey"`
	DatasetID   string
	ResourceID  string
	BlobKey     string
	Filename    string
	Size        int64
	Hash        string
	Mimetype    string
	ReplaceFile bool
	State       string
	Attempts    int
	Worker      string
	LeaseUntil  *time.Time
	Progress    float64
	RowCount    int64
	Error       string
	ErrorFR     string `gorm:"column:error_fr"`
	Report      string // JSON of catalog.IngestReport
	SchemaRef   string
	Validation  string // JSON of the whole catalog.Validation
	Created     time.Time
	Started     *time.Time
	Finished    *time.Time
}

func (jobRow) TableName() string { return "ingest_jobs" }

type tokenRow struct {
	ID             string `gorm:"primaryKey"`
	Name           string
	Hash           string
	Sysadmin       bool
	OrganizationID *string
	Created        time.Time
	LastUsed       *time.Time
}

func (tokenRow) TableName() string { return "api_tokens" }

func (r *organizationRow) toCatalog() *catalog.Organization {
	return &catalog.Organization{
		ID: r.ID, Name: r.Name, Title: r.Title, Description: r.Description,
		ImageURL: r.ImageURL, SIREN: r.SIREN, Email: r.Email,
		State: catalog.State(r.State), Created: r.Created.UTC(),
	}
}

func (r *resourceRow) toCatalog() catalog.Resource {
	res := catalog.Resource{
		ID: r.ID, DatasetID: r.DatasetID, Position: r.Position, Name: r.Name,
		Description: r.Description, URL: r.URL, URLType: r.URLType, Format: r.Format,
		Mimetype: r.Mimetype, Size: r.Size, Hash: r.Hash, ResourceType: r.ResourceType,
		State: catalog.State(r.State), DatastoreActive: r.DatastoreActive,
		Created: r.Created.UTC(), MetadataModified: r.MetadataModified.UTC(),
		BlobKey: r.BlobKey, DatastoreTable: r.DatastoreTable, DerivedFrom: r.DerivedFrom,
	}
	if r.IngestJobID != "" {
		res.Ingest = &catalog.Ingest{JobID: r.IngestJobID}
	}
	res.Schema = r.SchemaRef
	if r.Validation != "" {
		var v catalog.Validation
		if json.Unmarshal([]byte(r.Validation), &v) == nil { // written by this package
			res.Validation = &v
		}
	}
	if r.LastModified != nil {
		t := r.LastModified.UTC()
		res.LastModified = &t
	}
	if r.Extras != "" && r.Extras != "{}" {
		// Extras are written by this package from a map; a decoding
		// failure would mean a corrupted row, and losing its extras is
		// better than failing every read of the dataset.
		_ = json.Unmarshal([]byte(r.Extras), &res.Extras)
	}
	return res
}

func (r *datasetRow) toCatalog() *catalog.Dataset {
	d := &catalog.Dataset{
		ID: r.ID, Name: r.Name, Title: r.Title, Notes: r.Notes, URL: r.URL,
		Version: r.Version, Author: r.Author, AuthorEmail: r.AuthorEmail,
		Maintainer: r.Maintainer, MaintainerEmail: r.MaintainerEmail,
		LicenseID: r.LicenseID, OwnerOrg: r.OwnerOrg, Private: r.Private,
		State: catalog.State(r.State), Frequency: r.Frequency,
		TemporalStart: r.TemporalStart, TemporalEnd: r.TemporalEnd,
		SpatialURI: r.SpatialURI, Spatial: r.Spatial,
		ContactName: r.ContactName, ContactEmail: r.ContactEmail,
		Created: r.MetadataCreated.UTC(), Modified: r.MetadataModified.UTC(),
	}
	_ = json.Unmarshal([]byte(r.Themes), &d.Themes) // see resourceRow.toCatalog
	return d
}

func (r *jobRow) toJob() *catalog.Job {
	return &catalog.Job{
		ID: r.ID, DatasetID: r.DatasetID, ResourceID: r.ResourceID,
		Upload: catalog.Upload{
			BlobKey: r.BlobKey, Filename: r.Filename, Size: r.Size, Hash: r.Hash, Mimetype: r.Mimetype,
		},
		Replace: r.ReplaceFile, Schema: r.SchemaRef, State: catalog.IngestState(r.State), Attempts: r.Attempts,
		Created: r.Created.UTC(),
	}
}

func (r *jobRow) toIngest() *catalog.Ingest {
	in := &catalog.Ingest{
		JobID: r.ID, State: catalog.IngestState(r.State), Progress: r.Progress, Rows: r.RowCount,
		Error: r.Error, ErrorFR: r.ErrorFR, Created: r.Created.UTC(),
		Started: utcPtr(r.Started), Finished: utcPtr(r.Finished),
	}
	if r.Report != "" {
		var rep catalog.IngestReport
		if json.Unmarshal([]byte(r.Report), &rep) == nil { // written by this package
			in.Report = &rep
		}
	}
	return in
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
