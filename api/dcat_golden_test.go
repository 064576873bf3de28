package api_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files in testdata/dcat")

// Fixed ids and clock of the golden dataset: sysadmins may choose ids, and
// the storage clock stamps every date.
const (
	goldenOrgID     = "0b7f3c2e-5d1a-4c8e-9f00-00000000a001"
	goldenDatasetID = "0b7f3c2e-5d1a-4c8e-9f00-00000000d001"
	goldenCSVID     = "0b7f3c2e-5d1a-4c8e-9f00-00000000e001"
	goldenAPIID     = "0b7f3c2e-5d1a-4c8e-9f00-00000000e002"
	goldenGeoID     = "0b7f3c2e-5d1a-4c8e-9f00-00000000e003"
	goldenPDFID     = "0b7f3c2e-5d1a-4c8e-9f00-00000000e004"
)

var goldenClock = time.Date(2024, 5, 2, 9, 14, 3, 0, time.UTC)

// goldenDataset has every field the DCAT mapping reads, and resources of
// each kind: a CSV file with size, checksum and Table Schema, an API, a
// GeoJSON file and a PDF whose URL repeats the CSV's (it must get a
// distinct URL in the feeds). Media types are given, not guessed: guessing
// reads the host's /etc/mime.types, which would make the files differ
// between machines.
func goldenDataset() map[string]any {
	return map[string]any{
		"id": goldenDatasetID, "name": "subventions-associations-2024", "owner_org": "ville-golden",
		"title": "Subventions aux associations 2024",
		"notes": "Montants **versés** aux associations en 2024, par bénéficiaire.\n\nSource : logiciel financier.",
		"url":   "https://www.ville-golden.fr/subventions", "version": "2024.1",
		"author": "Service finances", "author_email": "finances@ville-golden.fr",
		"maintainer": "Direction du numérique", "maintainer_email": "numerique@ville-golden.fr",
		"license_id": "lov2",
		"tags":       []any{map[string]any{"name": "subventions"}, map[string]any{"name": "associations"}, map[string]any{"name": "budget"}},
		"extras":     []any{map[string]any{"key": "source", "value": "Logiciel Grand Angle"}},
		"frequency":  "annual", "temporal_start": "2024-01-01", "temporal_end": "2024-12-31",
		"spatial_uri":  "https://www.insee.fr/fr/metadonnees/geographie/commune/13004",
		"spatial":      `{"type": "Polygon", "coordinates": [[[4.5, 43.5], [4.8, 43.5], [4.8, 43.8], [4.5, 43.8], [4.5, 43.5]]]}`,
		"theme":        []any{"ECON", "GOVE"},
		"contact_name": "Mairie de Golden", "contact_email": "opendata@ville-golden.fr",
		"resources": []any{
			map[string]any{
				"id": goldenCSVID, "url": "https://www.ville-golden.fr/files/subventions-2024.csv", "name": "Subventions 2024",
				"description": "Une ligne par subvention.", "format": "CSV", "mimetype": "text/csv", "size": 48213,
				"hash":          "9f2c6a1d3b7e4f5a8c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b",
				"resource_type": "file", "schema": "https://schema.data.gouv.fr/schemas/scdl/subventions/2.1.0/schema.json",
			},
			map[string]any{"id": goldenAPIID, "url": "https://www.ville-golden.fr/api/subventions", "name": "API des subventions", "format": "JSON", "mimetype": "application/json", "resource_type": "api"},
			map[string]any{"id": goldenGeoID, "url": "https://www.ville-golden.fr/files/quartiers.geojson", "name": "Quartiers", "format": "GeoJSON", "mimetype": "application/geo+json", "size": 1024},
			map[string]any{"id": goldenPDFID, "url": "https://www.ville-golden.fr/files/subventions-2024.csv", "name": "Même fichier, autre ressource", "format": "PDF", "mimetype": "application/pdf"},
		},
	}
}

// TestDCATGolden compares /dataset/{id}.{ttl,rdf,jsonld,nt} of one rich
// dataset with testdata/dcat/dataset.*; both databases must give the same
// bytes. Rewrite the files with go test ./api -run DCATGolden -update.
func TestDCATGolden(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		h.db.SetClock(func() time.Time { return goldenClock })
		mustOK(t, h.post("organization_create", h.sysadmin, map[string]any{
			"id": goldenOrgID, "name": "ville-golden", "title": "Ville de Golden",
			"siren": "211300041", "email": "contact@ville-golden.fr",
		}))
		mustOK(t, h.post("package_create", h.sysadmin, goldenDataset()))
		for _, ext := range []string{"ttl", "rdf", "jsonld", "nt"} {
			got := h.mustFeed("/dataset/" + goldenDatasetID + "." + ext)
			path := filepath.Join("testdata", "dcat", "dataset."+ext)
			if *updateGolden && t.Name() == "TestDCATGolden/sqlite" {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./api -run DCATGolden -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("/dataset/{id}.%s differs from %s (-update rewrites it):\n%s", ext, path, lineDiff(string(want), string(got)))
			}
		}
	})
}

// lineDiff shows the first lines where two texts differ.
func lineDiff(want, got string) string {
	w, g := bytes.Split([]byte(want), []byte("\n")), bytes.Split([]byte(got), []byte("\n"))
	var out bytes.Buffer
	shown := 0
	for i := 0; i < max(len(w), len(g)) && shown < 8; i++ {
		var wl, gl []byte
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if !bytes.Equal(wl, gl) {
			fmt.Fprintf(&out, "line %d:\n  want: %s\n  got:  %s\n", i+1, wl, gl)
			shown++
		}
	}
	return out.String()
}
