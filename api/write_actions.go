package api

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/passerelle/passerelle/catalog"
	"github.com/passerelle/passerelle/tableschema"
)

func (s *Server) packageCreate(ctx context.Context, p *params) (any, error) {
	d, err := decodeDataset(p.m, nil)
	if err != nil {
		return nil, err
	}
	if err := s.checkSchemas(d, nil); err != nil {
		return nil, err
	}
	d, err = s.svc.Datasets.CreateDataset(ctx, d)
	if err != nil {
		return nil, err
	}
	return s.packageDict(d), nil
}

// idOrName reads the dataset a write names, by "id" or else "name".
func idOrName(p *params) (string, error) {
	id := p.trimmed("id")
	if id == "" {
		id = p.trimmed("name")
	}
	if err := p.err(); err != nil {
		return "", err
	}
	if id == "" {
		return "", catalog.Invalid("id", "Missing value")
	}
	return id, nil
}

func (s *Server) packageUpdate(ctx context.Context, p *params) (any, error) {
	id, err := idOrName(p)
	if err != nil {
		return nil, err
	}
	d, err := s.svc.Datasets.UpdateDataset(ctx, id, func(cur *catalog.Dataset) error {
		m := p.m
		// A package_update by id may leave out the name and organisation:
		// they stay as they are rather than failing as missing.
		if _, ok := m["name"]; !ok {
			m["name"] = cur.Name
		}
		if _, ok := m["owner_org"]; !ok {
			m["owner_org"] = cur.OwnerOrg
		}
		next, err := decodeDataset(m, cur)
		if err != nil {
			return err
		}
		if err := s.checkSchemas(next, cur); err != nil {
			return err
		}
		*cur = *next
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.packageDict(d), nil
}

func (s *Server) packagePatch(ctx context.Context, p *params) (any, error) {
	id, err := idOrName(p)
	if err != nil {
		return nil, err
	}
	d, err := s.svc.Datasets.UpdateDataset(ctx, id, func(cur *catalog.Dataset) error {
		base, err := toMap(s.packageDict(cur))
		if err != nil {
			return err
		}
		patch := p.m
		delete(patch, "id") // the id named the dataset; it is not a change
		next, err := decodeDataset(mergeDict(base, patch), cur)
		if err != nil {
			return err
		}
		if err := s.checkSchemas(next, cur); err != nil {
			return err
		}
		*cur = *next
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.packageDict(d), nil
}

func (s *Server) packageDelete(ctx context.Context, p *params) (any, error) {
	id, err := idOrName(p)
	if err != nil {
		return nil, err
	}
	return nil, s.svc.Datasets.DeleteDataset(ctx, id)
}

func (s *Server) resourceCreate(ctx context.Context, p *params) (any, error) {
	datasetID := p.required("package_id")
	if err := p.err(); err != nil {
		return nil, err
	}
	r, err := decodeResource(p.m, nil, "")
	if err != nil {
		return nil, err
	}
	if err := s.checkSchema("schema", r.Schema, ""); err != nil {
		return nil, err
	}
	r.ID = "" // a new resource always gets a new id
	r.DatasetID = datasetID
	if err := s.checkWritable(ctx, p, datasetID); err != nil {
		return nil, err
	}
	if err := s.attachUpload(ctx, p, r); err != nil {
		return nil, err
	}
	r, err = s.svc.Datasets.CreateResource(ctx, r)
	if err != nil {
		return nil, err
	}
	s.uploaded(r)
	return s.resourceDict(r), nil
}

func (s *Server) resourceUpdate(ctx context.Context, p *params) (any, error) {
	return s.changeResource(ctx, p, false)
}

func (s *Server) resourcePatch(ctx context.Context, p *params) (any, error) {
	return s.changeResource(ctx, p, true)
}

// changeResource replaces a resource with the given dict, or with the given
// keys merged over its current dict when patching.
func (s *Server) changeResource(ctx context.Context, p *params, patch bool) (any, error) {
	id := p.required("id")
	if err := p.err(); err != nil {
		return nil, err
	}
	r, err := s.svc.Datasets.UpdateResource(ctx, id, func(cur *catalog.Resource) error {
		m := p.m
		if patch {
			base, err := toMap(s.resourceDict(cur))
			if err != nil {
				return err
			}
			m = mergeDict(base, m)
		}
		next, err := decodeResource(m, cur, "")
		if err != nil {
			return err
		}
		if err := s.checkSchema("schema", next.Schema, cur.Schema); err != nil {
			return err
		}
		next.ID, next.DatasetID = cur.ID, cur.DatasetID
		if err := s.attachUpload(ctx, p, next); err != nil {
			return err
		}
		*cur = *next
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.uploaded(r)
	return s.resourceDict(r), nil
}

func (s *Server) resourceDelete(ctx context.Context, p *params) (any, error) {
	id := p.required("id")
	if err := p.err(); err != nil {
		return nil, err
	}
	return nil, s.svc.Datasets.DeleteResource(ctx, id)
}

func (s *Server) organizationCreate(ctx context.Context, p *params) (any, error) {
	o, err := decodeOrganization(p.m)
	if err != nil {
		return nil, err
	}
	o, err = s.svc.Organizations.CreateOrganization(ctx, o)
	if err != nil {
		return nil, err
	}
	return newOrgDict(o, true), nil
}

func (s *Server) organizationPatch(ctx context.Context, p *params) (any, error) {
	id, err := idOrName(p)
	if err != nil {
		return nil, err
	}
	o, err := s.svc.Organizations.UpdateOrganization(ctx, id, func(cur *catalog.Organization) error {
		base, err := toMap(newOrgDict(cur, false))
		if err != nil {
			return err
		}
		patch := p.m
		delete(patch, "id")
		next, err := decodeOrganization(mergeDict(base, patch))
		if err != nil {
			return err
		}
		*cur = *next
		return nil
	})
	if err != nil {
		return nil, err
	}
	return newOrgDict(o, true), nil
}

// checkWritable refuses a file for a dataset the caller may not write
// before attachUpload stores it: a refused upload must leave no file
// behind. Writes without a file are checked by the write itself.
func (s *Server) checkWritable(ctx context.Context, p *params, datasetID string) error {
	if _, ok := p.m["upload"].(*uploadedFile); !ok {
		return nil
	}
	d, err := s.svc.Datasets.FindDataset(ctx, datasetID)
	if err != nil {
		return err
	}
	if who := catalog.PrincipalFrom(ctx); !who.CanWriteOrg(d.OwnerOrg) {
		return who.ErrorNotAuthorized("edit dataset " + d.Name)
	}
	return nil
}

// attachUpload stores the file of a multipart "upload" field, if any, and
// hands it to r for storage to queue its ingestion.
func (s *Server) attachUpload(ctx context.Context, p *params, r *catalog.Resource) error {
	up, ok := p.m["upload"].(*uploadedFile)
	if !ok {
		if v, given := p.m["upload"]; given && v != "" && v != nil {
			return catalog.Invalid("upload", "Must be a file sent as multipart/form-data")
		}
		return nil
	}
	if s.svc.Blobs == nil {
		return catalog.Invalid("upload", "This server does not store files")
	}
	key := catalog.BlobKey(up.hash)
	f, err := os.Open(up.path)
	if err != nil {
		return fmt.Errorf("reopen upload: %w", err)
	}
	defer f.Close()
	if err := s.svc.Blobs.Put(ctx, key, f); err != nil {
		return err
	}
	r.Upload = &catalog.Upload{BlobKey: key, Filename: up.name, Size: up.size, Hash: up.hash, Mimetype: up.mimetype}
	r.URL, r.URLType = up.name, "upload"
	if r.Format == "" {
		r.Format = formatOfName(up.name)
	}
	return nil
}

// uploaded wakes the ingestion workers when r's write queued a job.
func (s *Server) uploaded(r *catalog.Resource) {
	if r.Ingest != nil && r.Ingest.State == catalog.IngestPending && s.svc.OnUpload != nil {
		s.svc.OnUpload()
	}
}

// checkSchemas refuses the schemas newly declared by d's resources that
// cannot be used; cur is the stored version of d, or nil.
func (s *Server) checkSchemas(d, cur *catalog.Dataset) error {
	stored := map[string]string{}
	if cur != nil {
		for _, r := range cur.Resources {
			stored[r.ID] = r.Schema
		}
	}
	for i, r := range d.Resources {
		if err := s.checkSchema(fmt.Sprintf("resources[%d].schema", i), r.Schema, stored[r.ID]); err != nil {
			return err
		}
	}
	return nil
}

// checkSchema refuses a schema reference the registry cannot use, unless
// it is the one already stored (a schema removed from the registry since
// must not block other changes).
func (s *Server) checkSchema(field, ref, stored string) error {
	if ref == "" || ref == stored {
		return nil
	}
	if err := s.schemas().Check(ref); err != nil {
		var te *tableschema.Error
		if errors.As(err, &te) {
			return catalog.Invalid(field, te.Msg)
		}
		return catalog.Invalid(field, err.Error())
	}
	return nil
}
