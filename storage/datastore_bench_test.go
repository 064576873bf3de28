package storage_test

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/passerelle/passerelle/catalog"
	"github.com/passerelle/passerelle/storage"
	"github.com/passerelle/passerelle/storage/storagetest"
)

// dsBenchDatastores calls f for SQLite and, when configured, PostgreSQL,
// with a fresh datastore. PASSERELLE_BENCH_DIR, when set, holds the SQLite
// tables instead of a temporary directory, and keeps them for comparisons
// with the sqlite3 shell.
func dsBenchDatastores(b *testing.B, f func(b *testing.B, ds catalog.Datastore)) {
	b.Run("sqlite", func(b *testing.B) {
		dir := os.Getenv("PASSERELLE_BENCH_DIR")
		if dir == "" {
			dir = b.TempDir()
		}
		ds, err := storage.NewDatastore(storagetest.OpenSQLite(b), dir)
		if err != nil {
			b.Fatal(err)
		}
		defer ds.(interface{ Close() error }).Close()
		f(b, ds)
	})
	b.Run("postgres", func(b *testing.B) {
		f(b, dsOpen(b, storagetest.OpenPostgres(b)))
	})
}

// dsBenchLoadRows is the size of the generator's M file.
func dsBenchLoadRows() int {
	if testing.Short() {
		return 100_000
	}
	return 1_000_000
}

// BenchmarkDatastoreLoad loads the M file's worth of generated rows (9
// columns: int, text, date, numeric, bool) into a new table, commit
// included. MB/s counts the rows as normalised CSV bytes.
//
// With PASSERELLE_BENCH_ROWS set to a normalised CSV of the generator's
// columns (e.g. the M file through bench/converters -mode normalize), it
// loads that file's rows instead, read into memory before the timer
// starts: what is timed is Create, Append for every row (conversion to
// the column types, the row's folded text, the INSERTs on a second
// goroutine) and Commit (metadata, sync, rename), as in an ingestion.
func BenchmarkDatastoreLoad(b *testing.B) {
	var block [][]string
	n := dsBenchLoadRows()
	if path := os.Getenv("PASSERELLE_BENCH_ROWS"); path != "" {
		block = dsBenchReadRows(b, path)
		n = len(block)
	} else {
		block = dsBenchRows(100_000) // cycled: generating rows is not what is measured
	}
	var blockBytes int64
	for _, r := range block {
		for _, v := range r {
			blockBytes += int64(len(v)) + 1
		}
	}
	dsBenchDatastores(b, func(b *testing.B, ds catalog.Datastore) {
		ctx := context.Background()
		b.SetBytes(blockBytes * int64(n) / int64(len(block)))
		b.ReportAllocs()
		rows := 0
		for b.Loop() {
			w, err := ds.Create(ctx, dsBenchFields)
			if err != nil {
				b.Fatal(err)
			}
			for i := range n {
				if err := w.Append(block[i%len(block)]); err != nil {
					b.Fatal(err)
				}
			}
			if _, err := w.Commit(); err != nil {
				b.Fatal(err)
			}
			rows += n
			b.StopTimer()
			if err := ds.Drop(ctx, w.Name()); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	})
}

// dsBenchReadRows reads a normalised CSV with dsBenchFields' columns.
func dsBenchReadRows(b *testing.B, path string) [][]string {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReaderSize(f, 1<<20))
	rows, err := r.ReadAll()
	if err != nil {
		b.Fatal(err)
	}
	if len(rows) < 2 || len(rows[0]) != len(dsBenchFields) {
		b.Fatalf("%s: want a header of %d columns and rows", path, len(dsBenchFields))
	}
	for i, f := range dsBenchFields {
		if rows[0][i] != f.ID {
			b.Fatalf("%s: column %d is %q, want %q", path, i+1, rows[0][i], f.ID)
		}
	}
	return rows[1:]
}

