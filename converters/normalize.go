package converters

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// Writer writes a normalised table: UTF-8 CSV, comma-separated, RFC 4180
// quoting and CRLF line ends, a header row of machine names, integers and
// numbers with a '.' decimal and no thousands separator, dates in ISO 8601
// (yyyy-mm-dd, yyyy-mm-ddThh:mm:ss), booleans as true/false and missing
// values as empty fields. Strings are written as read.
type Writer struct {
	w       *bufio.Writer
	fields  []Field
	buf     []byte
	invalid int
	rows    int
}

// NewWriter returns a Writer for tables described by s.
func NewWriter(w io.Writer, s *Schema) *Writer {
	return &Writer{w: bufio.NewWriterSize(w, 256<<10), fields: s.Fields}
}

// WriteHeader writes the row of field names.
func (w *Writer) WriteHeader() error {
	for i, f := range w.fields {
		if i > 0 {
			w.w.WriteByte(',')
		}
		w.writeField(f.Name)
	}
	_, err := w.w.WriteString("\r\n")
	return err
}

// Write converts and writes one row, which must have one value per field.
// A value that does not fit its field's type is written unchanged and
// counted (see Invalid).
func (w *Writer) Write(row []string) error {
	if len(row) != len(w.fields) {
		return fmt.Errorf("normalised row has %d fields, schema has %d", len(row), len(w.fields))
	}
	b := w.buf[:0]
	for i, v := range row {
		if i > 0 {
			b = append(b, ',')
		}
		if v == "" {
			continue
		}
		t := w.fields[i].Type
		if t == TypeString {
			if isMissing(v) || (v[0] <= ' ' || v[len(v)-1] <= ' ') && isMissing(trimSpace(v)) {
				continue
			}
			b = appendField(b, v)
			continue
		}
		tv := trimSpace(v)
		if isMissing(tv) {
			continue
		}
		out, ok := appendValue(b, t, tv)
		if !ok {
			w.invalid++
			b = appendField(b, v)
			continue
		}
		b = out
	}
	b = append(b, '\r', '\n')
	w.buf = b
	w.rows++
	_, err := w.w.Write(b)
	return err
}

// appendValue appends a trimmed non-missing value of type t in normalised
// form, or reports that it does not fit t.
func appendValue(b []byte, t Type, v string) ([]byte, bool) {
	switch t {
	case TypeInteger, TypeNumber:
		ni := scanNumber(v)
		if !ni.ok || (t == TypeInteger && !ni.integer) {
			return b, false
		}
		if ni.plain {
			return append(b, v...), true
		}
		return appendNumber(b, v), true
	case TypeDate, TypeDatetime:
		p := parseDate(v)
		if !p.ok || (t == TypeDate && p.hasTime) {
			return b, false
		}
		if t == TypeDate {
			return appendISODate(b, p), true
		}
		return appendISODatetime(b, p), true
	case TypeBoolean:
		k, val := boolKind(v)
		switch {
		case k == 0:
			return b, false
		case val:
			return append(b, "true"...), true
		}
		return append(b, "false"...), true
	}
	return b, false
}

// needsQuotes reports whether a field holds a comma, a quote or a line end.
func needsQuotes(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ',', '"', '\r', '\n':
			return true
		}
	}
	return false
}

// appendField appends s, quoted as RFC 4180 asks when needed.
func appendField(b []byte, s string) []byte {
	if !needsQuotes(s) {
		return append(b, s...)
	}
	b = append(b, '"')
	for {
		i := strings.IndexByte(s, '"')
		if i < 0 {
			b = append(b, s...)
			break
		}
		b = append(b, s[:i+1]...)
		b = append(b, '"')
		s = s[i+1:]
	}
	return append(b, '"')
}

func (w *Writer) writeField(s string) {
	w.buf = appendField(w.buf[:0], s)
	w.w.Write(w.buf)
}

// Flush writes any buffered data to the underlying writer.
func (w *Writer) Flush() error { return w.w.Flush() }

// Invalid returns how many values did not fit their field's type and were
// written unchanged.
func (w *Writer) Invalid() int { return w.invalid }

// Normalize writes the table read from r to w as a normalised CSV described
// by s (usually inferred from a first pass over the same table) and returns
// the number of data rows written.
func Normalize(w io.Writer, r *Reader, s *Schema) (int, error) {
	nw := NewWriter(w, s)
	if err := nw.WriteHeader(); err != nil {
		return 0, err
	}
	r.ReuseRecord = true
	for {
		row, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nw.rows, err
		}
		if err := nw.Write(row); err != nil {
			return nw.rows, err
		}
	}
	return nw.rows, nw.Flush()
}
