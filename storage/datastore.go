package storage

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/passerelle/passerelle/catalog"
)

// NewDatastore returns the datastore that goes with db: one SQLite file per
// table under dataDir/datastore when db is SQLite, or tables in the
// catalogue database when it is PostgreSQL, in the schema "datastore" (or,
// when the catalogue lives in a schema other than public, in that schema).
// The value returned also implements io.Closer; Close releases the open
// SQLite files and leaves db open.
func NewDatastore(db *DB, dataDir string) (catalog.Datastore, error) {
	switch db.Dialect() {
	case SQLite:
		return newSQLiteDatastore(dataDir)
	case Postgres:
		return newPostgresDatastore(db)
	default:
		return nil, fmt.Errorf("datastore: unsupported dialect %q", db.Dialect())
	}
}

// Physical column names. User field names never reach SQL: field i is
// stored in column "c<i>", and the table's metadata maps names to columns.
const (
	colID       = "_id"
	colFullText = "_full_text"
)

// dsColumn is one column of a datastore table: _id or a field.
type dsColumn struct {
	catalog.DatastoreField
	col string // physical name, quoted
}

// dsTable is a committed table's metadata, as its meta row stores it.
type dsTable struct {
	name    string
	cols    []dsColumn // _id first, then the fields in order
	byID    map[string]int
	rows    int64
	created time.Time
}

// dsFieldJSON is a field as the metadata stores it.
type dsFieldJSON struct {
	ID    string `json:"id"`
	Type  string `json:"type"`
	Label string `json:"label,omitempty"`
}

// newDSTable checks fields and lays out the table's columns.
func newDSTable(name string, fields []catalog.DatastoreField) (*dsTable, error) {
	if len(fields) == 0 {
		return nil, catalog.Invalid("fields", "a datastore table needs at least one field")
	}
	t := &dsTable{name: name, byID: make(map[string]int, len(fields)+1)}
	t.cols = append(t.cols, dsColumn{catalog.DatastoreField{ID: colID, Type: catalog.DatastoreInt}, `"` + colID + `"`})
	t.byID[colID] = 0
	for i, f := range fields {
		switch {
		case f.ID == "":
			return nil, catalog.Invalid("fields", fmt.Sprintf("field %d has no name", i+1))
		case f.ID == colID || f.ID == colFullText:
			return nil, catalog.Invalid("fields", fmt.Sprintf("field name %q is reserved", f.ID))
		case !validDSType(f.Type):
			return nil, catalog.Invalid("fields", fmt.Sprintf("field %q has unknown type %q", f.ID, f.Type))
		}
		if _, dup := t.byID[f.ID]; dup {
			return nil, catalog.Invalid("fields", fmt.Sprintf("field %q appears twice", f.ID))
		}
		t.byID[f.ID] = len(t.cols)
		t.cols = append(t.cols, dsColumn{f, `"c` + strconv.Itoa(i+1) + `"`})
	}
	return t, nil
}

func validDSType(typ string) bool {
	switch typ {
	case catalog.DatastoreText, catalog.DatastoreInt, catalog.DatastoreNumeric,
		catalog.DatastoreDate, catalog.DatastoreTimestamp, catalog.DatastoreBool:
		return true
	}
	return false
}

// fields returns the user fields, without _id.
func (t *dsTable) fields() []catalog.DatastoreField {
	fs := make([]catalog.DatastoreField, len(t.cols)-1)
	for i, c := range t.cols[1:] {
		fs[i] = c.DatastoreField
	}
	return fs
}

func (t *dsTable) info() *catalog.DatastoreTable {
	return &catalog.DatastoreTable{Name: t.name, Fields: t.fields(), Rows: t.rows, Created: t.created}
}

// fieldsJSON encodes the fields for the meta row.
func (t *dsTable) fieldsJSON() string {
	fs := make([]dsFieldJSON, len(t.cols)-1)
	for i, c := range t.cols[1:] {
		fs[i] = dsFieldJSON{c.ID, c.Type, c.Label}
	}
	b, _ := json.Marshal(fs)
	return string(b)
}

