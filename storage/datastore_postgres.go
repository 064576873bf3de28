package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/passerelle/passerelle/catalog"
)

// PostgreSQL datastore layout. The tables live in the schema "datastore"
// when the catalogue is in public (the default search_path), and in the
// catalogue's own schema otherwise: catalogues sharing a server never see
// each other's tables, and dropping a catalogue's schema drops its
// datastore too. The schema holds
//
//	datastore_tables (name text PRIMARY KEY, fields jsonb, rows bigint, created timestamptz)
//	t_<hex> ("_id" bigint PRIMARY KEY, "c1" …, "cN" …, "_full_text" text)
//
// A table is created, filled with COPY and registered in datastore_tables
// in one transaction, so it appears whole or not at all.

// pgDSMaxCache is how many committed tables keep their metadata in memory.
const pgDSMaxCache = 1024

type pgDatastore struct {
	db     *sql.DB
	schema string // unquoted
	qs     string // quoted
	meta   string // quoted, qualified datastore_tables

	mu    sync.Mutex
	cache map[string]*dsTable
}

func newPostgresDatastore(db *DB) (*pgDatastore, error) {
	sqlDB, err := db.gorm.DB()
	if err != nil {
		return nil, fmt.Errorf("datastore: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var current sql.NullString
	if err := sqlDB.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&current); err != nil {
		return nil, fmt.Errorf("datastore: current schema: %w", err)
	}
	if !current.Valid {
		return nil, errors.New("datastore: the catalogue has no current schema (check search_path)")
	}
	schema := current.String
	if schema == "public" {
		schema = "datastore"
	}
	return openPostgresDatastore(ctx, sqlDB, schema)
}

// openPostgresDatastore uses schema, creating it and the metadata table
// when missing.
func openPostgresDatastore(ctx context.Context, sqlDB *sql.DB, schema string) (*pgDatastore, error) {
	qs := pgx.Identifier{schema}.Sanitize()
	d := &pgDatastore{db: sqlDB, schema: schema, qs: qs, meta: qs + `."datastore_tables"`, cache: map[string]*dsTable{}}
	_, err := sqlDB.ExecContext(ctx, `CREATE SCHEMA IF NOT EXISTS `+d.qs)
	if err != nil && !isPgCode(err, "42P06", "23505") { // a concurrent creation won
		return nil, fmt.Errorf("datastore: create schema %s: %w", schema, err)
	}
	_, err = sqlDB.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS `+d.meta+` (
	name text PRIMARY KEY,
	fields jsonb NOT NULL,
	rows bigint NOT NULL,
	created timestamptz NOT NULL)`)
	if err != nil && !isPgCode(err, "42P07", "23505") {
		return nil, fmt.Errorf("datastore: create %s.datastore_tables: %w", schema, err)
	}
	return d, nil
}

func isPgCode(err error, codes ...string) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return false
	}
	for _, c := range codes {
		if pe.Code == c {
			return true
		}
	}
	return false
}

// Close does nothing: the connections belong to the catalogue.
func (d *pgDatastore) Close() error { return nil }

func (d *pgDatastore) from(name string) string {
	return d.qs + `."` + name + `"`
}

// table returns a committed table's metadata.
func (d *pgDatastore) table(ctx context.Context, name string) (*dsTable, error) {
	if !validTableName(name) {
		return nil, tableNotFound(name)
	}
	d.mu.Lock()
	t, ok := d.cache[name]
	d.mu.Unlock()
	if ok {
		return t, nil
	}
	var (
		fields  string
		rows    int64
		created time.Time
	)
	err := d.db.QueryRowContext(ctx, `SELECT fields::text, rows, created FROM `+d.meta+` WHERE name = $1`, name).
		Scan(&fields, &rows, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tableNotFound(name)
	}
	if err != nil {
		return nil, internal("read datastore table", err)
	}
	t, err = loadDSTable(name, fields, rows, created)
	if err != nil {
		return nil, internal("read datastore table", err)
	}
	d.mu.Lock()
	if len(d.cache) >= pgDSMaxCache {
		for k := range d.cache { // any one: reloading is one small query
			delete(d.cache, k)
			break
		}
	}
	d.cache[name] = t
	d.mu.Unlock()
	return t, nil
}

// gone maps a query on a table dropped meanwhile (by another process) to
// not found.
func (d *pgDatastore) gone(name, what string, err error) error {
	if isPgCode(err, "42P01") {
		d.mu.Lock()
		delete(d.cache, name)
		d.mu.Unlock()
		return tableNotFound(name)
	}
	return internal(what, err)
}

// Info describes a committed table.
func (d *pgDatastore) Info(ctx context.Context, name string) (*catalog.DatastoreTable, error) {
	t, err := d.table(ctx, name)
	if err != nil {
		return nil, err
	}
	return t.info(), nil
}

// pgFieldMatch matches the column's text against a regular expression
// built from the folded text: each letter stands for its accented and
// upper-case forms, each space for a run of other characters. Folding
// every value in SQL instead (translate, regexp_replace) was 10 times
// slower.
func pgFieldMatch(q *sqlQuery, c dsColumn, text string) {
	switch c.Type {
	case catalog.DatastoreTimestamp: // as stored in SQLite
		q.WriteString("replace(CAST(" + c.col + " AS text),' ','T')")
	default:
		q.WriteString("CAST(" + c.col + " AS text)")
	}
	q.WriteString(" ~* ")
	q.arg(foldedRegexp(text))
}

// foldedRegexp returns a PostgreSQL regular expression matching the texts
// whose foldText contains folded.
func foldedRegexp(folded string) string {
	var b strings.Builder
	rs := []rune(folded)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		if i+1 < len(rs) {
			if lig, ok := foldLigatures[string(rs[i:i+2])]; ok {
				b.WriteString("(?:" + letterClass(r) + letterClass(rs[i+1]) + "|[" + lig + "])")
				i++
				continue
			}
		}
		switch {
		case r == ' ':
			b.WriteString("[^[:alnum:]]+")
		case '0' <= r && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteString(letterClass(r))
		}
	}
	return b.String()
}

// foldLigatures are the letters foldText turns into two.
var foldLigatures = map[string]string{"oe": "œŒ", "ae": "æÆ", "ss": "ß"}

// letterClass matches a folded letter in any of the forms foldText turns
// into it (upper case, with diacritics), followed by any combining
// accents.
func letterClass(r rune) string {
	u := unicode.ToUpper(r)
	if u == r {
		return "[" + string(r) + foldForms[r] + `][\u0300-\u036f]*`
	}
	return "[" + string(r) + string(u) + foldForms[r] + `][\u0300-\u036f]*`
}

// foldForms lists, for each letter, the letters with diacritics or in
// upper case that foldText folds to it, among the runes it has a table
// for.
var foldForms = func() map[rune]string {
	forms := map[rune]string{}
	for r, f := range runeFoldTable {
		if f == "" || utf8.RuneCountInString(f) != 1 {
			continue
		}
		if fr := []rune(f)[0]; fr != rune(r) && fr != ' ' {
			forms[fr] += string(rune(r))
		}
	}
	return forms
}()

// Search runs q over a committed table.
func (d *pgDatastore) Search(ctx context.Context, name string, q catalog.DatastoreQuery) (*catalog.DatastoreResult, error) {
	t, err := d.table(ctx, name)
	if err != nil {
		return nil, err
	}
	sel, count, out, err := buildSearch(t, d.from(name), q, true, pgFieldMatch)
	if err != nil {
		return nil, err
	}
	return runSearch(ctx, d.db, t, q, sel, count, out, func(what string, err error) error { return d.gone(name, what, err) })
}

// Dump streams the rows of a table in _id order.
func (d *pgDatastore) Dump(ctx context.Context, name string, fields []string, emit func(row []any) error) error {
	t, err := d.table(ctx, name)
	if err != nil {
		return err
	}
	err = dumpRows(ctx, d.db, t, d.from(name), true, fields, emit)
	if err != nil && isPgCode(err, "42P01") {
		return d.gone(name, "datastore dump", err)
	}
	return err
}

// Drop removes a table and its metadata.
func (d *pgDatastore) Drop(ctx context.Context, name string) error {
	if !validTableName(name) {
		return nil
	}
	d.mu.Lock()
	delete(d.cache, name)
	d.mu.Unlock()
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return internal("drop datastore table", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DROP TABLE IF EXISTS `+d.from(name)); err != nil {
		return internal("drop datastore table", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM `+d.meta+` WHERE name = $1`, name); err != nil {
		return internal("drop datastore table", err)
	}
	return internal("drop datastore table", tx.Commit())
}

// pgType is a column's PostgreSQL type.
func pgType(typ string) string {
	switch typ {
	case catalog.DatastoreInt:
		return "bigint"
	case catalog.DatastoreNumeric:
		return "double precision"
	case catalog.DatastoreDate:
		return "date"
	case catalog.DatastoreTimestamp:
		return "timestamp"
	case catalog.DatastoreBool:
		return "boolean"
	}
	return "text"
}

// errDSAborted stops a COPY when the writer is aborted.
var errDSAborted = errors.New("datastore load aborted")

// Loading. Append checks each value, appends the row to a buffer in COPY's
// text format, and hands full buffers to a goroutine that streams them to
// the server: validation in Go, parsing in the server, on two cores.
const (
	pgDSChunk  = 256 << 10 // bytes per buffer
	pgDSChunks = 3         // buffers in flight: memory stays flat
)

// Create starts loading a new table: a goroutine holds one connection with
// an open transaction and streams the appended rows to COPY.
func (d *pgDatastore) Create(ctx context.Context, fields []catalog.DatastoreField) (catalog.TableWriter, error) {
	name := newTableName()
	t, err := newDSTable(name, fields)
	if err != nil {
		return nil, err
	}
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return nil, internal("create datastore table", err)
	}
	w := &pgWriter{
		d: d, t: t, ctx: ctx,
		full:  make(chan []byte, pgDSChunks),
		free:  make(chan []byte, pgDSChunks),
		ready: make(chan error, 1),
		done:  make(chan struct{}),
	}
	for range pgDSChunks {
		w.free <- make([]byte, 0, pgDSChunk+4096)
	}
	go w.run(conn)
	if err := <-w.ready; err != nil {
		<-w.done
		return nil, internal("create datastore table", err)
	}
	return w, nil
}

// pgWriter feeds rows to a COPY running in its own goroutine, which also
// owns the transaction.
type pgWriter struct {
	d   *pgDatastore
	t   *dsTable
	ctx context.Context

	// Owned by Append.
	buf   []byte
	rows  int64
	fold  rowFolder
	state int // 0 loading, 1 committed, 2 aborted

	full, free chan []byte
	aborted    atomic.Bool   // set before full is closed to abort
	ready      chan error    // the table is created, or not
	done       chan struct{} // run has returned, with err set
	err        error
}

func (w *pgWriter) Name() string { return w.t.name }

// run creates the table, copies the rows into it and commits once the
// full channel is closed, unless aborted.
func (w *pgWriter) run(conn *sql.Conn) {
	defer close(w.done)
	defer conn.Close()
	created := false
	w.err = conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		ctx := w.ctx
		tx, err := pc.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(context.WithoutCancel(ctx))
		from := w.d.from(w.t.name)
		var ddl, cols strings.Builder
		ddl.WriteString(`CREATE TABLE ` + from + ` ("` + colID + `" bigint NOT NULL`)
		cols.WriteString(`"` + colID + `"`)
		for _, c := range w.t.cols[1:] {
			ddl.WriteString(", " + c.col + " " + pgType(c.Type))
			cols.WriteString("," + c.col)
		}
		ddl.WriteString(`, "` + colFullText + `" text)`)
		cols.WriteString(`,"` + colFullText + `"`)
		_, err = tx.Exec(ctx, ddl.String())
		w.ready <- err
		created = true
		if err != nil {
			return err
		}
		tag, err := pc.PgConn().CopyFrom(ctx, &pgChunkReader{w: w}, `COPY `+from+` (`+cols.String()+`) FROM STDIN WITH (FREEZE)`)
		if w.aborted.Load() {
			return errDSAborted
		}
		if err != nil {
			return err
		}
		if tag.RowsAffected() != w.rows {
			return fmt.Errorf("copied %d rows of %d", tag.RowsAffected(), w.rows)
		}
		w.t.created = time.Now().UTC().Truncate(time.Microsecond)
		w.t.rows = w.rows
		if _, err := tx.Exec(ctx, `ALTER TABLE `+from+` ADD PRIMARY KEY ("`+colID+`")`); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO `+w.d.meta+` (name, fields, rows, created) VALUES ($1, $2, $3, $4)`,
			w.t.name, w.t.fieldsJSON(), w.rows, w.t.created)
		if err != nil {
			return err
		}
		return tx.Commit(ctx)
	})
	if !created {
		w.ready <- w.err
	}
}

