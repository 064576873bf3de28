package catalog

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/passerelle/passerelle/tableschema"
)

// Suggestions are metadata a dataset's own files already say, offered so
// that an agent never types them again: the schema each table most likely
// follows, the period its dates cover, the area its place codes cover, and
// how often files come. Nothing changes until the suggestions are
// accepted (ApplySuggestions); they then are the dataset's DCAT-AP
// properties.
type Suggestions struct {
	Schemas   []SchemaSuggestion   `json:"schemas"`
	Temporal  *TemporalSuggestion  `json:"temporal"`
	Spatial   *SpatialSuggestion   `json:"spatial"`
	Frequency *FrequencySuggestion `json:"frequency"`
}

// SchemaSuggestion lists the schemas an uploaded table may follow.
type SchemaSuggestion struct {
	ResourceID   string `json:"resource_id"`
	ResourceName string `json:"resource_name"`
	// Current is the schema the resource declares.
	Current     string                   `json:"current"`
	Suggestions []tableschema.Suggestion `json:"suggestions"`
}

// ColumnRef names a column of a resource's table.
type ColumnRef struct {
	ResourceID string `json:"resource_id"`
	Field      string `json:"field"`
}

// TemporalSuggestion is the period a dataset's date columns cover.
type TemporalSuggestion struct {
	Start   string      `json:"start"`
	End     string      `json:"end"`
	Sources []ColumnRef `json:"sources"`
	// Current says whether the dataset already has this period.
	Current bool `json:"current"`
}

// SpatialSuggestion is the area a dataset's place codes cover.
type SpatialSuggestion struct {
	Place
	Sources []ColumnRef `json:"sources"`
	Current bool        `json:"current"`
}

// FrequencySuggestion is how often the dataset's files are renewed.
type FrequencySuggestion struct {
	// Frequency is the EU frequency URI, Code its code (MONTHLY).
	Frequency string `json:"frequency"`
	Code      string `json:"code"`
	// Uploads counts the publications seen, MedianDays the median time
	// between two.
	Uploads    int     `json:"uploads"`
	MedianDays float64 `json:"median_days"`
	Current    bool    `json:"current"`
}

// UploadHistory tells when a dataset's files were published.
type UploadHistory interface {
	// UploadTimes returns, oldest first, when each version of each file
	// of the dataset was uploaded (a file checked again counts once).
	UploadTimes(ctx context.Context, datasetID string) ([]time.Time, error)
}

// SchemaSuggester names the schemas a table with these column labels most
// likely follows, best first.
type SchemaSuggester func(labels []string) []tableschema.Suggestion

// Suggest computes the suggestions for d from its tables' profiles, the
// times its files were uploaded and the schema registry.
func Suggest(d *Dataset, uploads []time.Time, schemas SchemaSuggester) *Suggestions {
	s := &Suggestions{Schemas: []SchemaSuggestion{}}
	var start, end string
	var dateSources, geoSources []ColumnRef
	deps := map[string]bool{}
	communes := map[string]bool{}
	geoOnlyCommunes := true
	for i := range d.Resources {
		r := &d.Resources[i]
		if r.DerivedFrom != "" || r.Ingest == nil || r.Ingest.Report == nil || r.Ingest.State != IngestComplete {
			continue
		}
		for ti, t := range r.Ingest.Report.Tables {
			id := t.ResourceID
			if id == "" {
				id = r.ID
			}
			if ti == 0 && schemas != nil {
				labels := make([]string, len(t.Fields))
				for k, f := range t.Fields {
					labels[k] = f.Label
					if labels[k] == "" {
						labels[k] = f.ID
					}
				}
				if sug := schemas(labels); len(sug) > 0 {
					s.Schemas = append(s.Schemas, SchemaSuggestion{ResourceID: r.ID, ResourceName: r.Name, Current: r.Schema, Suggestions: sug})
				}
			}
			types := map[string]string{}
			for _, f := range t.Fields {
				types[f.ID] = f.Type
			}
			for _, p := range t.Profile {
				if typ := types[p.Field]; (typ == DatastoreDate || typ == DatastoreTimestamp) && p.Min != "" {
					lo, hi := datePart(p.Min), datePart(p.Max)
					if start == "" || lo < start {
						start = lo
					}
					if end == "" || hi > end {
						end = hi
					}
					dateSources = append(dateSources, ColumnRef{ResourceID: id, Field: p.Field})
				}
				if g := p.Geo; g != nil {
					geoSources = append(geoSources, ColumnRef{ResourceID: id, Field: p.Field})
					for _, dep := range g.Departements {
						deps[dep] = true
					}
					if g.Kind == GeoCommune && g.Commune != "" {
						communes[g.Commune] = true
					} else {
						geoOnlyCommunes = false
					}
				}
			}
		}
	}
	if start != "" {
		s.Temporal = &TemporalSuggestion{Start: start, End: end, Sources: dateSources,
			Current: datePart(d.TemporalStart) == start && datePart(d.TemporalEnd) == end}
	}
	var single []string
	if geoOnlyCommunes && len(communes) == 1 {
		single = slices.Collect(maps.Keys(communes))
	}
	if place, ok := Cover(slices.Collect(maps.Keys(deps)), single); ok {
		s.Spatial = &SpatialSuggestion{Place: place, Sources: geoSources, Current: d.SpatialURI == place.URI}
	}
	if f := frequencyOf(uploads); f != nil {
		f.Current = d.Frequency == f.Frequency
		s.Frequency = f
	}
	return s
}

