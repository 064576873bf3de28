package storage

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/mattn/go-sqlite3"
	"github.com/passerelle/passerelle/catalog"
)

// SQLite datastore layout: each table is a file <name>.db in the datastore
// directory, holding two tables:
//
//	data ("_id" INTEGER PRIMARY KEY, "c1" …, "cN" …, "_full_text" TEXT)
//	meta (fields TEXT, rows INTEGER, created TEXT)  -- one row
//
// A table is built in <name>.db.tmp with no journal and no syncs, then
// synced and renamed: a committed file never changes, so readers open it
// immutable.
const (
	sqliteDSDir      = "datastore"
	sqliteDSExt      = ".db"
	sqliteDSTmpExt   = ".db.tmp"
	sqliteDSBatch    = 10 // rows per INSERT, as the load anchors found best
	sqliteDSMaxOpen  = 32 // tables kept open for queries
	sqliteDSConns    = 4  // connections per open table
	sqliteDSStaleTmp = time.Hour
)

// sqliteDSDriver is the database/sql driver for reading datastore files:
// go-sqlite3 with a ds_fold SQL function, registered under a name of our
// own so that the "sqlite3" driver gorm uses stays as it is.
const sqliteDSDriver = "passerelle_datastore_sqlite3"

var registerSQLiteDSDriver = sync.OnceFunc(func() {
	// Uncancellable for the reason given at sqliteDriver.
	sql.Register(sqliteDSDriver, uncancellableDriver{&sqlite3.SQLiteDriver{
		ConnectHook: func(c *sqlite3.SQLiteConn) error {
			return c.RegisterFunc("ds_fold", dsFold, true)
		},
	}})
})

type sqliteDatastore struct {
	dir string

	mu     sync.Mutex
	open   map[string]*sqliteDSTable
	clock  int64 // ticks on every use, for eviction
	closed bool
}

// sqliteDSTable is an open table file, shared by concurrent queries.
type sqliteDSTable struct {
	t       *dsTable
	db      *sql.DB
	refs    int
	used    int64
	evicted bool // out of the cache: close when the last user leaves
}

func newSQLiteDatastore(dataDir string) (*sqliteDatastore, error) {
	if dataDir == "" {
		return nil, errors.New("datastore: no data directory")
	}
	dir, err := filepath.Abs(filepath.Join(dataDir, sqliteDSDir))
	if err != nil {
		return nil, fmt.Errorf("datastore: %w", err)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("datastore: create directory: %w", err)
	}
	registerSQLiteDSDriver()
	// Loads interrupted by a crash leave their scratch files behind. A
	// running load writes its file continuously, so an old one is dead.
	if tmps, err := filepath.Glob(filepath.Join(dir, "t_*"+sqliteDSTmpExt)); err == nil {
		for _, p := range tmps {
			if st, err := os.Stat(p); err == nil && time.Since(st.ModTime()) > sqliteDSStaleTmp {
				os.Remove(p)
			}
		}
	}
	return &sqliteDatastore{dir: dir, open: map[string]*sqliteDSTable{}}, nil
}

func (d *sqliteDatastore) path(name string) string {
	return filepath.Join(d.dir, name+sqliteDSExt)
}

// sqliteURI returns a file: URI for path with query parameters.
func sqliteURI(path string, q url.Values) string {
	u := url.URL{Scheme: "file", OmitHost: true, Path: filepath.ToSlash(path), RawQuery: q.Encode()}
	return u.String()
}

// Close closes the open table files. Queries still running finish first.
func (d *sqliteDatastore) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.closed = true
	for name, e := range d.open {
		delete(d.open, name)
		d.evict(e)
	}
	return nil
}

// acquire returns the open table name, opening it if needed; release it
// after use.
func (d *sqliteDatastore) acquire(ctx context.Context, name string) (*sqliteDSTable, error) {
	if !validTableName(name) {
		return nil, tableNotFound(name)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil, errors.New("datastore: closed")
	}
	d.clock++
	if e, ok := d.open[name]; ok {
		e.refs++
		e.used = d.clock
		return e, nil
	}
	// Opening under the lock keeps Drop from racing with it; it is one
	// small read of a local file.
	e, err := d.openTable(ctx, name)
	if err != nil {
		return nil, err
	}
	e.refs, e.used = 1, d.clock
	d.open[name] = e
	if len(d.open) > sqliteDSMaxOpen {
		var lru *sqliteDSTable
		var lruName string
		for n, o := range d.open {
			if o.refs == 0 && (lru == nil || o.used < lru.used) {
				lru, lruName = o, n
			}
		}
		if lru != nil {
			delete(d.open, lruName)
			d.evict(lru)
		}
	}
	return e, nil
}

