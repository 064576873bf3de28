package catalog_test

import (
	"testing"
	"time"

	"github.com/passerelle/passerelle/catalog"
	"github.com/passerelle/passerelle/tableschema"
)

func TestPlaceCodes(t *testing.T) {
	for _, tc := range []struct {
		fn   func(string) (string, bool)
		code string
		dep  string
	}{
		{catalog.DepartementOfCommune, "86194", "86"},
		{catalog.DepartementOfCommune, "2A004", "2A"},
		{catalog.DepartementOfCommune, "2b033", "2B"},
		{catalog.DepartementOfCommune, "97411", "974"},
		{catalog.DepartementOfCommune, "01053", "01"},
		{catalog.DepartementOfCommune, "97511", ""}, // Saint-Pierre-et-Miquelon: not a département
		{catalog.DepartementOfCommune, "20004", ""}, // Corsica has no 20 since 1976
		{catalog.DepartementOfCommune, "8619", ""},
		{catalog.DepartementOfCommune, "Poitiers", ""},
		{catalog.DepartementOfPostalCode, "86000", "86"},
		{catalog.DepartementOfPostalCode, "20000", "2A"},
		{catalog.DepartementOfPostalCode, "20200", "2B"},
		{catalog.DepartementOfPostalCode, "97400", "974"},
		{catalog.DepartementOfPostalCode, "98000", ""}, // Monaco
		{catalog.DepartementOfPostalCode, "2A000", ""},
		{catalog.NormalizeDepartement, "1", "01"},
		{catalog.NormalizeDepartement, "2a", "2A"},
		{catalog.NormalizeDepartement, "976", "976"},
		{catalog.NormalizeDepartement, "20", ""},
		{catalog.NormalizeDepartement, "Vienne", ""},
	} {
		got, ok := tc.fn(tc.code)
		if ok != (tc.dep != "") || (ok && got != tc.dep) {
			t.Errorf("%q → %q, %v; want %q", tc.code, got, ok, tc.dep)
		}
	}
}

func TestCover(t *testing.T) {
	for _, tc := range []struct {
		deps, communes []string
		level, code    string
		name, uri      string
	}{
		{[]string{"86"}, []string{"86194"}, "commune", "86194", "", "http://id.insee.fr/geo/commune/86194"},
		{[]string{"86"}, []string{"86194", "86066"}, "departement", "86", "Vienne", "http://id.insee.fr/geo/departement/86"},
		{[]string{"86", "79", "17", "86"}, nil, "region", "75", "Nouvelle-Aquitaine", "http://id.insee.fr/geo/region/75"},
		{[]string{"2A", "2B"}, nil, "region", "94", "Corse", "http://id.insee.fr/geo/region/94"},
		{[]string{"86", "75"}, nil, "country", "FRA", "France", catalog.France},
	} {
		p, ok := catalog.Cover(tc.deps, tc.communes)
		if !ok || p.Level != tc.level || p.Code != tc.code || p.Name != tc.name || p.URI != tc.uri {
			t.Errorf("Cover(%v, %v) = %+v, %v", tc.deps, tc.communes, p, ok)
		}
	}
	if _, ok := catalog.Cover(nil, nil); ok {
		t.Error("Cover of nothing")
	}
}

// uploadedDataset is a dataset whose one uploaded CSV had a date column,
// a column of commune codes and a header close to a schema's.
func uploadedDataset() *catalog.Dataset {
	return &catalog.Dataset{ID: "d1", Name: "subventions", Resources: []catalog.Resource{{
		ID: "r1", Name: "Subventions", URLType: "upload",
		Ingest: &catalog.Ingest{State: catalog.IngestComplete, Report: &catalog.IngestReport{Tables: []catalog.IngestTable{{
			Fields: []catalog.DatastoreField{{ID: "date_convention", Type: catalog.DatastoreDate, Label: "dateConvention"},
				{ID: "code_insee", Type: catalog.DatastoreText, Label: "codeInsee"}, {ID: "montant", Type: catalog.DatastoreNumeric, Label: "montant"}},
			Profile: []catalog.FieldProfile{
				{Field: "date_convention", Filled: 3, Min: "2017-09-08", Max: "2017-12-21"},
				{Field: "code_insee", Filled: 3, Geo: &catalog.GeoCoverage{Kind: catalog.GeoCommune, Distinct: 2, Departements: []string{"17", "86"}}},
				{Field: "montant", Filled: 3, Min: "1500", Max: "40000"},
			},
		}}}},
	}, {ID: "r2", Name: "copie", DerivedFrom: "r1", Ingest: &catalog.Ingest{State: catalog.IngestComplete, Report: &catalog.IngestReport{}}}}}
}