// loadDSTable rebuilds a table's metadata from its meta row.
func loadDSTable(name, fieldsJSON string, rows int64, created time.Time) (*dsTable, error) {
	var fs []dsFieldJSON
	if err := json.Unmarshal([]byte(fieldsJSON), &fs); err != nil {
		return nil, fmt.Errorf("datastore table %s: read fields: %w", name, err)
	}
	fields := make([]catalog.DatastoreField, len(fs))
	for i, f := range fs {
		fields[i] = catalog.DatastoreField{ID: f.ID, Type: f.Type, Label: f.Label}
	}
	t, err := newDSTable(name, fields)
	if err != nil {
		return nil, fmt.Errorf("datastore table %s: %w", name, err)
	}
	t.rows, t.created = rows, created.UTC()
	return t, nil
}

// newTableName returns a fresh storage name: "t_" and 32 hex digits.
func newTableName() string {
	b := make([]byte, 16)
	rand.Read(b)
	return "t_" + hex.EncodeToString(b)
}

// validTableName tells whether name has the shape newTableName gives, so
// that it can be used as a file or table name.
func validTableName(name string) bool {
	if len(name) != 34 || !strings.HasPrefix(name, "t_") {
		return false
	}
	for _, c := range []byte(name[2:]) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

func tableNotFound(name string) error {
	return catalog.NotFoundf("Resource \"%s\" was not found.", name)
}

// Values. A normalised value is converted once, when loading, to what the
// column stores; dates and timestamps keep a canonical ISO text in SQLite.

// errNoValue is the cause when a value does not parse for its type.
var errNoValue = errors.New("bad value")

// parseDSInt parses an int column's value.
func parseDSInt(s string) (int64, error) {
	return strconv.ParseInt(s, 10, 64)
}

// parseDSNumeric parses a numeric column's value: a finite decimal number.
func parseDSNumeric(s string) (float64, error) {
	// Digits, sign, point and exponent only: ParseFloat also takes
	// hexadecimal, underscores, "Inf" and "NaN".
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && c != '.' && c != '-' && c != '+' && c != 'e' && c != 'E' {
			return 0, errNoValue
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) {
		return 0, errNoValue
	}
	return f, nil
}

// parseDSBool parses a bool column's value.
func parseDSBool(s string) (bool, error) {
	switch s {
	case "true", "TRUE", "True", "1", "t":
		return true, nil
	case "false", "FALSE", "False", "0", "f":
		return false, nil
	}
	return false, errNoValue
}

// parseDSDate checks an ISO date, yyyy-mm-dd, and returns it as a time at
// midnight UTC.
func parseDSDate(s string) (time.Time, error) {
	y, m, d, ok := splitDSDate(s)
	if !ok {
		return time.Time{}, errNoValue
	}
	return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC), nil
}

// splitDSDate returns the year, month and day of a valid ISO date.
func splitDSDate(s string) (y, m, d int, ok bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, 0, 0, false
	}
	y, ok1 := digits(s[0:4])
	m, ok2 := digits(s[5:7])
	d, ok3 := digits(s[8:10])
	if !ok1 || !ok2 || !ok3 || y < 1 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return 0, 0, 0, false
	}
	return y, m, d, true
}

// daysIn returns the number of days of month m of year y.
func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

