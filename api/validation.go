package api

import (
	"context"

	"github.com/passerelle/passerelle/catalog"
	"github.com/passerelle/passerelle/tableschema"
)

// schemas returns the registry, or an empty one.
func (s *Server) schemas() *tableschema.Registry {
	if s.svc.Schemas == nil {
		return tableschema.NewRegistry()
	}
	return s.svc.Schemas
}

// validationShowDict is a resource's validation as ckanext-validation's
// resource_validation_show returns it, with Passerelle's report.
type validationShowDict struct {
	ID         string              `json:"id"`
	ResourceID string              `json:"resource_id"`
	Status     string              `json:"status"`
	Schema     catalog.SchemaInfo  `json:"schema"`
	Report     *tableschema.Report `json:"report"`
	Error      *validationError    `json:"error"`
	Created    *string             `json:"created"`
	Finished   *string             `json:"finished"`
}

type validationError struct {
	Message   string `json:"message"`
	MessageFR string `json:"message_fr"`
}

// resourceValidationShow returns the whole report of the last check of a
// resource's file against its schema; "created" or "running" while the
// check waits in its ingestion.
func (s *Server) resourceValidationShow(ctx context.Context, p *params) (any, error) {
	id := p.trimmed("resource_id")
	if id == "" {
		id = p.required("id")
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	r, err := s.svc.Datasets.FindResource(ctx, id)
	if err != nil {
		return nil, err
	}
	if r.Schema == "" {
		return nil, catalog.NotFoundf("Resource %s declares no schema: it is not validated", r.ID)
	}
	if in := r.Ingest; in != nil && (in.State == catalog.IngestPending || in.State == catalog.IngestRunning) &&
		(r.Validation == nil || r.Validation.JobID != in.JobID) {
		status := "created"
		if in.State == catalog.IngestRunning {
			status = "running"
		}
		t := ckanTime(in.Created)
		return validationShowDict{ID: in.JobID, ResourceID: r.ID, Status: status, Schema: catalog.SchemaInfo{Ref: r.Schema}, Created: &t}, nil
	}
	if r.Validation == nil {
		return nil, catalog.NotFoundf("Resource %s has not been validated: only uploaded files are", r.ID)
	}
	v := r.Validation
	if s.svc.Validations != nil {
		if v, err = s.svc.Validations.FindValidation(ctx, r.Validation.JobID); err != nil {
			return nil, err
		}
	}
	t := ckanTime(v.Created)
	out := validationShowDict{
		ID: v.JobID, ResourceID: r.ID, Status: string(v.Status), Schema: v.Schema,
		Report: v.Report, Created: &t, Finished: &t,
	}
	if v.Status == catalog.ValidationError {
		out.Error = &validationError{Message: v.Error, MessageFR: v.ErrorFR}
	}
	return out, nil
}

// schemaList lists the schemas resources may declare by id.
func (s *Server) schemaList(ctx context.Context, p *params) (any, error) {
	if err := p.err(); err != nil {
		return nil, err
	}
	list := s.schemas().List()
	if list == nil {
		list = []tableschema.Entry{}
	}
	return list, nil
}
