package storage_test

import (
	"fmt"
	"testing"

	"github.com/passerelle/passerelle/catalog"
	"github.com/passerelle/passerelle/storage/storagetest"
)

// BenchmarkCreateDataset measures dataset creation through the service
// (tags, extras, two resources) on SQLite.
func BenchmarkCreateDataset(b *testing.B) {
	db := storagetest.OpenSQLite(b)
	ds, org := setup(&testing.T{}, db)
	i := 0
	for b.Loop() {
		i++
		_, err := ds.CreateDataset(sysadmin, &catalog.Dataset{
			Name: fmt.Sprintf("jeu-%d", i), Title: "Budget primitif", Notes: "Données budgétaires.", OwnerOrg: org.ID,
			LicenseID: "lov2", Tags: []catalog.Tag{{Name: "budget"}, {Name: fmt.Sprintf("tag-%d", i%50)}},
			Extras:    []catalog.Extra{{Key: "source", Value: "x"}},
			Resources: []catalog.Resource{{URL: "https://x.fr/a.csv", Format: "CSV"}, {URL: "https://x.fr/b.json", Format: "JSON"}},
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "datasets/s")
}
