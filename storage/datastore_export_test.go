package storage

import (
	"context"
	"os"
	"slices"

	"github.com/passerelle/passerelle/catalog"
)

// DatastoreObjects lists what a datastore holds on disk or in its schema:
// file names for SQLite (scratch files included), table names for
// PostgreSQL; for tests.
func DatastoreObjects(ds catalog.Datastore) ([]string, error) {
	var names []string
	switch d := ds.(type) {
	case *sqliteDatastore:
		entries, err := os.ReadDir(d.dir)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			names = append(names, e.Name())
		}
	case *pgDatastore:
		rows, err := d.db.Query(`SELECT tablename FROM pg_tables WHERE schemaname = $1 AND tablename LIKE 't\_%'`, d.schema)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				return nil, err
			}
			names = append(names, n)
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
		var n int
		if err := d.db.QueryRow(`SELECT count(*) FROM ` + d.meta).Scan(&n); err != nil {
			return nil, err
		}
		for range n {
			names = append(names, "(meta row)")
		}
	}
	slices.Sort(names)
	return names, nil
}

// DatastoreDir returns the directory of a SQLite datastore, "" otherwise.
func DatastoreDir(ds catalog.Datastore) string {
	if d, ok := ds.(*sqliteDatastore); ok {
		return d.dir
	}
	return ""
}

// OpenPostgresDatastore returns a PostgreSQL datastore on db in schema,
// which it creates: the path a catalogue in public takes, for tests that
// cannot use public.
func OpenPostgresDatastore(db *DB, schema string) (catalog.Datastore, error) {
	sqlDB, err := db.gorm.DB()
	if err != nil {
		return nil, err
	}
	return openPostgresDatastore(context.Background(), sqlDB, schema)
}

// DropDatastoreSchema drops the schema of a PostgreSQL datastore.
func DropDatastoreSchema(ds catalog.Datastore) error {
	if d, ok := ds.(*pgDatastore); ok {
		_, err := d.db.ExecContext(context.Background(), `DROP SCHEMA IF EXISTS `+d.qs+` CASCADE`)
		return err
	}
	return nil
}

// DatastoreSchema returns the schema of a PostgreSQL datastore.
func DatastoreSchema(ds catalog.Datastore) string {
	if d, ok := ds.(*pgDatastore); ok {
		return d.schema
	}
	return ""
}

// FoldRow folds a row's values as its _full_text column holds them.
func FoldRow(values ...string) string {
	var f rowFolder
	f.reset()
	for _, v := range values {
		f.add(v)
	}
	return f.text()
}

// FoldText is foldText, for tests.
var FoldText = foldText
