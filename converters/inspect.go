package converters

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
)

// Report is what Inspect found in a file: its format and, for text, encoding
// and delimiter; every sheet of a workbook; and each table with its header
// line, row count, columns (type, examples) and warnings. Each warning
// list has a French twin of the same length.
type Report struct {
	File       string        `json:"file"`
	Size       int64         `json:"size"`
	Format     Format        `json:"format"`
	Encoding   string        `json:"encoding,omitempty"`
	BOM        bool          `json:"bom,omitempty"`
	Delimiter  string        `json:"delimiter,omitempty"`
	Sheets     []SheetReport `json:"sheets,omitempty"`
	Tables     []TableReport `json:"tables"`
	Warnings   []string      `json:"warnings,omitempty"`
	WarningsFR []string      `json:"warnings_fr,omitempty"`
}

// SheetReport is one sheet of a workbook and what became of it.
type SheetReport struct {
	Name   string `json:"name"`
	Hidden bool   `json:"hidden,omitempty"`
	// Table is the index in Report.Tables of the sheet's table, or -1.
	Table int `json:"table"`
	// Skipped says why the sheet holds no table; SkippedFR says it in
	// French.
	Skipped   string `json:"skipped,omitempty"`
	SkippedFR string `json:"skipped_fr,omitempty"`
}

// TableReport describes one table.
type TableReport struct {
	Sheet  string `json:"sheet,omitempty"`
	Hidden bool   `json:"hidden,omitempty"`
	// HeaderLine is the 1-based line (text) or row (sheet) of the header,
	// 0 when there is none; HeaderRows counts the rows a multi-row header
	// spans (it ends on HeaderLine+HeaderRows-1).
	HeaderLine int      `json:"header_line"`
	HeaderRows int      `json:"header_rows,omitempty"`
	Rows       int      `json:"rows"`
	Columns    []Column `json:"columns"`
	Schema     *Schema  `json:"schema"`
	Warnings   []string `json:"warnings,omitempty"`
	WarningsFR []string `json:"warnings_fr,omitempty"`
}