// pgChunkReader hands the queued buffers to COPY.
type pgChunkReader struct {
	w   *pgWriter
	buf []byte // the buffer being read, to give back
	cur []byte // what is left of it
}

func (r *pgChunkReader) Read(p []byte) (int, error) {
	for len(r.cur) == 0 {
		if r.buf != nil {
			r.w.free <- r.buf[:0]
			r.buf = nil
		}
		b, ok := <-r.w.full
		if !ok {
			if r.w.aborted.Load() {
				return 0, errDSAborted
			}
			return 0, io.EOF
		}
		r.buf, r.cur = b, b
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}

// Append adds one row.
func (w *pgWriter) Append(row []string) error {
	if w.state != 0 {
		return errors.New("datastore: append to a finished table")
	}
	fields := w.t.cols[1:]
	if len(row) != len(fields) {
		return fmt.Errorf("datastore: row %d has %d values for %d fields", w.rows+1, len(row), len(fields))
	}
	if w.buf == nil {
		select {
		case w.buf = <-w.free:
		case <-w.done:
			return w.stopped()
		}
	}
	b := strconv.AppendInt(w.buf, w.rows+1, 10)
	w.fold.reset()
	for i, s := range row {
		b = append(b, '\t')
		if s == "" {
			b = append(b, `\N`...)
			continue
		}
		c := fields[i]
		var err error
		switch c.Type {
		case catalog.DatastoreText:
			if strings.IndexByte(s, 0) >= 0 {
				return catalog.Integrityf("row %d, column %q: the value holds a NUL character", w.rows+1, c.ID)
			}
			b = appendCopyText(b, s)
		case catalog.DatastoreInt:
			_, err = parseDSInt(s)
			b = append(b, s...)
		case catalog.DatastoreNumeric:
			_, err = parseDSNumeric(s)
			b = append(b, s...)
		case catalog.DatastoreDate:
			_, err = parseDSDate(s)
			b = append(b, s...)
		case catalog.DatastoreTimestamp:
			var t time.Time
			t, err = parseDSTimestamp(s)
			b = t.AppendFormat(b, dsTimestampFormat)
		case catalog.DatastoreBool:
			var v bool
			v, err = parseDSBool(s)
			b = strconv.AppendBool(b, v)
		}
		if err != nil {
			return appendError(w.rows+1, c, s)
		}
		w.fold.add(s)
	}
	b = append(b, '\t')
	b = append(b, w.fold.b...) // letters, digits and spaces: nothing to escape
	if n := len(b); b[n-1] == ' ' {
		b = b[:n-1]
	}
	w.buf = append(b, '\n')
	w.rows++
	if w.rows%4096 == 0 {
		if err := w.ctx.Err(); err != nil {
			return err
		}
	}
	if len(w.buf) >= pgDSChunk {
		return w.flush()
	}
	return nil
}

// appendCopyText appends s escaped for COPY's text format.
func appendCopyText(b []byte, s string) []byte {
	for {
		i := strings.IndexAny(s, "\\\t\n\r")
		if i < 0 {
			return append(b, s...)
		}
		b = append(b, s[:i]...)
		switch s[i] {
		case '\\':
			b = append(b, `\\`...)
		case '\t':
			b = append(b, `\t`...)
		case '\n':
			b = append(b, `\n`...)
		case '\r':
			b = append(b, `\r`...)
		}
		s = s[i+1:]
	}
}

// stopped returns why the COPY goroutine ended early.
func (w *pgWriter) stopped() error {
	w.state = 2
	if w.err == nil {
		return internal("datastore load", errors.New("stopped"))
	}
	return internal("datastore load", w.err)
}

// flush hands the current buffer to the COPY goroutine.
func (w *pgWriter) flush() error {
	if len(w.buf) == 0 {
		return nil
	}
	select {
	case w.full <- w.buf:
		w.buf = nil
		return nil
	case <-w.done:
		return w.stopped()
	}
}

// Commit ends the COPY and commits the table with its metadata.
func (w *pgWriter) Commit() (int64, error) {
	if w.state != 0 {
		return 0, errors.New("datastore: table already committed or aborted")
	}
	if err := w.flush(); err != nil {
		return 0, err
	}
	w.state = 1
	close(w.full)
	<-w.done
	if w.err != nil {
		w.state = 2
		return 0, internal("commit datastore table", w.err)
	}
	return w.rows, nil
}

// Abort stops the COPY and rolls the transaction back; after Commit it
// does nothing.
func (w *pgWriter) Abort() {
	if w.state != 0 {
		return
	}
	w.state = 2
	w.aborted.Store(true)
	close(w.full)
	<-w.done
}
