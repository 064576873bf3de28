package catalog

import (
	"context"
	"strings"
	"time"

	"github.com/passerelle/passerelle/tableschema"
)

// ValidationStatus is the outcome of checking a file against its declared
// Table Schema, named as ckanext-validation names it.
type ValidationStatus string

// Validation outcomes. "error" means the file could not be checked (the
// schema could not be had, or the file is not a table), not that it broke
// the schema.
const (
	ValidationSuccess ValidationStatus = "success"
	ValidationFailure ValidationStatus = "failure"
	ValidationError   ValidationStatus = "error"
)

// SchemaInfo says which schema a file was checked against.
type SchemaInfo struct {
	// Ref is the reference the resource declares: a registry id
	// ("scdl/subventions", "scdl/subventions@2.1.1"), a URL, or an inline
	// Table Schema (JSON).
	Ref string `json:"ref"`
	// ID and Version name the schema in the registry, when it is there.
	ID      string `json:"id,omitempty"`
	Version string `json:"version,omitempty"`
	// URL is where the schema is published: what dct:conformsTo names.
	URL   string `json:"url,omitempty"`
	Title string `json:"title,omitempty"`
}

// Validation is the check of a resource's stored file against the schema
// it declares. It is stored with the resource when its ingestion succeeds.
type Validation struct {
	Status ValidationStatus `json:"status"`
	Schema SchemaInfo       `json:"schema"`
	// Error and ErrorFR say why the file could not be checked (status
	// error).
	Error   string `json:"error,omitempty"`
	ErrorFR string `json:"error_fr,omitempty"`
	// Report is the validator's report; nil on status error. Resources
	// carry a summary of it (SummaryIssues issues of each kind); the whole
	// report is kept with the ingestion job (JobID).
	Report  *tableschema.Report `json:"report,omitempty"`
	JobID   string              `json:"job_id"`
	Created time.Time           `json:"created"`
}

// SummaryIssues is how many errors and warnings the summary of a report
// that resource dicts show lists; counts cover them all.
const SummaryIssues = 10

// Summary returns v with its report cut to SummaryIssues errors and
// warnings, for storage with the resource.
func (v *Validation) Summary() *Validation {
	if v == nil {
		return nil
	}
	s := *v
	if v.Report != nil {
		r := *v.Report
		if len(r.Errors) > SummaryIssues {
			r.Errors, r.Truncated = r.Errors[:SummaryIssues], true
		}
		if len(r.Warnings) > SummaryIssues {
			r.Warnings, r.Truncated = r.Warnings[:SummaryIssues], true
		}
		s.Report = &r
	}
	return &s
}

// ConformsTo returns the URL of the schema the resource is published as
// following (dct:conformsTo, the CKAN dict's schema), or "". A stored file
// conforms only once checked and found valid against the schema it
// declares. A link is published with the schema URL its publisher
// declares: there is no file here to check.
func (r *Resource) ConformsTo() string {
	if r.URLType == "upload" {
		if v := r.Validation; v != nil && v.Status == ValidationSuccess && v.Schema.Ref == r.Schema {
			return v.Schema.URL
		}
		return ""
	}
	if strings.HasPrefix(r.Schema, "https://") || strings.HasPrefix(r.Schema, "http://") {
		return r.Schema
	}
	return ""
}

// ValidationStore reads the whole reports that resources summarise.
type ValidationStore interface {
	// FindValidation returns the validation recorded by an ingestion job,
	// with its whole report, or a KindNotFound error.
	FindValidation(ctx context.Context, jobID string) (*Validation, error)
}