func digits(s string) (int, bool) {
	n := 0
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// Timestamp layouts accepted for a timestamp column. The zone, when there
// is one, is dropped and the wall clock kept, as PostgreSQL does for a
// "timestamp without time zone".
var dsTimestampLayouts = []string{
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	"2006-01-02",
}

// dsTimestampFormat is how timestamps are stored in SQLite and returned:
// microseconds, like PostgreSQL.
const dsTimestampFormat = "2006-01-02T15:04:05.999999"

// parseDSTimestamp parses a timestamp column's value to its wall clock, in
// UTC, to the microsecond.
func parseDSTimestamp(s string) (time.Time, error) {
	for _, l := range dsTimestampLayouts {
		if t, err := time.Parse(l, s); err == nil && t.Year() >= 1 {
			y, mo, d := t.Date()
			h, mi, sec := t.Clock()
			return time.Date(y, mo, d, h, mi, sec, t.Nanosecond()/1000*1000, time.UTC), nil
		}
	}
	return time.Time{}, errNoValue
}

// typeNoun names a column type in error messages.
func typeNoun(typ string) string {
	switch typ {
	case catalog.DatastoreInt:
		return "an integer"
	case catalog.DatastoreNumeric:
		return "a number"
	case catalog.DatastoreDate:
		return "a date (yyyy-mm-dd)"
	case catalog.DatastoreTimestamp:
		return "a timestamp (yyyy-mm-ddThh:mm:ss)"
	case catalog.DatastoreBool:
		return "true or false"
	}
	return "text"
}

// dsValue converts a non-empty normalised value to what a column of typ
// stores: int64, float64, string; booleans as bool (pg) or 0/1 (SQLite);
// dates and timestamps as time.Time (pg) or canonical ISO text (SQLite).
func dsValue(typ, s string, pg bool) (any, error) {
	switch typ {
	case catalog.DatastoreText:
		return s, nil
	case catalog.DatastoreInt:
		return parseDSInt(s)
	case catalog.DatastoreNumeric:
		return parseDSNumeric(s)
	case catalog.DatastoreBool:
		b, err := parseDSBool(s)
		if err != nil || pg {
			return b, err
		}
		if b {
			return int64(1), nil
		}
		return int64(0), nil
	case catalog.DatastoreDate:
		if pg {
			return parseDSDate(s)
		}
		if _, _, _, ok := splitDSDate(s); !ok {
			return nil, errNoValue
		}
		return s, nil
	case catalog.DatastoreTimestamp:
		t, err := parseDSTimestamp(s)
		if err != nil || pg {
			return t, err
		}
		return t.Format(dsTimestampFormat), nil
	}
	return nil, errNoValue
}

// appendError reports a value that does not fit its column.
func appendError(row int64, c dsColumn, s string) error {
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return catalog.Integrityf("row %d, column %q: %q is not %s", row, c.ID, s, typeNoun(c.Type))
}

// outValue turns a scanned value into a record value for a column of typ:
// int64, float64, bool, string or nil.
func outValue(typ string, v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case []byte:
		return string(x)
	case time.Time:
		if typ == catalog.DatastoreDate {
			return x.Format(time.DateOnly)
		}
		return x.Format(dsTimestampFormat)
	case int64:
		switch typ {
		case catalog.DatastoreBool:
			return x != 0
		case catalog.DatastoreNumeric:
			return float64(x)
		}
	case int32:
		return int64(x)
	case float32:
		return float64(x)
	}
	return v
}

// Query building, shared by both dialects.

// sqlQuery accumulates SQL text and its bound arguments.
type sqlQuery struct {
	strings.Builder
	pg   bool
	args []any
}

// arg binds v and writes its placeholder.
func (q *sqlQuery) arg(v any) {
	q.args = append(q.args, v)
	if q.pg {
		q.WriteString("$" + strconv.Itoa(len(q.args)))
	} else {
		q.WriteByte('?')
	}
}

// selectList writes the columns out.
func selectList(b *sqlQuery, t *dsTable, out []int) {
	for j, i := range out {
		if j > 0 {
			b.WriteByte(',')
		}
		b.WriteString(t.cols[i].col)
	}
}

// resolveFields maps requested field names to columns: all (with _id)
// when names is empty.
func resolveFields(t *dsTable, names []string) ([]int, error) {
	if len(names) == 0 {
		out := make([]int, len(t.cols))
		for i := range out {
			out[i] = i
		}
		return out, nil
	}
	out := make([]int, 0, len(names))
	for _, n := range names {
		i, ok := t.byID[n]
		if !ok {
			return nil, catalog.Invalid("fields", fmt.Sprintf("field %q not in table", n))
		}
		if !slices.Contains(out, i) {
			out = append(out, i)
		}
	}
	return out, nil
}

