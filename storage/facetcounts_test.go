package storage_test

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/passerelle/passerelle/catalog"
	"github.com/passerelle/passerelle/storage"
	"github.com/passerelle/passerelle/storage/storagetest"
)

// The public catalogue's facets, read from the counts kept at each write,
// equal the facets counted from the tables after any mix of creations,
// edits (tags, licence, formats, resources), privacy changes and
// deletions.
func TestFacetCountsFollowWrites(t *testing.T) {
	storagetest.Run(t, func(t *testing.T, db *storage.DB) {
		ds, org := setup(t, db)
		other, err := storage.NewOrganizationService(db).CreateOrganization(sysadmin, &catalog.Organization{Name: "autre"})
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(3, 4))
		pick := func(list ...string) string { return list[rng.IntN(len(list))] }
		randomize := func(d *catalog.Dataset) {
			d.OwnerOrg = pick(org.ID, other.ID)
			d.LicenseID = pick("lov2", "odc-odbl", "cc-by", "")
			d.Private = rng.IntN(4) == 0
			d.Tags = nil
			for _, tag := range []string{"budget", "voirie", "eau"} {
				if rng.IntN(2) == 0 {
					d.Tags = append(d.Tags, catalog.Tag{Name: tag})
				}
			}
			d.Resources = d.Resources[:min(len(d.Resources), rng.IntN(3))]
			for range rng.IntN(3) {
				f := pick("CSV", "JSON", "PDF", "")
				d.Resources = append(d.Resources, catalog.Resource{URL: "https://x.fr/" + fmt.Sprint(rng.Int()) + ".txt", Format: f})
			}
		}
		var names []string
		for i := range 40 {
			d := &catalog.Dataset{Name: fmt.Sprintf("jeu-%d", i), Title: "Jeu"}
			randomize(d)
			if _, err := ds.CreateDataset(sysadmin, d); err != nil {
				t.Fatal(err)
			}
			names = append(names, d.Name)
		}
		for range 80 {
			name := names[rng.IntN(len(names))]
			var err error
			switch rng.IntN(5) {
			case 0:
				err = ds.DeleteDataset(sysadmin, name)
			default:
				_, err = ds.UpdateDataset(sysadmin, name, func(d *catalog.Dataset) error {
					if d.State == catalog.StateDeleted {
						d.State = catalog.StateActive // undelete
					}
					randomize(d)
					return nil
				})
			}
			if err != nil && catalog.ErrorKind(err) != catalog.KindNotFound {
				t.Fatal(err)
			}
		}
		fields := []string{"organization", "owner_org", "license_id", "tags", "res_format"}
		counted, err := ds.SearchDatasets(sysadmin, catalog.SearchParams{FacetFields: fields, FacetLimit: -1})
		if err != nil {
			t.Fatal(err)
		}
		// A filter that selects every dataset counts from the tables.
		queried, err := ds.SearchDatasets(sysadmin, catalog.SearchParams{FQ: []string{"-name:absent"}, FacetFields: fields, FacetLimit: -1})
		if err != nil {
			t.Fatal(err)
		}
		if counted.Count != queried.Count || counted.Count == 0 {
			t.Fatalf("counts %d and %d", counted.Count, queried.Count)
		}
		if !reflect.DeepEqual(counted.Facets, queried.Facets) {
			t.Errorf("facets from the kept counts:\n%+v\nfrom the tables:\n%+v", counted.Facets, queried.Facets)
		}
	})
}
