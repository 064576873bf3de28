package storage

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"sync"

	"github.com/mattn/go-sqlite3"
)

// sqliteDriver is go-sqlite3 with request cancellation taken out of every
// call that reaches SQLite. go-sqlite3 cancels with sqlite3_interrupt,
// which interrupts whatever the connection runs when the signal lands: a
// client hanging up on one request could fail the next, unrelated one
// that got the same pooled connection ("interrupted" — mattn/go-sqlite3
// #681, still open; seen here under wrk as 500s on resource_create). Our
// statements are short (bounded pages, indexed searches), so letting one
// finish after its client left costs less than failing someone else's.
// database/sql still checks the context before it hands out a connection.
const sqliteDriver = "passerelle_sqlite3"

var registerSQLiteDriver = sync.OnceFunc(func() {
	sql.Register(sqliteDriver, uncancellableDriver{&sqlite3.SQLiteDriver{}})
})

type uncancellableDriver struct{ d *sqlite3.SQLiteDriver }

func (u uncancellableDriver) Open(name string) (driver.Conn, error) {
	c, err := u.d.Open(name)
	if err != nil {
		return nil, err
	}
	return &uncancellableConn{c.(*sqlite3.SQLiteConn)}, nil
}

// uncancellableConn passes context.WithoutCancel to every context-taking
// method; the others (Ping, Close, Begin…) are go-sqlite3's own.
type uncancellableConn struct{ *sqlite3.SQLiteConn }

func (c *uncancellableConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	return c.SQLiteConn.ExecContext(context.WithoutCancel(ctx), query, args)
}

func (c *uncancellableConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	return c.SQLiteConn.QueryContext(context.WithoutCancel(ctx), query, args)
}

func (c *uncancellableConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	s, err := c.SQLiteConn.PrepareContext(context.WithoutCancel(ctx), query)
	if err != nil {
		return nil, err
	}
	return &uncancellableStmt{s.(*sqlite3.SQLiteStmt)}, nil
}

func (c *uncancellableConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *uncancellableConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.SQLiteConn.BeginTx(context.WithoutCancel(ctx), opts)
}

type uncancellableStmt struct{ *sqlite3.SQLiteStmt }

func (s *uncancellableStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	return s.SQLiteStmt.ExecContext(context.WithoutCancel(ctx), args)
}

func (s *uncancellableStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	return s.SQLiteStmt.QueryContext(context.WithoutCancel(ctx), args)
}
