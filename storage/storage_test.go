package storage_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/passerelle/passerelle/catalog"
	"github.com/passerelle/passerelle/storage"
	"github.com/passerelle/passerelle/storage/storagetest"
)

var sysadmin = catalog.WithPrincipal(context.Background(), &catalog.Principal{Name: "test", Sysadmin: true})

func setup(t *testing.T, db *storage.DB) (*storage.DatasetService, *catalog.Organization) {
	t.Helper()
	org, err := storage.NewOrganizationService(db).CreateOrganization(sysadmin, &catalog.Organization{Name: "commune", Title: "Commune"})
	if err != nil {
		t.Fatal(err)
	}
	return storage.NewDatasetService(db), org
}

func TestOpenTwiceMigratesOnce(t *testing.T) {
	dir := t.TempDir()
	for i := 0; i < 2; i++ {
		db, err := storage.Open(context.Background(), storage.Config{DataDir: dir})
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		if i == 0 {
			if _, err := storage.NewOrganizationService(db).CreateOrganization(sysadmin, &catalog.Organization{Name: "garde"}); err != nil {
				t.Fatal(err)
			}
		} else if _, err := storage.NewOrganizationService(db).FindOrganization(context.Background(), "garde"); err != nil {
			t.Errorf("data lost on reopening: %v", err)
		}
		db.Close()
	}
}

func TestOpenRefusesUnknownDatabase(t *testing.T) {
	_, err := storage.Open(context.Background(), storage.Config{DatabaseURL: "mysql://user:secret@host/db"})
	if err == nil || !containsAll(err.Error(), "unsupported database URL", "mysql://user:xxxxx@host/db") {
		t.Errorf("got %v", err)
	}
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// TestConcurrentCreations: racing creations of one name leave one dataset
// and validation errors, never a 500; racing creations of one new tag all
// succeed.
func TestConcurrentCreations(t *testing.T) {
	storagetest.Run(t, func(t *testing.T, db *storage.DB) {
		ds, org := setup(t, db)
		const n = 8
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				_, errs[i] = ds.CreateDataset(sysadmin, &catalog.Dataset{Name: "meme-nom", Title: "x", OwnerOrg: org.ID})
			}(i)
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case catalog.ErrorKind(err) != catalog.KindInvalid:
				t.Errorf("racing creation failed with %v", err)
			}
		}
		if ok != 1 {
			t.Errorf("%d creations succeeded, want 1", ok)
		}
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				_, errs[i] = ds.CreateDataset(sysadmin, &catalog.Dataset{
					Name: fmt.Sprintf("jeu-%d", i), Title: "x", OwnerOrg: org.ID,
					Tags: []catalog.Tag{{Name: "nouveau-tag"}, {Name: fmt.Sprintf("tag-%d", i)}},
				})
			}(i)
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("dataset %d with a shared new tag: %v", i, err)
			}
		}
		tags, err := ds.ListTags(context.Background(), "nouveau")
		if err != nil || len(tags) != 1 {
			t.Errorf("tags = %v, %v", tags, err)
		}
	})
}

// TestTimestamps: what a write returns is what a read returns, to the
// microsecond, in UTC.
func TestTimestamps(t *testing.T) {
	storagetest.Run(t, func(t *testing.T, db *storage.DB) {
		ds, org := setup(t, db)
		fixed := time.Date(2024, 2, 29, 23, 59, 58, 123456789, time.FixedZone("CET", 3600))
		db.SetClock(func() time.Time { return fixed })
		d, err := ds.CreateDataset(sysadmin, &catalog.Dataset{Name: "horodate", Title: "x", OwnerOrg: org.ID,
			Resources: []catalog.Resource{{URL: "https://x.fr/a.csv"}}})
		if err != nil {
			t.Fatal(err)
		}
		want := time.Date(2024, 2, 29, 22, 59, 58, 123456000, time.UTC)
		got, err := ds.FindDataset(sysadmin, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		for name, v := range map[string]time.Time{"created": got.Created, "modified": got.Modified, "resource created": got.Resources[0].Created} {
			if !v.Equal(want) || v.Location() != time.UTC {
				t.Errorf("%s = %v, want %v", name, v, want)
			}
		}
		// Range filters compare instants, whatever the zone given.
		res, err := ds.SearchDatasets(sysadmin, catalog.SearchParams{Rows: 10, FQ: []string{"metadata_modified:[2024-02-29T23:59:58.123456+01:00 TO 2024-02-29T22:59:58.123456Z]"}})
		if err != nil || res.Count != 1 {
			t.Errorf("exact range: %v, %v", res, err)
		}
		res, _ = ds.SearchDatasets(sysadmin, catalog.SearchParams{Rows: 10, FQ: []string{"metadata_modified:{2024-02-29T22:59:58.123456Z TO *]"}})
		if res.Count != 0 {
			t.Errorf("exclusive lower bound matched the instant itself")
		}
	})
}

func TestNotFoundIsAnError(t *testing.T) {
	storagetest.Run(t, func(t *testing.T, db *storage.DB) {
		ds, _ := setup(t, db)
		for name, err := range map[string]error{
			"dataset":  func() error { _, err := ds.FindDataset(sysadmin, "absent"); return err }(),
			"resource": func() error { _, err := ds.FindResource(sysadmin, "absent"); return err }(),
			"organization": func() error {
				_, err := storage.NewOrganizationService(db).FindOrganization(sysadmin, "absent")
				return err
			}(),
		} {
			var ce *catalog.Error
			if !errors.As(err, &ce) || ce.Kind != catalog.KindNotFound {
				t.Errorf("%s: got %v", name, err)
			}
		}
	})
}

func TestTokens(t *testing.T) {
	storagetest.Run(t, func(t *testing.T, db *storage.DB) {
		_, org := setup(t, db)
		tokens := storage.NewTokenService(db)
		secret, err := tokens.CreateToken(context.Background(), &catalog.Token{Name: "agent", OrgID: "commune"})
		if err != nil {
			t.Fatal(err)
		}
		p, err := tokens.Authenticate(context.Background(), secret)
		if err != nil || p.OrgID != org.ID || p.Sysadmin || p.Name != "agent" {
			t.Errorf("principal %+v, %v", p, err)
		}
		if _, err := tokens.Authenticate(context.Background(), secret+"x"); catalog.ErrorKind(err) != catalog.KindForbidden {
			t.Errorf("wrong secret: %v", err)
		}
		for _, bad := range []*catalog.Token{{Name: "x"}, {Name: "x", Sysadmin: true, OrgID: "commune"}, {Name: "x", OrgID: "absente"}, {Sysadmin: true}} {
			if _, err := tokens.CreateToken(context.Background(), bad); catalog.ErrorKind(err) != catalog.KindInvalid {
				t.Errorf("%+v: got %v", bad, err)
			}
		}
		created, err := tokens.EnsureBootstrapToken(context.Background(), "psl_bootstrap-secret")
		if err != nil || !created {
			t.Fatalf("bootstrap: %v %v", created, err)
		}
		if p, err := tokens.Authenticate(context.Background(), "psl_bootstrap-secret"); err != nil || !p.Sysadmin {
			t.Errorf("bootstrap principal %+v, %v", p, err)
		}
		if created, _ := tokens.EnsureBootstrapToken(context.Background(), "psl_other"); created {
			t.Error("a second bootstrap token was stored although a sysadmin exists")
		}
	})
}
