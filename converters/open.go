package converters

import (
	"fmt"
	"io"
	"os"
)

// Sheet is one sheet of a workbook.
type Sheet struct {
	Name   string `json:"name"`
	Hidden bool   `json:"hidden,omitempty"`
}

// workbook is an opened XLSX or ODS file.
type workbook interface {
	sheets() []Sheet
	open(i int) (rowSource, error)
	close() error
}

// File is a tabular file opened by Open: a text file holding one table, or a
// workbook holding one table per non-empty sheet.
type File struct {
	Path      string
	Format    Format
	Encoding  string // text files only
	BOM       bool   // text files only: a byte-order mark was found
	Delimiter rune   // text files only
	Sheets    []Sheet

	warnings []warning
	dialect  dialect
	book     workbook
	opts     Options
}

// Open detects the format of the file at path (from its content) and, for a
// text file, its encoding and delimiter. A file that is not a table this
// package reads returns an *Error with a message for the agent.
func Open(path string, opts Options) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := fh.Stat()
	if err != nil {
		fh.Close()
		return nil, err
	}
	if st.IsDir() {
		fh.Close()
		return nil, errorf(KindUnsupported, nil,
			"This is a folder, not a file (%s).",
			"Il s'agit d'un dossier, et non d'un fichier (%s).", path)
	}
	head := make([]byte, sniffSize)
	n, err := io.ReadFull(fh, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		fh.Close()
		return nil, err
	}
	format, err := DetectFormat(head[:n], fh, st.Size())
	if err != nil {
		fh.Close()
		return nil, err
	}
	f := &File{Path: path, Format: format, opts: opts}
	switch format {
	case FormatCSV:
		defer fh.Close()
		if _, err := fh.Seek(0, io.SeekStart); err != nil {
			return nil, err
		}
		_, d, err := newCSVSource(fh, opts)
		if err != nil {
			return nil, err
		}
		f.dialect = d
		f.Encoding, f.BOM, f.Delimiter = d.enc.name, d.enc.bom > 0, rune(d.comma)
		if d.enc.warn != (warning{}) {
			f.warnings = append(f.warnings, d.enc.warn)
		}
		if d.crEnd {
			f.warnings = append(f.warnings, warnf("lines end with a lone carriage return (classic Mac OS)",
				"les lignes se terminent par un retour chariot seul (ancien Mac OS)"))
		}
		f.Sheets = []Sheet{{}}
		return f, nil
	case FormatXLSX:
		f.book, err = openXLSX(fh, st.Size(), opts)
	case FormatODS:
		f.book, err = openODS(fh, st.Size(), opts)
	}
	if err != nil {
		fh.Close()
		return nil, err
	}
	f.Sheets = f.book.sheets()
	return f, nil
}

// Warnings lists what Open noticed about the whole file (a BOM that lies
// about the encoding…); each table has its own in Reader.Warnings.
func (f *File) Warnings() []string { return english(f.warnings) }

// WarningsFR returns the same warnings as Warnings, in French.
func (f *File) WarningsFR() []string { return french(f.warnings) }

// Table returns a reader over the table of sheet i (0 for a text file). A
// sheet without a table returns an *Error wrapping ErrNoTable. Each call
// starts again from the top, so a table can be read twice (infer, then
// normalise); the reader must be closed.
func (f *File) Table(i int) (*Reader, error) {
	if i < 0 || i >= len(f.Sheets) {
		return nil, fmt.Errorf("sheet %d out of range (the file has %d)", i, len(f.Sheets))
	}
	if f.Format == FormatCSV {
		fh, err := os.Open(f.Path)
		if err != nil {
			return nil, err
		}
		opts := f.opts
		opts.Encoding, opts.Delimiter = f.Encoding, f.Delimiter
		r, err := newCSVReader(fh, opts, theFile)
		if err != nil {
			fh.Close()
			return nil, err
		}
		return r, nil
	}
	src, err := f.book.open(i)
	if err != nil {
		return nil, err
	}
	name := f.Sheets[i].Name
	r, err := newReader(src, true, phrase{fmt.Sprintf("sheet %q", name), fmt.Sprintf("la feuille %q", name)}, f.opts)
	if err != nil {
		src.close()
		return nil, err
	}
	return r, nil
}

// Close releases the file.
func (f *File) Close() error {
	if f.book != nil {
		return f.book.close()
	}
	return nil
}

// NewCSVReader sniffs the encoding, delimiter and header of a text table
// read from r and returns a reader positioned on its first data row.
func NewCSVReader(r io.Reader, opts Options) (*Reader, error) {
	return newCSVReader(r, opts, theFile)
}

// theFile names a text table in messages.
var theFile = phrase{"the file", "le fichier"}

func newCSVReader(r io.Reader, opts Options, what phrase) (*Reader, error) {
	src, d, err := newCSVSource(r, opts)
	if err != nil {
		return nil, err
	}
	if c, ok := r.(io.Closer); ok {
		src.closer = c
	}
	rd, err := newReader(src, false, what, opts)
	if err != nil {
		return nil, err
	}
	if d.enc.warn != (warning{}) && opts.Encoding == encodingUnforced {
		rd.notes = append([]warning{d.enc.warn}, rd.notes...)
	}
	return rd, nil
}
