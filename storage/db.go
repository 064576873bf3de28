package storage

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Config says where the catalogue lives.
type Config struct {
	// DataDir holds the SQLite catalogue when DatabaseURL is empty.
	DataDir string
	// DatabaseURL is empty for SQLite in DataDir, or postgres://… for
	// PostgreSQL.
	DatabaseURL string
	// Logger receives slow-query and error logs; nil discards them.
	Logger *slog.Logger
}

// Dialect names the database behind a DB.
type Dialect string

// Supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is an open, migrated catalogue database.
type DB struct {
	gorm    *gorm.DB
	dialect Dialect
	// now returns the current time; tests replace it to control
	// metadata_modified.
	now func() time.Time
}

// sqliteFile is the catalogue's file name inside the data directory.
const sqliteFile = "catalog.db"

// Open connects to the database named by cfg, creating the data directory
// and SQLite file on first use, and runs pending migrations.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	gcfg := &gorm.Config{
		TranslateError: true,
		// Statements are prepared once per connection and kept: parsing
		// and planning them again was a sixth of a package_show's CPU.
		// Bounded, as searches build many distinct statements.
		PrepareStmt:        true,
		PrepareStmtMaxSize: 512,
		PrepareStmtTTL:     time.Hour,
		Logger: logger.NewSlogLogger(log, logger.Config{
			LogLevel:                  logger.Warn,
			SlowThreshold:             500 * time.Millisecond,
			IgnoreRecordNotFoundError: true,
			ParameterizedQueries:      true, // values may be personal data
		}),
		NowFunc: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
	}
	var (
		dialector gorm.Dialector
		dialect   Dialect
	)
	switch u := cfg.DatabaseURL; {
	case u == "":
		if cfg.DataDir == "" {
			return nil, errors.New("open catalogue: no data directory and no database URL")
		}
		if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
			return nil, fmt.Errorf("create data directory: %w", err)
		}
		registerSQLiteDriver()
		dialector = sqlite.New(sqlite.Config{DriverName: sqliteDriver, DSN: sqliteDSN(filepath.Join(cfg.DataDir, sqliteFile))})
		dialect = SQLite
	case strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://"):
		dialector = postgres.Open(u)
		dialect = Postgres
	default:
		return nil, fmt.Errorf("open catalogue: unsupported database URL %q: leave it empty for SQLite or use postgres://", redactURL(u))
	}
	g, err := gorm.Open(dialector, gcfg)
	if err != nil {
		return nil, fmt.Errorf("open %s catalogue: %w", dialect, err)
	}
	sqlDB, err := g.DB()
	if err != nil {
		return nil, fmt.Errorf("open %s catalogue: %w", dialect, err)
	}
	if dialect == SQLite {
		// WAL lets readers proceed during a write; writers queue on the
		// busy timeout. A handful of connections is plenty.
		sqlDB.SetMaxOpenConns(8)
		sqlDB.SetMaxIdleConns(8)
	} else {
		sqlDB.SetMaxOpenConns(20)
		sqlDB.SetMaxIdleConns(10)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	}
	sqlDB.SetConnMaxLifetime(time.Hour)
	db := &DB{gorm: g, dialect: dialect, now: gcfg.NowFunc}
	if err := db.Ping(ctx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("open %s catalogue: %w", dialect, err)
	}
	if err := migrate(ctx, g, dialect); err != nil {
		sqlDB.Close()
		return nil, err
	}
	if err := db.Optimize(ctx); err != nil {
		sqlDB.Close()
		return nil, err
	}
	return db, nil
}

// Optimize refreshes the query planner's statistics where they are missing
// or stale. SQLite plans searches from them (without them it may scan the
// catalogue rather than follow the full-text index); PostgreSQL's
// autovacuum keeps its own, so there it does nothing. Run it at start-up
// and now and then (serve does every ten minutes); it is cheap when
// nothing changed.
func (db *DB) Optimize(ctx context.Context) error {
	if db.dialect != SQLite {
		return nil
	}
	// analysis_limit bounds the rows each ANALYZE looks at; 0x10002 asks
	// for every table that lacks statistics or changed a lot.
	for _, pragma := range []string{"PRAGMA analysis_limit=2000", "PRAGMA optimize=0x10002"} {
		if err := db.gorm.WithContext(ctx).Exec(pragma).Error; err != nil {
			return fmt.Errorf("optimize catalogue: %w", err)
		}
	}
	return nil
}

// sqliteDSN opens the file in WAL mode with a busy timeout and foreign keys
// on. Transactions begin IMMEDIATE: a read-then-write transaction that
// started DEFERRED can fail with SQLITE_BUSY at its first write without
// waiting, which busy_timeout does not cover.
func sqliteDSN(path string) string {
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_busy_timeout", "10000")
	q.Set("_foreign_keys", "on")
	q.Set("_synchronous", "NORMAL")
	q.Set("_txlock", "immediate")
	// Escaped: in a file: URI, "?" and "#" would end the path, so that a
	// data directory named "data#2" opened a file "data" beside it.
	return sqliteURI(path, q)
}

// redactURL hides a password in a database URL before it reaches an error.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unreadable URL)"
	}
	return u.Redacted()
}

// Dialect returns which database db is.
func (db *DB) Dialect() Dialect { return db.dialect }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	sqlDB, err := db.gorm.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

// Close closes the database.
func (db *DB) Close() error {
	sqlDB, err := db.gorm.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// SetClock replaces the clock used for timestamps; for tests.
func (db *DB) SetClock(now func() time.Time) {
	db.now = func() time.Time { return now().UTC().Truncate(time.Microsecond) }
}
