package storage_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/passerelle/passerelle/catalog"
	"github.com/passerelle/passerelle/storage"
)

// TestDataDirNames opens SQLite catalogues in directories whose names hold
// the characters a file: URI gives a meaning to: each catalogue is a file
// inside its own directory, and they do not share data.
func TestDataDirNames(t *testing.T) {
	parent := t.TempDir()
	for i, name := range []string{"data#1", "data#2", "what?", "100%25", "plain"} {
		dir := filepath.Join(parent, name)
		db, err := storage.Open(context.Background(), storage.Config{DataDir: dir})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		orgs := storage.NewOrganizationService(db)
		if _, err := orgs.CreateOrganization(sysadmin, &catalog.Organization{Name: "commune"}); err != nil {
			t.Errorf("%s (catalogue %d): %v", name, i, err) // a duplicate: another directory's catalogue
		}
		db.Close()
		if _, err := os.Stat(filepath.Join(dir, "catalog.db")); err != nil {
			t.Errorf("%s: no catalogue inside the data directory: %v", name, err)
		}
	}
	entries, _ := os.ReadDir(parent)
	if len(entries) != 5 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("files beside the data directories: %v", names)
	}
}
