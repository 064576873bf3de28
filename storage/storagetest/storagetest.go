// Package storagetest opens throwaway catalogue databases for tests: SQLite
// in a temporary directory, and PostgreSQL when a server is configured, so
// that one suite runs on both.
package storagetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/passerelle/passerelle/storage"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// PostgresURLEnv names the variable that points the suites at a
// PostgreSQL server (any database the user may create schemas in).
const PostgresURLEnv = "PASSERELLE_TEST_DATABASE_URL"

// Run calls f once per available database, each in a subtest named after
// the dialect with a fresh, migrated catalogue. SQLite always runs.
// PostgreSQL runs when PASSERELLE_TEST_DATABASE_URL is set; otherwise the
// subtest is skipped, except under CI=true, where it fails: CI must test
// both.
func Run(t *testing.T, f func(t *testing.T, db *storage.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { f(t, OpenSQLite(t)) })
	t.Run("postgres", func(t *testing.T) { f(t, OpenPostgres(t)) })
}

// OpenSQLite returns a new catalogue in a temporary directory, closed when
// the test ends.
func OpenSQLite(t testing.TB) *storage.DB {
	t.Helper()
	db, err := storage.Open(context.Background(), storage.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatalf("open SQLite catalogue: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// RunConfig calls f once per available database, as Run does, with the
// Config of a fresh catalogue that nothing has opened yet: for tests that
// open it themselves, as several instances or an older release would.
func RunConfig(t *testing.T, f func(t *testing.T, cfg storage.Config)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { f(t, storage.Config{DataDir: t.TempDir()}) })
	t.Run("postgres", func(t *testing.T) { f(t, storage.Config{DatabaseURL: PostgresURL(t)}) })
}

// OpenPostgres returns a new catalogue in a schema of its own on the
// configured PostgreSQL server, dropped when the test ends. It skips the
// test when no server is configured (fails under CI=true).
func OpenPostgres(t testing.TB) *storage.DB {
	t.Helper()
	db, err := storage.Open(context.Background(), storage.Config{DatabaseURL: PostgresURL(t)})
	if err != nil {
		t.Fatalf("open PostgreSQL catalogue: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// PostgresURL returns the URL of an empty schema of its own on the
// configured PostgreSQL server, dropped when the test ends. It skips the
// test when no server is configured (fails under CI=true).
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresURLEnv)
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set: CI must run the PostgreSQL suite", PostgresURLEnv)
		}
		t.Skipf("PostgreSQL suite skipped: set %s=postgres://… to run it", PostgresURLEnv)
	}
	admin, err := gorm.Open(postgres.Open(base), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatalf("connect to PostgreSQL: %v", err)
	}
	sqlAdmin, _ := admin.DB()
	t.Cleanup(func() { sqlAdmin.Close() })
	b := make([]byte, 6)
	rand.Read(b)
	schema := "test_" + hex.EncodeToString(b)
	if err := admin.Exec("CREATE SCHEMA " + schema).Error; err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() { admin.Exec("DROP SCHEMA " + schema + " CASCADE") })
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", PostgresURLEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema) // pgx passes unknown parameters to the server
	u.RawQuery = q.Encode()
	return u.String()
}