func (d *sqliteDatastore) release(e *sqliteDSTable) {
	d.mu.Lock()
	defer d.mu.Unlock()
	e.refs--
	if e.refs == 0 && e.evicted {
		e.db.Close()
	}
}

// evict takes e out of service; d.mu is held.
func (d *sqliteDatastore) evict(e *sqliteDSTable) {
	e.evicted = true
	if e.refs == 0 {
		e.db.Close()
	}
}

func (d *sqliteDatastore) openTable(ctx context.Context, name string) (*sqliteDSTable, error) {
	path := d.path(name)
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, tableNotFound(name)
		}
		return nil, internal("open datastore table", err)
	}
	q := url.Values{}
	q.Set("mode", "ro")
	q.Set("immutable", "1")
	q.Set("_cache_size", "-1024") // KiB per connection; the OS caches the file
	db, err := sql.Open(sqliteDSDriver, sqliteURI(path, q))
	if err != nil {
		return nil, internal("open datastore table", err)
	}
	db.SetMaxOpenConns(sqliteDSConns)
	db.SetMaxIdleConns(2)
	db.SetConnMaxIdleTime(5 * time.Minute)
	var (
		fieldsJSON, created string
		rows                int64
	)
	err = db.QueryRowContext(ctx, `SELECT fields, rows, created FROM meta`).Scan(&fieldsJSON, &rows, &created)
	if err != nil {
		db.Close()
		return nil, internal("read datastore table "+name, err)
	}
	ct, err := time.Parse(time.RFC3339Nano, created)
	if err != nil {
		db.Close()
		return nil, internal("read datastore table "+name, err)
	}
	t, err := loadDSTable(name, fieldsJSON, rows, ct)
	if err != nil {
		db.Close()
		return nil, internal("open datastore table", err)
	}
	return &sqliteDSTable{t: t, db: db}, nil
}

// Info describes a committed table.
func (d *sqliteDatastore) Info(ctx context.Context, name string) (*catalog.DatastoreTable, error) {
	e, err := d.acquire(ctx, name)
	if err != nil {
		return nil, err
	}
	defer d.release(e)
	return e.t.info(), nil
}

// sqliteFieldMatch folds the column's text with ds_fold, a Go function.
func sqliteFieldMatch(q *sqlQuery, c dsColumn, text string) {
	if c.Type == catalog.DatastoreBool {
		q.WriteString("ds_fold(CASE " + c.col + " WHEN 1 THEN 'true' WHEN 0 THEN 'false' ELSE '' END)")
	} else {
		q.WriteString("ds_fold(coalesce(CAST(" + c.col + " AS TEXT),''))")
	}
	q.WriteString(" LIKE ")
	q.arg(likeContains(text))
	q.WriteString(` ESCAPE '\'`)
}

// dsFold is the ds_fold SQL function: foldText, faster.
func dsFold(s string) string {
	var f rowFolder
	f.reset()
	f.add(s)
	return f.text()
}

// Search runs q over a committed table.
func (d *sqliteDatastore) Search(ctx context.Context, name string, q catalog.DatastoreQuery) (*catalog.DatastoreResult, error) {
	e, err := d.acquire(ctx, name)
	if err != nil {
		return nil, err
	}
	defer d.release(e)
	t := e.t
	sel, count, out, err := buildSearch(t, "data", q, false, sqliteFieldMatch)
	if err != nil {
		return nil, err
	}
	return runSearch(ctx, e.db, t, q, sel, count, out, internal)
}

// Dump streams the rows of a table in _id order.
func (d *sqliteDatastore) Dump(ctx context.Context, name string, fields []string, emit func(row []any) error) error {
	e, err := d.acquire(ctx, name)
	if err != nil {
		return err
	}
	defer d.release(e)
	return dumpRows(ctx, e.db, e.t, "data", false, fields, emit)
}

// dumpRows streams the rows of t, read from the table from, through emit.
func dumpRows(ctx context.Context, db *sql.DB, t *dsTable, from string, pg bool, fields []string, emit func(row []any) error) error {
	out, err := resolveFields(t, fields)
	if err != nil {
		return err
	}
	q := &sqlQuery{pg: pg}
	q.WriteString("SELECT ")
	selectList(q, t, out)
	q.WriteString(` FROM ` + from + ` ORDER BY "` + colID + `"`)
	rows, err := db.QueryContext(ctx, q.String())
	if err != nil {
		return internal("datastore dump", err)
	}
	defer rows.Close()
	sc := newRowScanner(t, out)
	for rows.Next() {
		rec, err := sc.scan(rows)
		if err != nil {
			return internal("datastore dump", err)
		}
		if err := emit(rec); err != nil {
			return err
		}
	}
	return internal("datastore dump", rows.Err())
}

