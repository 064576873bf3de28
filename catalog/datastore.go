package catalog

import (
	"context"
	"time"
)

// Datastore column types, with the names CKAN's datastore reports in
// datastore_search "fields".
const (
	DatastoreText      = "text"
	DatastoreInt       = "int"
	DatastoreNumeric   = "numeric"
	DatastoreDate      = "date"
	DatastoreTimestamp = "timestamp"
	DatastoreBool      = "bool"
)

// DatastoreField is one column of a datastore table.
type DatastoreField struct {
	ID    string `json:"id"`              // machine name (snake_case ASCII), the column's key in records
	Type  string `json:"type"`            // one of the Datastore* types
	Label string `json:"label,omitempty"` // the column's header as found in the file
}

// DatastoreTable describes a loaded table.
type DatastoreTable struct {
	Name    string // storage name, chosen by the datastore
	Fields  []DatastoreField
	Rows    int64
	Created time.Time
}

// Datastore keeps the rows of ingested tables, one table per version of a
// resource, and answers datastore_search over them.
type Datastore interface {
	// Create starts loading a new table with these fields. The table is
	// invisible until the writer's Commit returns.
	Create(ctx context.Context, fields []DatastoreField) (TableWriter, error)
	// Info describes a committed table, or returns KindNotFound.
	Info(ctx context.Context, name string) (*DatastoreTable, error)
	// Search runs a query over a committed table.
	Search(ctx context.Context, name string, q DatastoreQuery) (*DatastoreResult, error)
	// Dump streams every row of a table, in _id order, to emit (values as
	// in DatastoreResult records); emit's error stops the dump.
	Dump(ctx context.Context, name string, fields []string, emit func(row []any) error) error
	// Drop removes a table; dropping a missing table is not an error.
	Drop(ctx context.Context, name string) error
}

// TableWriter loads rows into a new datastore table.
type TableWriter interface {
	// Name is the table's storage name.
	Name() string
	// Append adds one row: one normalised value per field (ISO dates,
	// dot decimals, true/false), "" for a missing value.
	Append(row []string) error
	// Commit makes the table queryable and returns its row count.
	Commit() (int64, error)
	// Abort discards the table; it is safe after Commit (then a no-op).
	Abort()
}

// DatastoreQuery is a datastore_search request, type-checked.
type DatastoreQuery struct {
	Q            string            // full text over the row
	QFields      map[string]string // full text per field
	Filters      map[string][]string
	Fields       []string // columns to return, in order; empty: all
	Sort         []SortKey
	Limit        int
	Offset       int
	IncludeTotal bool
	Distinct     bool
}

// Datastore limits, as CKAN's defaults.
const (
	DatastoreDefaultLimit = 100
	DatastoreMaxLimit     = 32000
)

// DatastoreResult is what datastore_search returns.
type DatastoreResult struct {
	Fields  []DatastoreField // "_id" first unless fields were chosen
	Records [][]any          // one value per field: int64, float64, bool, string or nil
	Total   int64            // -1 when not asked for
}