func days(ds ...int) []time.Time {
	t0 := time.Date(2024, 1, 5, 9, 0, 0, 0, time.UTC)
	var out []time.Time
	for _, d := range ds {
		out = append(out, t0.AddDate(0, 0, d))
	}
	return out
}

func TestSuggest(t *testing.T) {
	d := uploadedDataset()
	var asked []string
	schemas := func(labels []string) []tableschema.Suggestion {
		asked = labels
		return []tableschema.Suggestion{{ID: "scdl/subventions", Version: "2.1.1", Confidence: 0.9}}
	}
	s := catalog.Suggest(d, days(0, 31, 59, 90), schemas)
	if len(asked) != 3 || asked[0] != "dateConvention" {
		t.Errorf("schemas asked with %v, want the labels", asked)
	}
	if len(s.Schemas) != 1 || s.Schemas[0].ResourceID != "r1" || s.Schemas[0].Suggestions[0].ID != "scdl/subventions" {
		t.Errorf("schemas = %+v", s.Schemas)
	}
	if tp := s.Temporal; tp == nil || tp.Start != "2017-09-08" || tp.End != "2017-12-21" || len(tp.Sources) != 1 || tp.Current {
		t.Errorf("temporal = %+v", tp)
	}
	if sp := s.Spatial; sp == nil || sp.Level != "region" || sp.Code != "75" || sp.Sources[0].Field != "code_insee" {
		t.Errorf("spatial = %+v", sp)
	}
	if f := s.Frequency; f == nil || f.Code != "MONTHLY" || f.Uploads != 4 || f.Frequency != catalog.FrequencyBase+"MONTHLY" {
		t.Errorf("frequency = %+v", f)
	}

	changed, err := catalog.ApplySuggestions(d, s, []string{"temporal", "spatial", "frequency", "schema"})
	if err != nil {
		t.Fatal(err)
	}
	if d.TemporalStart != "2017-09-08" || d.TemporalEnd != "2017-12-21" || d.SpatialURI != "http://id.insee.fr/geo/region/75" ||
		d.Frequency != catalog.FrequencyBase+"MONTHLY" || d.Resources[0].Schema != "scdl/subventions@2.1.1" || len(changed) != 5 {
		t.Errorf("applied %v: %+v", changed, d)
	}
	// Accepted, they are current; a declared schema is not suggested over.
	s = catalog.Suggest(d, days(0, 31, 59, 90), schemas)
	if !s.Temporal.Current || !s.Spatial.Current || !s.Frequency.Current || s.Schemas[0].Current != "scdl/subventions@2.1.1" {
		t.Errorf("after accepting: %+v", s)
	}
	if _, err := catalog.ApplySuggestions(d, s, []string{"schema"}); catalog.ErrorKind(err) != catalog.KindInvalid {
		t.Errorf("schema accepted over a declared one: %v", err)
	}
}

func TestSuggestFrequency(t *testing.T) {
	for _, tc := range []struct {
		uploads []time.Time
		code    string
	}{
		{days(0, 1, 2, 3), "DAILY"},
		{days(0, 7, 14, 21, 28), "WEEKLY"},
		{days(0, 91, 182, 274), "QUARTERLY"},
		{days(0, 366, 731), "ANNUAL"},
		{days(0, 2, 200, 203, 400), "IRREG"},
		{days(0, 2, 200), ""}, // three, disagreeing: too few to say
		{days(0, 366), ""},
		{append(days(0, 366, 731), days(0, 366, 731)[2].Add(time.Hour)), "ANNUAL"}, // two files of one update count once
	} {
		s := catalog.Suggest(&catalog.Dataset{}, tc.uploads, nil)
		got := ""
		if s.Frequency != nil {
			got = s.Frequency.Code
		}
		if got != tc.code {
			t.Errorf("%v → %q (%+v), want %q", tc.uploads, got, s.Frequency, tc.code)
		}
	}
}

func TestApplySuggestionsRefuses(t *testing.T) {
	d := &catalog.Dataset{Name: "vide"}
	s := catalog.Suggest(d, nil, nil)
	for _, kind := range []string{"temporal", "spatial", "frequency", "schema", "colour"} {
		if _, err := catalog.ApplySuggestions(d, s, []string{kind}); catalog.ErrorKind(err) != catalog.KindInvalid {
			t.Errorf("%s without a suggestion: %v", kind, err)
		}
	}
}
