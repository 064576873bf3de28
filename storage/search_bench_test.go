package storage_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/passerelle/passerelle/catalog"
	"github.com/passerelle/passerelle/storage"
)

var benchWords = []string{"budget", "subventions", "associations", "énergie", "écoles", "voirie", "transports",
	"déchets", "eau", "arbres", "population", "élections", "marchés", "délibérations", "équipements", "sport",
	"culture", "bibliothèque", "parkings", "vélos", "bâtiments", "consommation", "qualité", "air", "bruit"}

// seedCatalogue creates n datasets in 200 organisations, with French
// titles, tags and 1 to 5 resources, through the dataset service.
func seedCatalogue(tb testing.TB, db *storage.DB, n int) {
	tb.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	orgs := storage.NewOrganizationService(db)
	ds := storage.NewDatasetService(db)
	var orgIDs []string
	for i := 0; i < 200; i++ {
		o, err := orgs.CreateOrganization(sysadmin, &catalog.Organization{Name: fmt.Sprintf("org-%03d", i), Title: fmt.Sprintf("Commune numéro %d", i)})
		if err != nil {
			tb.Fatal(err)
		}
		orgIDs = append(orgIDs, o.ID)
	}
	formats := []string{"CSV", "XLSX", "JSON", "GeoJSON", "PDF", "ODS"}
	licences := []string{"lov2", "odc-odbl", "cc-by", "lov2", "lov2"}
	for i := 0; i < n; i++ {
		w := func() string { return benchWords[rng.IntN(len(benchWords))] }
		d := &catalog.Dataset{
			Name: "jeu-" + strconv.Itoa(i), Title: fmt.Sprintf("%s et %s %d", w(), w(), 2000+rng.IntN(25)),
			Notes: fmt.Sprintf("Données sur %s, %s et %s de la commune.", w(), w(), w()), OwnerOrg: orgIDs[rng.IntN(len(orgIDs))],
			LicenseID: licences[rng.IntN(len(licences))],
		}
		seen := map[string]bool{}
		for t := 0; t < 1+rng.IntN(4); t++ {
			if tag := w(); !seen[tag] {
				seen[tag] = true
				d.Tags = append(d.Tags, catalog.Tag{Name: tag})
			}
		}
		for r := 0; r < 1+rng.IntN(5); r++ {
			f := formats[rng.IntN(len(formats))]
			d.Resources = append(d.Resources, catalog.Resource{URL: fmt.Sprintf("https://data.ville.fr/%d/%d.%s", i, r, f), Format: f, Name: w()})
		}
		if _, err := ds.CreateDataset(sysadmin, d); err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkSearch measures package_search on a seeded catalogue
// (PASSERELLE_BENCH_DATASETS, default 10000) on SQLite.
func BenchmarkSearch(b *testing.B) {
	n := 10000
	if v, err := strconv.Atoi(os.Getenv("PASSERELLE_BENCH_DATASETS")); err == nil {
		n = v
	}
	dir := os.Getenv("PASSERELLE_BENCH_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	db, err := storage.Open(context.Background(), storage.Config{DataDir: dir})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ds := storage.NewDatasetService(db)
	if names, _ := ds.ListDatasetNames(context.Background(), 1, 0); len(names) == 0 {
		start := time.Now()
		seedCatalogue(b, db, n)
		b.Logf("seeded %d datasets in %s", n, time.Since(start))
	}
	if err := db.Optimize(context.Background()); err != nil {
		b.Fatal(err)
	}
	now := time.Now().UTC().AddDate(0, 0, -1).Format(time.RFC3339)
	cases := []struct {
		name string
		p    catalog.SearchParams
	}{
		{"q=budget", catalog.SearchParams{Q: "budget", Rows: 10}},
		{"q=energie", catalog.SearchParams{Q: "energie", Rows: 10}},
		{"fq=organization", catalog.SearchParams{FQ: []string{"organization:org-042"}, Rows: 10}},
		{"facets", catalog.SearchParams{Rows: 10, FacetFields: []string{"organization", "tags", "res_format", "license_id"}, FacetLimit: 50}},
		{"sort=modified", catalog.SearchParams{Sort: "metadata_modified desc", Rows: 10}},
		{"start=90%", catalog.SearchParams{Rows: 10, Start: n * 9 / 10, Sort: "metadata_modified desc"}},
		{"incremental", catalog.SearchParams{FQ: []string{"metadata_modified:[" + now + " TO *]"}, Rows: 100}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := ds.SearchDatasets(context.Background(), c.p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
