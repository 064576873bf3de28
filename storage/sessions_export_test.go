package storage

import (
	"context"
	"fmt"
)

// OpenBefore opens the catalogue of cfg migrated up to the migration
// before the one named next, as the release before it left it; for
// migration tests, which do not run in parallel with others of this
// package.
func OpenBefore(ctx context.Context, cfg Config, next string) (*DB, error) {
	all := migrations
	defer func() { migrations = all }()
	for i, m := range all {
		if m.id == next {
			migrations = all[:i]
			return Open(ctx, cfg)
		}
	}
	return nil, fmt.Errorf("no migration %s", next)
}

// SessionHashes returns the id hashes stored for web sessions; for tests.
func SessionHashes(db *DB) ([]string, error) {
	var hashes []string
	err := db.gorm.Model(&sessionRow{}).Order("id_hash").Pluck("id_hash", &hashes).Error
	return hashes, err
}

// Exec runs a statement as an operator or an older release would; for
// tests.
func Exec(db *DB, query string, args ...any) error {
	return db.gorm.Exec(query, args...).Error
}