// Drop removes a table's file.
func (d *sqliteDatastore) Drop(ctx context.Context, name string) error {
	if !validTableName(name) {
		return nil
	}
	d.mu.Lock()
	if e, ok := d.open[name]; ok {
		delete(d.open, name)
		d.evict(e)
	}
	d.mu.Unlock()
	if err := os.Remove(d.path(name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return internal("drop datastore table", err)
	}
	return nil
}

// Create starts loading a new table into a scratch file.
func (d *sqliteDatastore) Create(ctx context.Context, fields []catalog.DatastoreField) (catalog.TableWriter, error) {
	name := newTableName()
	t, err := newDSTable(name, fields)
	if err != nil {
		return nil, err
	}
	w := &sqliteWriter{ctx: ctx, t: t, tmp: filepath.Join(d.dir, name+sqliteDSTmpExt), final: d.path(name)}
	if err := w.start(); err != nil {
		w.Abort()
		return nil, internal("create datastore table", err)
	}
	return w, nil
}

// Loading. Append converts the values and folds the row's text into
// chunks of rows; a goroutine executes them, sqliteDSBatch rows per
// INSERT, so that the Go work and SQLite's overlap on two cores.
const (
	sqliteDSChunk  = 25 * sqliteDSBatch // rows per chunk
	sqliteDSChunks = 3                  // chunks in flight: memory stays flat
)

// sqliteChunk is rows of INSERT arguments, numbered for sqliteDSBatch-row
// statements.
//
// Filling a row allocates nothing: each argument slot has a value of its
// column's Go type in strs, nums or ints, and in vals an interface made
// once by pointAt that reads it (boxing every value, as any(v) does, cost
// eight allocations a row and a fifth of the loading time). The rows'
// folded texts are laid end to end in text, their strs point into it. The
// executing goroutine reads the values when the statement runs (the driver
// copies texts into its own buffer); a chunk is refilled only after it
// came back.
type sqliteChunk struct {
	args []driver.NamedValue
	rows int
	strs []string
	nums []float64
	ints []int64
	vals []any
	text []byte
}

// newSQLiteChunk returns a chunk for rows of the table's columns, then
// _full_text.
func newSQLiteChunk(cols []dsColumn, width int) *sqliteChunk {
	n := sqliteDSChunk * width
	c := &sqliteChunk{
		args: make([]driver.NamedValue, n), strs: make([]string, n),
		nums: make([]float64, n), ints: make([]int64, n), vals: make([]any, n),
	}
	for i := range c.args {
		c.args[i].Ordinal = i%(sqliteDSBatch*width) + 1
		typ := catalog.DatastoreText // _full_text
		if k := i % width; k < len(cols) {
			typ = cols[k].Type
		}
		switch typ {
		case catalog.DatastoreNumeric:
			c.vals[i] = pointAt(&c.nums[i])
		case catalog.DatastoreInt, catalog.DatastoreBool:
			c.vals[i] = pointAt(&c.ints[i])
		default:
			c.vals[i] = pointAt(&c.strs[i])
		}
	}
	return c
}

// pointAt returns an interface holding a T that is *p, read where p
// points: unlike any(*p), it neither copies nor allocates, and it sees
// later writes to *p. It relies on the layout of an interface of a
// non-pointer type, a type word and a pointer to the value, which
// TestPointAt checks.
func pointAt[T string | float64 | int64](p *T) any {
	var zero T
	v := any(zero)
	(*[2]unsafe.Pointer)(unsafe.Pointer(&v))[1] = unsafe.Pointer(p)
	return v
}

// sqliteWriter loads rows through a raw driver connection: a prepared
// INSERT of sqliteDSBatch rows, in one transaction, on a file with no
// journal (a failed load is thrown away whole).
type sqliteWriter struct {
	ctx        context.Context
	t          *dsTable
	tmp, final string
	conn       *sqlite3.SQLiteConn
	width      int // values per row: fields and _full_text (_id is the rowid)
	state      int // 0 loading, 1 committed, 2 aborted

	// Owned by Append.
	cur  *sqliteChunk
	rows int64
	fold rowFolder

	// The executing goroutine takes chunks from full and gives them back
	// on free; it closes failed after setting execErr, and done when full
	// is closed and drained.
	full, free chan *sqliteChunk
	fullOpen   bool
	failed     chan struct{}
	done       chan struct{}
	execErr    error
	aborting   atomic.Bool // skip what is still queued
}

func (w *sqliteWriter) Name() string { return w.t.name }

func (w *sqliteWriter) start() error {
	q := url.Values{}
	q.Set("_journal_mode", "OFF")
	q.Set("_synchronous", "OFF")
	q.Set("_locking_mode", "EXCLUSIVE")
	c, err := (&sqlite3.SQLiteDriver{}).Open(sqliteURI(w.tmp, q))
	if err != nil {
		return err
	}
	w.conn = c.(*sqlite3.SQLiteConn)
	// Large pages: fewer, larger writes (the load rate went from 0.43 to
	// 0.55 M rows/s in BenchmarkDatastoreLoad). A 2 MiB cache loads as
	// fast as 8 MiB (the table grows at its end; the cache holds the
	// pages not yet written) and keeps 6 MiB out of the peak RSS.
	var ddl strings.Builder
	ddl.WriteString(`PRAGMA page_size=65536; PRAGMA cache_size=-2048;
CREATE TABLE data ("` + colID + `" INTEGER PRIMARY KEY`)
	for _, c := range w.t.cols[1:] {
		ddl.WriteString(", " + c.col + " " + sqliteType(c.Type))
	}
	ddl.WriteString(`, "` + colFullText + `" TEXT);
CREATE TABLE meta (fields TEXT NOT NULL, rows INTEGER NOT NULL, created TEXT NOT NULL);
BEGIN`)
	if _, err := w.conn.Exec(ddl.String(), nil); err != nil {
		return err
	}
	w.width = len(w.t.cols)
	stmt, err := w.conn.Prepare(w.insertSQL(sqliteDSBatch))
	if err != nil {
		return err
	}
	w.full = make(chan *sqliteChunk, sqliteDSChunks)
	w.free = make(chan *sqliteChunk, sqliteDSChunks)
	w.failed = make(chan struct{})
	w.done = make(chan struct{})
	for range sqliteDSChunks {
		w.free <- newSQLiteChunk(w.t.cols[1:], w.width)
	}
	w.fullOpen = true
	go w.exec(stmt)
	return nil
}

// exec runs the INSERTs of every chunk sent on full.
func (w *sqliteWriter) exec(stmt driver.Stmt) {
	defer close(w.done)
	defer stmt.Close()
	stmtRows := sqliteDSBatch * w.width
	for c := range w.full {
		if w.execErr == nil && !w.aborting.Load() {
			var err error
			n := c.rows * w.width
			k := 0
			for ; k+stmtRows <= n && err == nil; k += stmtRows {
				err = execFused(stmt, c.args[k:k+stmtRows])
			}
			if k < n && err == nil { // the last rows of the table
				var tail driver.Stmt
				if tail, err = w.conn.Prepare(w.insertSQL((n - k) / w.width)); err == nil {
					err = execFused(tail, c.args[k:n])
					tail.Close()
				}
			}
			if err != nil {
				w.execErr = fmt.Errorf("datastore load: %w", err)
				close(w.failed)
			}
		}
		w.free <- c
	}
}

// execFused runs an INSERT through the driver's query path, which binds
// every value and steps in one cgo call, where Exec makes one call per
// value. The statement runs at the first step, before Query returns (as
// go-sqlite3 documents), and Close resets it.
func execFused(st driver.Stmt, args []driver.NamedValue) error {
	rows, err := st.(driver.StmtQueryContext).QueryContext(context.Background(), args)
	if err != nil {
		return err
	}
	return rows.Close()
}

// sqliteType is the declared type of a column. Dates stay TEXT: a DATE
// declaration would make go-sqlite3 return time.Time.
func sqliteType(typ string) string {
	switch typ {
	case catalog.DatastoreInt, catalog.DatastoreBool:
		return "INTEGER"
	case catalog.DatastoreNumeric:
		return "REAL"
	}
	return "TEXT"
}

func (w *sqliteWriter) insertSQL(rows int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO data (")
	for _, c := range w.t.cols[1:] {
		b.WriteString(c.col + ",")
	}
	b.WriteString(`"` + colFullText + `") VALUES `)
	row := "(" + strings.TrimSuffix(strings.Repeat("?,", w.width), ",") + ")"
	for i := range rows {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(row)
	}
	return b.String()
}

// Append adds one row.
func (w *sqliteWriter) Append(row []string) error {
	if w.state != 0 {
		return errors.New("datastore: append to a finished table")
	}
	fields := w.t.cols[1:]
	if len(row) != len(fields) {
		return fmt.Errorf("datastore: row %d has %d values for %d fields", w.rows+1, len(row), len(fields))
	}
	if w.rows%4096 == 0 {
		if err := w.ctx.Err(); err != nil {
			return err
		}
	}
	if w.cur == nil {
		select {
		case w.cur = <-w.free:
			w.cur.rows = 0
			w.cur.text = w.cur.text[:0]
		case <-w.failed:
			return w.execErr
		}
	}
	c := w.cur
	base := c.rows * w.width
	args := c.args[base : base+w.width]
	w.fold.reset()
	for i, s := range row {
		if s == "" {
			args[i].Value = nil
			continue
		}
		k := base + i
		var err error
		switch typ := fields[i].Type; typ {
		case catalog.DatastoreText:
			c.strs[k] = s
		case catalog.DatastoreNumeric:
			c.nums[k], err = parseDSNumeric(s)
		case catalog.DatastoreInt:
			c.ints[k], err = parseDSInt(s)
		case catalog.DatastoreBool:
			var b bool
			b, err = parseDSBool(s)
			c.ints[k] = 0
			if b {
				c.ints[k] = 1
			}
		case catalog.DatastoreDate:
			if _, _, _, ok := splitDSDate(s); !ok {
				err = errNoValue
			}
			c.strs[k] = s
		default:
			var v any
			if v, err = dsValue(typ, s, false); err == nil {
				c.strs[k] = v.(string)
			}
		}
		if err != nil {
			return appendError(w.rows+1, fields[i], s)
		}
		args[i].Value = c.vals[k]
		w.fold.add(s)
	}
	n := len(c.text)
	c.text = appendFolded(c.text, &w.fold)
	c.strs[base+len(fields)] = unsafe.String(unsafe.SliceData(c.text[n:]), len(c.text)-n)
	args[len(fields)].Value = c.vals[base+len(fields)]
	w.rows++
	w.cur.rows++
	if w.cur.rows == sqliteDSChunk {
		return w.send()
	}
	return nil
}

// appendFolded appends the row folded by f to dst, as f.text returns it.
func appendFolded(dst []byte, f *rowFolder) []byte {
	b := f.b
	if len(b) > 0 && b[len(b)-1] == ' ' {
		b = b[:len(b)-1]
	}
	return append(dst, b...)
}

// send hands the current chunk to the executing goroutine.
func (w *sqliteWriter) send() error {
	select {
	case w.full <- w.cur:
		w.cur = nil
		return nil
	case <-w.failed:
		return w.execErr
	}
}

// finish sends what is left unless aborting, waits for the executing
// goroutine and returns its error.
func (w *sqliteWriter) finish() error {
	if !w.fullOpen {
		return nil
	}
	var err error
	if w.cur != nil && w.cur.rows > 0 && !w.aborting.Load() {
		err = w.send()
	}
	w.fullOpen = false
	close(w.full)
	<-w.done
	if w.execErr != nil {
		return w.execErr
	}
	return err
}

// Commit writes the metadata, syncs the file and moves it to its final
// name.
func (w *sqliteWriter) Commit() (int64, error) {
	if w.state != 0 {
		return 0, errors.New("datastore: table already committed or aborted")
	}
	if err := w.commit(); err != nil {
		w.Abort()
		return 0, internal("commit datastore table", err)
	}
	w.state = 1
	return w.rows, nil
}

func (w *sqliteWriter) commit() error {
	if err := w.finish(); err != nil {
		return err
	}
	if err := w.ctx.Err(); err != nil {
		return err
	}
	w.t.created = time.Now().UTC().Truncate(time.Microsecond)
	w.t.rows = w.rows
	_, err := w.conn.Exec(`INSERT INTO meta (fields, rows, created) VALUES (?, ?, ?); COMMIT`, []driver.Value{
		w.t.fieldsJSON(), w.rows, w.t.created.Format(time.RFC3339Nano),
	})
	if err != nil {
		return err
	}
	if err := w.closeConn(); err != nil {
		return err
	}
	if err := syncFile(w.tmp); err != nil {
		return err
	}
	if err := os.Rename(w.tmp, w.final); err != nil {
		return err
	}
	return syncFile(filepath.Dir(w.final))
}

func (w *sqliteWriter) closeConn() error {
	if w.conn == nil {
		return nil
	}
	err := w.conn.Close()
	w.conn = nil
	return err
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Abort discards the scratch file; after Commit it does nothing.
func (w *sqliteWriter) Abort() {
	if w.state == 1 {
		return
	}
	w.state = 2
	w.aborting.Store(true)
	w.finish()
	w.closeConn()
	os.Remove(w.tmp)
}