// datePart keeps the date of an ISO 8601 date-time.
func datePart(v string) string {
	if len(v) > 10 && v[10] == 'T' {
		return v[:10]
	}
	return v
}

// publicationGap joins uploads closer than this into one publication: the
// files of one update are seldom sent in the same second.
const publicationGap = 12 * time.Hour

// frequencies are the EU frequencies a median interval between
// publications is read as: the first whose bound exceeds it, in days.
var frequencies = []struct {
	days float64
	code string
}{
	{1.5, "DAILY"}, {10, "WEEKLY"}, {20, "BIWEEKLY"}, {45, "MONTHLY"}, {75, "BIMONTHLY"},
	{135, "QUARTERLY"}, {270, "ANNUAL_2"}, {550, "ANNUAL"}, {1100, "BIENNIAL"}, {math.Inf(1), "IRREG"},
}

// frequencyOf reads a frequency in publication times: at least three
// publications, at intervals that agree (the longest at most three times
// the shortest); else irregular when there are four or more, else nothing.
func frequencyOf(uploads []time.Time) *FrequencySuggestion {
	uploads = slices.SortedFunc(slices.Values(uploads), time.Time.Compare)
	var pubs []time.Time
	for _, t := range uploads {
		if len(pubs) == 0 || t.Sub(pubs[len(pubs)-1]) >= publicationGap {
			pubs = append(pubs, t)
		}
	}
	if len(pubs) < 3 {
		return nil
	}
	gaps := make([]float64, len(pubs)-1)
	for i := range gaps {
		gaps[i] = pubs[i+1].Sub(pubs[i]).Hours() / 24
	}
	slices.Sort(gaps)
	median := gaps[len(gaps)/2]
	if len(gaps)%2 == 0 {
		median = (gaps[len(gaps)/2-1] + gaps[len(gaps)/2]) / 2
	}
	code := "IRREG"
	if gaps[len(gaps)-1] <= 3*gaps[0] {
		for _, f := range frequencies {
			if median < f.days {
				code = f.code
				break
			}
		}
	} else if len(pubs) < 4 {
		return nil
	}
	return &FrequencySuggestion{Frequency: FrequencyBase + code, Code: code, Uploads: len(pubs), MedianDays: math.Round(median*10) / 10}
}

// Suggestion kinds ApplySuggestions accepts.
const (
	SuggestSchema    = "schema"
	SuggestTemporal  = "temporal"
	SuggestSpatial   = "spatial"
	SuggestFrequency = "frequency"
)

// MinSchemaConfidence is the confidence a schema suggestion needs to be
// accepted without naming it.
const MinSchemaConfidence = 0.8

// ApplySuggestions writes the accepted kinds of suggestions into d: the
// period, the area (its URI), the frequency, and for each resource that
// declares no schema, the best schema when its confidence is at least
// MinSchemaConfidence. It returns what it changed, or a validation error
// naming a kind that is unknown or has no suggestion.
func ApplySuggestions(d *Dataset, s *Suggestions, kinds []string) ([]string, error) {
	var changed []string
	fe := FieldErrors{}
	for _, k := range kinds {
		switch k {
		case SuggestTemporal:
			if s.Temporal == nil {
				fe.Add("accept", "No date column suggests a period (temporal)")
				continue
			}
			d.TemporalStart, d.TemporalEnd = s.Temporal.Start, s.Temporal.End
			changed = append(changed, "temporal_start", "temporal_end")
		case SuggestSpatial:
			if s.Spatial == nil {
				fe.Add("accept", "No column of commune, postal or département codes suggests an area (spatial)")
				continue
			}
			d.SpatialURI = s.Spatial.URI
			changed = append(changed, "spatial_uri")
		case SuggestFrequency:
			if s.Frequency == nil {
				fe.Add("accept", "Too few uploads to suggest a frequency: three publications at least")
				continue
			}
			d.Frequency = s.Frequency.Frequency
			changed = append(changed, "frequency")
		case SuggestSchema:
			n := 0
			for _, ss := range s.Schemas {
				if ss.Current != "" || len(ss.Suggestions) == 0 || ss.Suggestions[0].Confidence < MinSchemaConfidence {
					continue
				}
				for i := range d.Resources {
					if r := &d.Resources[i]; r.ID == ss.ResourceID {
						best := ss.Suggestions[0]
						r.Schema = best.ID
						if best.Version != "" {
							r.Schema += "@" + best.Version
						}
						changed = append(changed, fmt.Sprintf("resources[%d].schema", i))
						n++
					}
				}
			}
			if n == 0 {
				fe.Add("accept", fmt.Sprintf("No table without a schema matches one with a confidence of %.0f %% or more", MinSchemaConfidence*100))
			}
		default:
			fe.Add("accept", fmt.Sprintf("Unknown suggestion %q: use %s", k, strings.Join([]string{SuggestSchema, SuggestTemporal, SuggestSpatial, SuggestFrequency}, ", ")))
		}
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	return changed, nil
}