// fieldMatch writes the condition that column c, folded as foldText
// does, contains text (already folded). Each dialect has its own.
type fieldMatch func(q *sqlQuery, c dsColumn, text string)

// buildWhere checks q's filters and text searches against t and writes
// the WHERE clause (empty when nothing filters).
func buildWhere(t *dsTable, q catalog.DatastoreQuery, w *sqlQuery, match fieldMatch) (bool, error) {
	var conds int
	and := func() {
		if conds == 0 {
			w.WriteString(" WHERE ")
		} else {
			w.WriteString(" AND ")
		}
		conds++
	}
	for _, k := range sortedKeys(q.Filters) {
		i, ok := t.byID[k]
		if !ok {
			return false, catalog.Invalid("filters", fmt.Sprintf("field %q not in table", k))
		}
		c := t.cols[i]
		and()
		vals := q.Filters[k]
		if len(vals) == 0 {
			w.WriteString("1=0")
			continue
		}
		var in []any
		null := false
		for _, v := range vals {
			if v == "" {
				null = true
				continue
			}
			x, err := dsValue(c.Type, v, w.pg)
			if err != nil {
				return false, catalog.Invalid("filters", fmt.Sprintf("value %q for field %q is not %s", v, k, typeNoun(c.Type)))
			}
			in = append(in, x)
		}
		w.WriteByte('(')
		if len(in) > 0 {
			w.WriteString(c.col)
			if len(in) == 1 {
				w.WriteByte('=')
				w.arg(in[0])
			} else {
				w.WriteString(" IN (")
				for j, x := range in {
					if j > 0 {
						w.WriteByte(',')
					}
					w.arg(x)
				}
				w.WriteByte(')')
			}
			if null {
				w.WriteString(" OR ")
			}
		}
		if null {
			w.WriteString(c.col + " IS NULL")
		}
		w.WriteByte(')')
	}
	for _, word := range strings.Fields(foldText(q.Q)) {
		and()
		w.WriteString(`"` + colFullText + `" LIKE `)
		w.arg(likeContains(word))
		w.WriteString(` ESCAPE '\'`)
	}
	for _, k := range sortedKeys(q.QFields) {
		i, ok := t.byID[k]
		if !ok {
			return false, catalog.Invalid("q", fmt.Sprintf("field %q not in table", k))
		}
		text := foldText(q.QFields[k])
		if text == "" {
			continue
		}
		and()
		// The row's _full_text must hold the text (a cheap test on every
		// row), then the field (an expensive one, on those rows only).
		if i != 0 { // _id is not in _full_text
			w.WriteString(`"` + colFullText + `" LIKE `)
			w.arg(likeContains(text))
			w.WriteString(` ESCAPE '\' AND `)
		}
		match(w, t.cols[i], text)
	}
	return conds > 0, nil
}

