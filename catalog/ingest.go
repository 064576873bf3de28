package catalog

import (
	"context"
	"time"
)

// Upload is a file received for a resource, already stored in the blob
// store under BlobKey.
type Upload struct {
	BlobKey  string
	Filename string // the name the agent gave it, for display and download
	Size     int64
	Hash     string // SHA-256, hex
	Mimetype string
}

// IngestState is where a resource's latest ingestion stands.
type IngestState string

// Ingestion states. "skipped" is a file that is not a table (a PDF, an
// image): it is published as it is.
const (
	IngestPending  IngestState = "pending"
	IngestRunning  IngestState = "running"
	IngestComplete IngestState = "complete"
	IngestError    IngestState = "error"
	IngestSkipped  IngestState = "skipped"
)

// Ingest is the state of a resource's latest ingestion, as resource dicts
// show it.
type Ingest struct {
	JobID    string
	State    IngestState
	Progress float64 // 0 to 1
	Rows     int64
	Error    string // in English
	ErrorFR  string // the same in French
	Created  time.Time
	Started  *time.Time
	Finished *time.Time
	Report   *IngestReport
}

// IngestReport is what detection found in an ingested file.
type IngestReport struct {
	Format    string        `json:"format"`
	Encoding  string        `json:"encoding,omitempty"`
	BOM       bool          `json:"bom,omitempty"`
	Delimiter string        `json:"delimiter,omitempty"`
	Tables    []IngestTable `json:"tables"`
	Warnings  []string      `json:"warnings,omitempty"`
}

// IngestTable is one table found in an ingested file.
type IngestTable struct {
	Sheet      string           `json:"sheet,omitempty"`
	HeaderLine int              `json:"header_line"`
	Rows       int64            `json:"rows"`
	Fields     []DatastoreField `json:"fields"`
	// ResourceID is the resource whose datastore holds the table: the
	// uploaded resource for the first table, a derived one for others.
	ResourceID string `json:"resource_id,omitempty"`
	// NormalizedID is the resource of the table's normalised CSV.
	NormalizedID string   `json:"normalized_resource_id,omitempty"`
	Warnings     []string `json:"warnings,omitempty"`
	// Profile describes each column's values.
	Profile []FieldProfile `json:"profile,omitempty"`
}

// Job is a queued ingestion of an uploaded file.
type Job struct {
	ID         string
	DatasetID  string
	ResourceID string
	Upload     Upload
	// Replace says the file replaces the resource's current one on
	// success; a failed ingestion then leaves the resource as it was.
	Replace bool
	// Schema is the Table Schema the resource declared when the job was
	// queued: the file's first table is checked against it.
	Schema   string
	State    IngestState
	Attempts int
	Created  time.Time
}

// IngestResult is what a successful ingestion produced.
type IngestResult struct {
	Report IngestReport
	// Format and Mimetype describe the ingested file, for the resource.
	Format, Mimetype string
	// Tables are the loaded tables, in file order; empty when Skipped.
	Tables []IngestedTable
	// Skipped is set, with a reason, when the file is not a table and is
	// published as it is.
	Skipped, SkippedFR string
	// Validation is the check against the job's Schema, if it has one.
	Validation *Validation
}

// IngestedTable is one table loaded into the datastore, with its
// normalised CSV stored as a file.
type IngestedTable struct {
	Name       string // sheet name, or "" for a text file
	Table      string // datastore table name
	Rows       int64
	Normalized Upload
}

// JobQueue is the durable queue of ingestions, stored with the catalogue.
// A worker holds a job under a lease that it renews; a job whose lease
// runs out (its worker died) is handed to another worker.
type JobQueue interface {
	// Claim takes the oldest job that is pending or whose lease expired,
	// or returns a KindNotFound error when there is none.
	Claim(ctx context.Context, worker string, lease time.Duration) (*Job, error)
	// ClaimJob takes one given job if it is pending or its lease expired.
	ClaimJob(ctx context.Context, id, worker string, lease time.Duration) (*Job, error)
	// Heartbeat renews the lease and records progress; it fails with
	// KindForbidden when the worker no longer holds the job.
	Heartbeat(ctx context.Context, id, worker string, lease time.Duration, progress float64, rows int64) error
	// Complete applies a successful ingestion to the catalogue in one
	// transaction: the resource's file (when replaced), datastore tables
	// and derived resources. It returns the datastore tables no resource
	// uses any more, for the caller to drop.
	Complete(ctx context.Context, id, worker string, res IngestResult) (unused []string, err error)
	// Fail marks the job failed with a message in English and French; the
	// resource keeps its previous version.
	Fail(ctx context.Context, id, worker, msg, msgFR string) error
	// Retry puts a job back in the queue, or fails it when it has been
	// tried too often.
	Retry(ctx context.Context, id, worker string) error
	// FindJob returns a job's state as resources show it.
	FindJob(ctx context.Context, id string) (*Ingest, error)
}
