package api

import (
	"context"
	"time"

	"github.com/passerelle/passerelle/catalog"
)

// suggestionsDict is what package_suggestions_show returns.
type suggestionsDict struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	*catalog.Suggestions
}

// uploadTimes returns when a dataset's files were published.
func (s *Server) uploadTimes(ctx context.Context, datasetID string) ([]time.Time, error) {
	if s.svc.History == nil {
		return nil, nil
	}
	return s.svc.History.UploadTimes(ctx, datasetID)
}

// packageSuggestionsShow returns the metadata a dataset's files suggest:
// schema per table, temporal and spatial coverage, frequency.
func (s *Server) packageSuggestionsShow(ctx context.Context, p *params) (any, error) {
	id, err := idOrName(p)
	if err != nil {
		return nil, err
	}
	d, err := s.svc.Datasets.FindDataset(ctx, id)
	if err != nil {
		return nil, err
	}
	uploads, err := s.uploadTimes(ctx, d.ID)
	if err != nil {
		return nil, err
	}
	return suggestionsDict{ID: d.ID, Name: d.Name, Suggestions: catalog.Suggest(d, uploads, s.schemas().Suggest)}, nil
}

// packageSuggestionsAccept writes the accepted suggestions (accept: a list
// of schema, temporal, spatial, frequency) into the dataset and returns
// it; a resource given a schema is checked against it again.
func (s *Server) packageSuggestionsAccept(ctx context.Context, p *params) (any, error) {
	id, err := idOrName(p)
	if err != nil {
		return nil, err
	}
	kinds := p.stringList("accept")
	if len(kinds) == 0 && p.fe.Err() == nil {
		p.fe.Add("accept", "Missing value: a list of schema, temporal, spatial, frequency")
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	cur, err := s.svc.Datasets.FindDataset(ctx, id)
	if err != nil {
		return nil, err
	}
	uploads, err := s.uploadTimes(ctx, cur.ID)
	if err != nil {
		return nil, err
	}
	d, err := s.svc.Datasets.UpdateDataset(ctx, cur.ID, func(d *catalog.Dataset) error {
		// From the dataset as it is in the transaction, not as read above.
		sug := catalog.Suggest(d, uploads, s.schemas().Suggest)
		_, err := catalog.ApplySuggestions(d, sug, kinds)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.packageDict(d), nil
}