// Inspect reads the file at path to the end and reports what the converters
// find in it: format, encoding, delimiter, sheets, and for each table its
// header line, row count, columns with inferred types and examples, and
// warnings. A file that cannot be read as a table returns an *Error whose
// message is a plain sentence for the agent (use AsError to get it).
func Inspect(path string, opts Options) (*Report, error) {
	f, err := Open(path, opts)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rep := &Report{File: path, Format: f.Format, Warnings: f.Warnings(), WarningsFR: f.WarningsFR(), Tables: []TableReport{}}
	if st, err := os.Stat(path); err == nil {
		rep.Size = st.Size()
	}
	if f.Format == FormatCSV {
		rep.Encoding, rep.BOM, rep.Delimiter = f.Encoding, f.BOM, delimiterName(f.Delimiter)
	}
	var noTable error // why a text file holds no table
	for i, sh := range f.Sheets {
		tr, err := inspectTable(f, i)
		if f.Format != FormatCSV {
			rep.Sheets = append(rep.Sheets, SheetReport{Name: sh.Name, Hidden: sh.Hidden, Table: -1})
		}
		if errors.Is(err, ErrNoTable) {
			noTable = err
			if f.Format != FormatCSV {
				rep.Sheets[i].Skipped = err.Error()
				if e, ok := AsError(err); ok {
					rep.Sheets[i].SkippedFR = e.MsgFR
				}
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		tr.Sheet, tr.Hidden = sh.Name, sh.Hidden
		if sh.Hidden {
			tr.Warnings = append([]string{"the sheet is hidden"}, tr.Warnings...)
			tr.WarningsFR = append([]string{"la feuille est masquée"}, tr.WarningsFR...)
		}
		if f.Format != FormatCSV {
			rep.Sheets[i].Table = len(rep.Tables)
		}
		rep.Tables = append(rep.Tables, *tr)
	}
	if len(rep.Tables) == 0 {
		if f.Format == FormatCSV && noTable != nil {
			return nil, noTable
		}
		return nil, errorf(KindEmpty, ErrNoTable,
			"None of the %d sheets of this workbook holds a table.",
			"Aucune feuille de ce classeur ne contient de tableau (feuilles examinées : %d).", len(f.Sheets))
	}
	return rep, nil
}

func inspectTable(f *File, i int) (*TableReport, error) {
	r, err := f.Table(i)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	r.ReuseRecord = true
	in := NewInferrer(r.Header(), r.Names())
	for {
		row, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		in.Add(row)
	}
	return &TableReport{
		HeaderLine: r.HeaderLine(),
		HeaderRows: r.HeaderRows(),
		Rows:       r.Rows(),
		Columns:    in.Columns(),
		Schema:     in.Schema(),
		Warnings:   r.Warnings(),
		WarningsFR: r.WarningsFR(),
	}, nil
}

func delimiterName(d rune) string {
	switch d {
	case '\t':
		return "tab"
	case 0:
		return ""
	}
	return string(d)
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

// WriteText writes the report for a person to read.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "File:      %s (%s)\n", r.File, humanSize(r.Size))
	switch r.Format {
	case FormatCSV:
		enc := r.Encoding
		if r.BOM {
			enc += " with byte-order mark"
		}
		fmt.Fprintf(&b, "Format:    text table (CSV), %s, delimiter %q\n", enc, r.Delimiter)
	case FormatXLSX:
		fmt.Fprintf(&b, "Format:    Excel workbook (XLSX), %d sheets\n", len(r.Sheets))
	case FormatODS:
		fmt.Fprintf(&b, "Format:    OpenDocument spreadsheet (ODS), %d sheets\n", len(r.Sheets))
	}
	for _, s := range r.Sheets {
		state := fmt.Sprintf("table %d", s.Table+1)
		if s.Table < 0 {
			state = "skipped: " + s.Skipped
		}
		hidden := ""
		if s.Hidden {
			hidden = " (hidden)"
		}
		fmt.Fprintf(&b, "  sheet %q%s: %s\n", s.Name, hidden, state)
	}
	for _, warn := range r.Warnings {
		fmt.Fprintf(&b, "Warning:   %s\n", warn)
	}
	for i, t := range r.Tables {
		b.WriteString("\n")
		if t.Sheet != "" {
			fmt.Fprintf(&b, "Table %d: sheet %q\n", i+1, t.Sheet)
		} else {
			fmt.Fprintf(&b, "Table %d\n", i+1)
		}
		unit := "line"
		if r.Format != FormatCSV {
			unit = "row"
		}
		switch {
		case t.HeaderLine == 0:
			b.WriteString("  Header:  none (columns named column_1, column_2…)\n")
		case t.HeaderRows > 1:
			fmt.Fprintf(&b, "  Header:  %ss %d–%d\n", unit, t.HeaderLine-t.HeaderRows+1, t.HeaderLine)
		default:
			fmt.Fprintf(&b, "  Header:  %s %d\n", unit, t.HeaderLine)
		}
		fmt.Fprintf(&b, "  Rows:    %d\n", t.Rows)
		fmt.Fprintf(&b, "  Columns: %d\n", len(t.Columns))
		tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "    name\ttype\tlabel\tmissing\texamples")
		for _, c := range t.Columns {
			ex := strings.Join(quoteAll(c.Examples), ", ")
			if c.Note != "" {
				ex += "  [" + c.Note + "]"
			}
			fmt.Fprintf(tw, "    %s\t%s\t%s\t%d\t%s\n", c.Name, c.Type, oneLine(c.Label, 40), c.Missing, ex)
		}
		tw.Flush()
		for _, warn := range t.Warnings {
			fmt.Fprintf(&b, "  Warning: %s\n", warn)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func quoteAll(v []string) []string {
	out := make([]string, len(v))
	for i, s := range v {
		out[i] = fmt.Sprintf("%q", oneLine(s, 30))
	}
	return out
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func humanSize(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.1f GB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	}
	return fmt.Sprintf("%d bytes", n)
}

// humanSizeFR is humanSize in French: decimal comma, octets.
func humanSizeFR(n int64) string {
	switch {
	case n >= 1e9:
		return strings.Replace(fmt.Sprintf("%.1f Go", float64(n)/1e9), ".", ",", 1)
	case n >= 1e6:
		return strings.Replace(fmt.Sprintf("%.1f Mo", float64(n)/1e6), ".", ",", 1)
	case n >= 1e3:
		return strings.Replace(fmt.Sprintf("%.1f ko", float64(n)/1e3), ".", ",", 1)
	}
	return fmt.Sprintf("%d octets", n)
}

// sizePhrase is a size in English and French, for messages.
func sizePhrase(n int64) phrase { return phrase{humanSize(n), humanSizeFR(n)} }