// BenchmarkDatastoreSearch queries a table of the M file's size, built
// once per database: the default page, a deep page, filters, full text.
func BenchmarkDatastoreSearch(b *testing.B) {
	if testing.Short() {
		b.Skip("builds a 1M-row table")
	}
	n := dsBenchLoadRows()
	dsBenchDatastores(b, func(b *testing.B, ds catalog.Datastore) {
		ctx := context.Background()
		w, err := ds.Create(ctx, dsBenchFields)
		if err != nil {
			b.Fatal(err)
		}
		row := make([]string, len(dsBenchFields))
		for i := range n {
			dsBenchRow(i, row)
			if err := w.Append(row); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := w.Commit(); err != nil {
			b.Fatal(err)
		}
		name := w.Name()
		if dir := storage.DatastoreDir(ds); dir != "" {
			b.Logf("SQLite table: %s", filepath.Join(dir, name+".db"))
		}
		lyon := map[string][]string{"commune": {"Lyon"}}
		for _, bc := range []struct {
			name string
			q    catalog.DatastoreQuery
		}{
			{"default", catalog.DatastoreQuery{}},
			{"default-no-total", catalog.DatastoreQuery{IncludeTotal: false}},
			{"offset-900k", catalog.DatastoreQuery{Offset: 900_000}},
			{"filter", catalog.DatastoreQuery{Filters: lyon}},
			{"filter-no-total", catalog.DatastoreQuery{Filters: lyon, IncludeTotal: false}},
			{"filter-int", catalog.DatastoreQuery{Filters: map[string][]string{"id": {"500000"}}}},
			{"q", catalog.DatastoreQuery{Q: "coeur"}},
			{"q-rare", catalog.DatastoreQuery{Q: "charleville mezieres fonctionnement"}},
			{"qfields", catalog.DatastoreQuery{QFields: map[string]string{"commune": "étienne"}}},
			{"sort-montant", catalog.DatastoreQuery{Sort: []catalog.SortKey{{Field: "montant", Desc: true}}}},
			{"distinct", catalog.DatastoreQuery{Fields: []string{"commune"}, Distinct: true}},
		} {
			q := bc.q
			q.Limit = catalog.DatastoreDefaultLimit
			q.IncludeTotal = !strings.HasSuffix(bc.name, "no-total")
			b.Run(bc.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					res, err := ds.Search(ctx, name, q)
					if err != nil {
						b.Fatal(err)
					}
					if len(res.Records) == 0 {
						b.Fatal("no records")
					}
				}
			})
		}
		if dir := storage.DatastoreDir(ds); dir != "" {
			dsBenchRawSQLite(b, filepath.Join(dir, name+".db"))
		}
	})
}

// dsBenchRawSQLite runs the SQL that Search sends for the default page and
// the filter, straight through database/sql on the same file: the floor
// the datastore's overhead is measured against.
func dsBenchRawSQLite(b *testing.B, path string) {
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro&immutable=1")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	cols := `"_id","c1","c2","c3","c4","c5","c6","c7","c8","c9"`
	for _, bc := range []struct {
		name  string
		query string
		args  []any
	}{
		{"raw-default", `SELECT ` + cols + ` FROM data ORDER BY "_id" ASC LIMIT ? OFFSET ?`, []any{100, 0}},
		{"raw-filter-count", `SELECT count(*) FROM data WHERE ("c3"=?)`, []any{"Lyon"}},
		{"raw-filter-page", `SELECT ` + cols + ` FROM data WHERE ("c3"=?) ORDER BY "_id" ASC LIMIT ? OFFSET ?`, []any{"Lyon", 100, 0}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				rows, err := db.Query(bc.query, bc.args...)
				if err != nil {
					b.Fatal(err)
				}
				vals := make([]any, 10)
				ptrs := make([]any, 10)
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				for rows.Next() {
					cs, _ := rows.Columns()
					if err := rows.Scan(ptrs[:len(cs)]...); err != nil {
						b.Fatal(err)
					}
				}
				rows.Close()
			}
		})
	}
}
