package api_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/passerelle/passerelle/storage"
	"github.com/passerelle/passerelle/storage/storagetest"
)

// benchTable is a commune's table of 5 000 rows: codes, names, dates,
// amounts and a boolean, as a spreadsheet export has them.
func benchTable() []byte {
	var b strings.Builder
	b.WriteString("code_insee;commune;date_decision;montant;beneficiaire;nombre;verse\r\n")
	for i := range 5000 {
		fmt.Fprintf(&b, "%05d;Commune %d;%02d/%02d/20%02d;%d,%02d;Association numéro %d;%d;%s\r\n",
			1000+i%900, i%900, 1+i%28, 1+i%12, 15+i%10, 100+i*7%90000, i%100, i, i%37, []string{"oui", "non"}[i%2])
	}
	return []byte(b.String())
}

// BenchmarkDatasetPage compares the dataset page (metadata, files, a
// 20-row preview from the datastore, the columns' profile with their
// histograms, the validation report) with package_show of the same
// dataset: pages must answer within the JSON API's budget (issue 8).
func BenchmarkDatasetPage(b *testing.B) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		b.Run(dialect, func(b *testing.B) {
			var db *storage.DB
			if dialect == "sqlite" {
				db = storagetest.OpenSQLite(b)
			} else {
				db = storagetest.OpenPostgres(b)
			}
			h := newHarness(b, db)
			h.createDataset("subventions", map[string]any{
				"title": "Subventions aux associations", "notes": "Montants votés par le conseil municipal.",
				"frequency": "ANNUAL", "theme": "ECON", "tags": []any{map[string]any{"name": "finances"}},
			})
			mustOK(b, h.upload("resource_create", h.editorA, map[string]string{"package_id": "subventions", "name": "Subventions"}, "subventions.csv", benchTable()))
			h.runJobs()
			for _, tc := range []struct {
				name, path, accept string
			}{
				{"page", "/dataset/subventions", browserAccept},
				{"package_show", "/api/3/action/package_show?id=subventions", ""},
			} {
				b.Run(tc.name, func(b *testing.B) {
					handler := h.srv.Handler()
					req := httptest.NewRequest(http.MethodGet, tc.path, nil)
					if tc.accept != "" {
						req.Header.Set("Accept", tc.accept)
					}
					rec := httptest.NewRecorder()
					handler.ServeHTTP(rec, req)
					if rec.Code != http.StatusOK {
						b.Fatalf("%s: %d: %.300s", tc.path, rec.Code, rec.Body)
					}
					if tc.name == "page" && !strings.Contains(rec.Body.String(), "<svg") {
						b.Fatal("the page has no histogram: the profile is missing")
					}
					b.SetBytes(int64(rec.Body.Len()))
					b.ReportAllocs()
					for b.Loop() {
						rec := httptest.NewRecorder()
						handler.ServeHTTP(rec, req)
						if rec.Code != http.StatusOK {
							b.Fatalf("%s: %d", tc.path, rec.Code)
						}
					}
					b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
				})
			}
		})
	}
}