// likeContains returns a LIKE pattern matching values that contain s.
func likeContains(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// buildSearch checks q against t and returns the SELECT for the records
// and, when a total must be counted, the count query (both with their
// arguments).
func buildSearch(t *dsTable, from string, q catalog.DatastoreQuery, pg bool, match fieldMatch) (sel, count *sqlQuery, out []int, err error) {
	out, err = resolveFields(t, q.Fields)
	if err != nil {
		return nil, nil, nil, err
	}
	where := &sqlQuery{pg: pg}
	filtered, err := buildWhere(t, q, where, match)
	if err != nil {
		return nil, nil, nil, err
	}
	var order []string
	seen := map[int]bool{}
	for _, k := range q.Sort {
		i, ok := t.byID[k.Field]
		if !ok {
			return nil, nil, nil, catalog.Invalid("sort", fmt.Sprintf("field %q not in table", k.Field))
		}
		if q.Distinct && !slices.Contains(out, i) {
			return nil, nil, nil, catalog.Invalid("sort", fmt.Sprintf("field %q must be among the fields returned when distinct is set", k.Field))
		}
		if seen[i] {
			continue
		}
		seen[i] = true
		// PostgreSQL's NULL placement, spelt out for SQLite (which puts
		// NULLs first in ascending order).
		// _id is never NULL: its order stays plain, for the rowid.
		var dir string
		switch {
		case i == 0 && k.Desc:
			dir = " DESC"
		case i == 0:
			dir = " ASC"
		case k.Desc:
			dir = " DESC NULLS FIRST"
		default:
			dir = " ASC NULLS LAST"
		}
		order = append(order, t.cols[i].col+dir)
	}
	if q.Distinct {
		for _, i := range out { // a stable order for paging
			if !seen[i] {
				order = append(order, t.cols[i].col+" ASC NULLS LAST")
			}
		}
	} else if !seen[0] {
		order = append(order, `"`+colID+`" ASC`)
	}

	sel = &sqlQuery{pg: pg}
	head := func(b *sqlQuery) {
		b.WriteString("SELECT ")
		if q.Distinct {
			b.WriteString("DISTINCT ")
		}
		selectList(b, t, out)
		b.WriteString(" FROM " + from)
	}
	head(sel)
	sel.WriteString(where.String())
	sel.args = append(sel.args, where.args...)
	sel.WriteString(" ORDER BY " + strings.Join(order, ","))
	sel.WriteString(" LIMIT ")
	sel.arg(int64(max(q.Limit, 0)))
	sel.WriteString(" OFFSET ")
	sel.arg(int64(max(q.Offset, 0)))

	if q.IncludeTotal && (filtered || q.Distinct) {
		count = &sqlQuery{pg: pg}
		if q.Distinct {
			count.WriteString("SELECT count(*) FROM (")
			head(count)
			count.WriteString(where.String())
			count.WriteString(") d")
		} else {
			count.WriteString("SELECT count(*) FROM " + from + where.String())
		}
		count.args = where.args
	}
	return sel, count, out, nil
}

// runSearch runs the queries buildSearch made on db: the page's records,
// and the total when asked (the stored row count when nothing filters).
// fail words a database error.
func runSearch(ctx context.Context, db *sql.DB, t *dsTable, q catalog.DatastoreQuery, sel, count *sqlQuery, out []int, fail func(what string, err error) error) (*catalog.DatastoreResult, error) {
	res := &catalog.DatastoreResult{Fields: resultFields(t, out), Records: [][]any{}, Total: -1}
	rows, err := db.QueryContext(ctx, sel.String(), sel.args...)
	if err != nil {
		return nil, fail("datastore search", err)
	}
	defer rows.Close()
	sc := newRowScanner(t, out)
	for rows.Next() {
		rec, err := sc.scan(rows)
		if err != nil {
			return nil, internal("datastore search", err)
		}
		res.Records = append(res.Records, rec)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("datastore search", err)
	}
	rows.Close()
	switch {
	case !q.IncludeTotal:
	case count == nil:
		res.Total = t.rows
	default:
		if err := db.QueryRowContext(ctx, count.String(), count.args...).Scan(&res.Total); err != nil {
			return nil, fail("datastore search total", err)
		}
	}
	return res, nil
}

// resultFields describes the returned columns.
func resultFields(t *dsTable, out []int) []catalog.DatastoreField {
	fs := make([]catalog.DatastoreField, len(out))
	for j, i := range out {
		fs[j] = t.cols[i].DatastoreField
	}
	return fs
}

// rowScanner scans rows of the returned columns into records.
type rowScanner struct {
	types []string
	vals  []any
	ptrs  []any
}

func newRowScanner(t *dsTable, out []int) *rowScanner {
	s := &rowScanner{types: make([]string, len(out)), vals: make([]any, len(out)), ptrs: make([]any, len(out))}
	for j, i := range out {
		s.types[j] = t.cols[i].Type
		s.ptrs[j] = &s.vals[j]
	}
	return s
}

// scan reads the current row into a new record.
func (s *rowScanner) scan(rows interface{ Scan(...any) error }) ([]any, error) {
	if err := rows.Scan(s.ptrs...); err != nil {
		return nil, err
	}
	rec := make([]any, len(s.vals))
	for j, v := range s.vals {
		rec[j] = outValue(s.types[j], v)
	}
	return rec, nil
}
