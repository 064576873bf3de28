package dcat_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/passerelle/passerelle/catalog"
	"github.com/passerelle/passerelle/catalog/dcat"
)

var testMapper = &dcat.Mapper{BaseURL: "https://data.example.fr", SiteTitle: "Données de test", SiteDescription: "Catalogue de test"}

// mapDataset writes one dataset as N-Triples and reads it back with the
// test's own N-Triples reader.
func mapDataset(t *testing.T, d *catalog.Dataset) graph {
	t.Helper()
	var buf bytes.Buffer
	doc := testMapper.NewDocument(dcat.NewEncoder(&buf, dcat.NTriples))
	if err := doc.Dataset(d); err != nil {
		t.Fatal(err)
	}
	if err := doc.Close(); err != nil {
		t.Fatal(err)
	}
	g, err := parseNTriples(buf.String())
	if err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	return g
}

func linkDataset(urls ...string) *catalog.Dataset {
	now := time.Date(2024, 5, 2, 9, 14, 3, 0, time.UTC)
	d := &catalog.Dataset{ID: "6f1c1f5e-3c1b-4d7e-9a53-0d5c2b0b9d11", Name: "liens", Title: "Liens", LicenseID: "lov2", Created: now, Modified: now}
	for i, u := range urls {
		d.Resources = append(d.Resources, catalog.Resource{
			ID: "00000000-0000-4000-8000-00000000000" + string(rune('a'+i)), DatasetID: d.ID, Position: i,
			Name: "r", URL: u, Format: "CSV", Created: now, MetadataModified: now,
		})
	}
	return d
}

// TestDistributionURLsUnique checks what udata relies on to re-match
// distributions: within a dataset, no two distributions share a
// downloadURL or accessURL, even when two resource URLs only differ by
// characters the serialiser has to percent-encode.
func TestDistributionURLsUnique(t *testing.T) {
	for _, tc := range []struct {
		name string
		urls []string
	}{
		{"same URL twice", []string{"https://x.fr/a.csv", "https://x.fr/a.csv", "https://x.fr/a.csv"}},
		{"same URL with a fragment", []string{"https://x.fr/a.csv#x", "https://x.fr/a.csv#x"}},
		{"space and its escape", []string{"https://x.fr/mes données.csv", "https://x.fr/mes%20données.csv"}},
		{"quote and its escape", []string{`https://x.fr/"a".csv`, "https://x.fr/%22a%22.csv"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := mapDataset(t, linkDataset(tc.urls...))
			for _, p := range []string{dcat.NSDCAT + "downloadURL", dcat.NSDCAT + "accessURL"} {
				seen := map[string]bool{}
				for _, tr := range g {
					if tr.P.Value != p {
						continue
					}
					if seen[tr.O.Value] {
						t.Errorf("two distributions share %s %s", p, tr.O.Value)
					}
					seen[tr.O.Value] = true
				}
				if len(seen) != len(tc.urls) {
					t.Errorf("%d distinct %s for %d resources", len(seen), p, len(tc.urls))
				}
			}
		})
	}
}

// TestCompletenessGaps removes one field at a time from a complete
// dataset and checks that Completeness names that field and the DCAT-AP
// property it fills.
func TestCompletenessGaps(t *testing.T) {
	full := func() *catalog.Dataset {
		d := linkDataset("https://x.fr/a.csv")
		d.Notes, d.Tags, d.Themes = "Des données.", []catalog.Tag{{Name: "budget"}}, []string{"http://publications.europa.eu/resource/authority/data-theme/ECON"}
		d.ContactName, d.ContactEmail = "Mairie", "contact@ville.fr"
		d.SpatialURI, d.TemporalStart, d.TemporalEnd = "https://www.insee.fr/fr/metadonnees/geographie/commune/13004", "2024-01-01", "2024-12-31"
		d.Frequency = "http://publications.europa.eu/resource/authority/frequency/ANNUAL"
		return d
	}
	if gaps := testMapper.Completeness(full()); len(gaps) != 0 {
		t.Fatalf("complete dataset: %+v", gaps)
	}
	for _, tc := range []struct {
		strip        func(d *catalog.Dataset)
		property     string
		field, level string
	}{
		{func(d *catalog.Dataset) { d.Notes = "" }, "dct:description", "notes", "mandatory"},
		{func(d *catalog.Dataset) { d.Resources = nil }, "dcat:distribution", "resources", "recommended"},
		{func(d *catalog.Dataset) { d.Resources[0].URL = "" }, "dcat:accessURL", "resources[0].url", "mandatory"},
		{func(d *catalog.Dataset) { d.Resources[0].Format = "" }, "dct:format", "resources[0].format", "recommended"},
		{func(d *catalog.Dataset) { d.LicenseID = "notspecified" }, "dct:license", "license_id", "recommended"},
		{func(d *catalog.Dataset) { d.Tags = nil }, "dcat:keyword", "tags", "recommended"},
		{func(d *catalog.Dataset) { d.Themes = nil }, "dcat:theme", "theme", "recommended"},
		{func(d *catalog.Dataset) { d.ContactName, d.ContactEmail = "", "" }, "dcat:contactPoint", "contact_email", "recommended"},
		{func(d *catalog.Dataset) { d.SpatialURI = "" }, "dct:spatial", "spatial_uri", "recommended"},
		{func(d *catalog.Dataset) { d.TemporalStart, d.TemporalEnd = "", "" }, "dct:temporal", "temporal_start", "recommended"},
		{func(d *catalog.Dataset) { d.Frequency = "" }, "dct:accrualPeriodicity", "frequency", "recommended"},
	} {
		d := full()
		tc.strip(d)
		gaps := testMapper.Completeness(d)
		if len(gaps) != 1 || gaps[0].Property != tc.property || gaps[0].Field != tc.field || gaps[0].Level != tc.level ||
			gaps[0].Message == "" || gaps[0].MessageFR == "" {
			t.Errorf("without %s: %+v", tc.field, gaps)
		}
	}
}
