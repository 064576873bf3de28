package ingest_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/passerelle/passerelle/catalog"
	"github.com/passerelle/passerelle/storage/storagetest"
)

// Ingestion profiles every column from its normalised values: ranges of
// dates and numbers, fill counts, and the places a column of codes covers
// when its name says it holds codes and nine values in ten are.
func TestIngestProfile(t *testing.T) {
	e := newEnv(t, storagetest.OpenSQLite(t))
	path := filepath.Join(t.TempDir(), "equipements.csv")
	csv := "Date de mise en service;Code INSEE;Code postal;Département;montant;nom;code_dep\n" +
		"12/03/2019;86194;86000;Vienne;1 234,50;Piscine;86\n" +
		"01/07/2008;86066;86100;Vienne;-12,5;Stade;86\n" +
		"25/12/2021;86194;86000;Vienne;;Gymnase;\n" +
		";86194;86000;Vienne;40 000;Salle;86\n"
	if err := os.WriteFile(path, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	r := e.ingestFile(t, path)
	if r.Ingest.State != catalog.IngestComplete {
		t.Fatalf("ingest: %+v", r.Ingest)
	}
	prof := map[string]catalog.FieldProfile{}
	for _, p := range r.Ingest.Report.Tables[0].Profile {
		prof[p.Field] = p
	}
	if len(prof) != 7 {
		t.Fatalf("profile = %+v", r.Ingest.Report.Tables[0].Profile)
	}
	check := func(field string, filled int64, lo, hi string) catalog.FieldProfile {
		t.Helper()
		p, ok := prof[field]
		if !ok || p.Filled != filled || p.Min != lo || p.Max != hi {
			t.Errorf("%s: %+v, want filled %d, %q..%q", field, p, filled, lo, hi)
		}
		return p
	}
	date := check("date_de_mise_en_service", 3, "2008-07-01", "2021-12-25")
	montant := check("montant", 3, "-12.5", "40000")
	for _, p := range []catalog.FieldProfile{date, montant} {
		h := p.Histogram
		var total int64
		for _, b := range h {
			total += b.Count
		}
		if len(h) != 20 || h[0].Lo != p.Min || h[len(h)-1].Hi != p.Max || total != p.Filled {
			t.Errorf("%s histogram = %+v", p.Field, h)
		}
	}
	if date.Histogram[0].Count != 1 || date.Histogram[19].Count != 1 || montant.Histogram[19].Count != 1 {
		t.Errorf("extremes not in the end bins: %+v %+v", date.Histogram, montant.Histogram)
	}
	if d := prof["code_insee"]; d.Distinct != 2 || d.DistinctCapped || prof["nom"].Distinct != 4 {
		t.Errorf("distinct: code_insee %d, nom %d", d.Distinct, prof["nom"].Distinct)
	}
	if h := prof["code_insee"].Histogram; h != nil {
		t.Errorf("a text column has a histogram: %+v", h)
	}
	insee := check("code_insee", 4, "", "")
	if g := insee.Geo; g == nil || g.Kind != catalog.GeoCommune || g.Distinct != 2 || g.Commune != "" || len(g.Departements) != 1 || g.Departements[0] != "86" {
		t.Errorf("code_insee geo = %+v", insee.Geo)
	}
	if g := prof["code_postal"].Geo; g == nil || g.Kind != catalog.GeoPostalCode || g.Distinct != 2 {
		t.Errorf("code_postal geo = %+v", g)
	}
	if g := prof["code_dep"].Geo; g == nil || g.Kind != catalog.GeoDepartement || g.Departements[0] != "86" {
		t.Errorf("code_dep geo = %+v", g)
	}
	// Named like codes, holding names: no place.
	if g := prof["departement"].Geo; g != nil {
		t.Errorf("a column of names read as codes: %+v", g)
	}
	if g := prof["nom"].Geo; g != nil {
		t.Errorf("nom: %+v", g)
	}
}
