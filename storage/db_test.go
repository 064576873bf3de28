package storage

import (
	"context"
	"testing"
)

// TestSQLiteSettings checks the connection settings every SQLite
// connection gets: WAL, a busy timeout and foreign keys.
func TestSQLiteSettings(t *testing.T) {
	db, err := Open(context.Background(), Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for pragma, want := range map[string]string{"journal_mode": "wal", "busy_timeout": "10000", "foreign_keys": "1", "synchronous": "1"} {
		var got string
		if err := db.gorm.Raw("PRAGMA " + pragma).Scan(&got).Error; err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("PRAGMA %s = %s, want %s", pragma, got, want)
		}
	}
	var n int64
	if err := db.gorm.Raw("SELECT count(*) FROM schema_migrations").Scan(&n).Error; err != nil || n != int64(len(migrations)) {
		t.Errorf("schema_migrations holds %d rows (%v), want %d", n, err, len(migrations))
	}
}
