package converters

import (
	"io"
	"strconv"
	"strings"
)

// Options tune detection and set the safety limits. The zero value detects
// everything and applies the default limits.
type Options struct {
	// Encoding forces the encoding of a text file (EncodingUTF8,
	// EncodingCP1252…); empty means detect.
	Encoding string
	// Delimiter forces the field delimiter of a text file; 0 means detect.
	Delimiter rune
	// SampleRows is how many non-blank rows are read ahead to find the
	// header (default 100).
	SampleRows int
	// MaxRecordSize caps one CSV record in bytes (default 32 MiB): a quote
	// that is never closed would otherwise swallow the file.
	MaxRecordSize int
	// MaxUnzipSize caps the total uncompressed size of an XLSX or ODS file
	// (default 4 GiB).
	MaxUnzipSize int64
	// MaxPartSize caps each part of an XLSX or ODS file that is held in
	// memory: shared strings, styles, workbook (default 256 MiB).
	MaxPartSize int64
}

func (o Options) sampleRows() int {
	if o.SampleRows > 0 {
		return o.SampleRows
	}
	return 100
}

// rowSource yields the raw rows of one table: a CSV file's records or a
// sheet's rows, with their 1-based line or row number. Sheets skip rows that
// hold no value; text files return blank lines as a record of one empty
// field. The slice may be reused by the next call.
type rowSource interface {
	next() (row []string, line int, err error)
	close() error
}

// notesSource reports what a source had to forgive, once it reached EOF.
type notesSource interface{ notes() []warning }

// mergeSource lists the merged cell ranges of a sheet.
type mergeSource interface{ merges() ([]cellRange, error) }

// cellRange is a rectangle of cells, 1-based rows and 0-based columns.
type cellRange struct{ r1, c1, r2, c2 int }

type rawRow struct {
	cells []string
	line  int
	sep   bool // a blank row comes right before it
}

// maxCells bounds the cells one table may hold.
const (
	maxCells  = 500_000_000
	maxPadded = 100_000_000
)

// Reader reads one table row by row, like encoding/csv: Header gives the
// column labels and Read the next data row, always with len(Header())
// fields, or io.EOF after the last. Title lines above the header, blank rows,
// copies of the header and footnotes below the table are skipped; values are
// strings as found (spreadsheet dates already in ISO 8601).
type Reader struct {
	// ReuseRecord lets Read return a slice that the next call overwrites.
	ReuseRecord bool

	src        rowSource
	spread     bool // a spreadsheet: rows hold no line breaks, gaps are blank rows
	header     []string
	names      []string
	headerKey  []string
	headerLine int
	headerRows int
	width      int

	pending  []rawRow
	queue    []rawRow
	foot     []rawRow
	sawBlank bool
	cells    int64 // cells returned so far, against maxCells
	padded   int64 // empty cells added to short rows, against maxPadded
	lastLine int   // last row number read from a sheet
	line     int
	rows     int

	titles, repeated, footnotes, ragged, short int
	raggedLines                                []int
	notes                                      []warning
	out                                        []string
	err                                        error
}

// Header returns the column labels, cleaned (spaces collapsed, mojibake
// repaired); a column without a label is named column_N.
func (r *Reader) Header() []string { return r.header }

// Names returns the machine names derived from the labels: snake_case ASCII,
// unique.
func (r *Reader) Names() []string { return r.names }

// HeaderLine returns the 1-based line (text) or row (sheet) of the header, or
// 0 when the table has none and its columns got generated names.
func (r *Reader) HeaderLine() int { return r.headerLine }

// HeaderRows returns how many rows the header spans: 1, more for a header
// whose group labels sit on rows above (merged cells), 0 without a header.
func (r *Reader) HeaderRows() int { return r.headerRows }

// Line returns the line or row number where the last row returned by Read
// starts.
func (r *Reader) Line() int { return r.line }

// Rows returns how many data rows Read has returned.
func (r *Reader) Rows() int { return r.rows }

// Warnings lists what the reader noticed and worked around: title lines,
// repeated headers, ragged rows, footnotes, encoding repairs. Complete once
// Read has returned io.EOF.
func (r *Reader) Warnings() []string { return english(r.warnings()) }

// WarningsFR returns the same warnings as Warnings, in French.
func (r *Reader) WarningsFR() []string { return french(r.warnings()) }

func (r *Reader) warnings() []warning {
	var w []warning
	w = append(w, r.notes...)
	if r.titles > 0 {
		w = append(w, warnf("%d title lines above the header were skipped",
			"%d ligne(s) de titre au-dessus de l'en-tête ignorée(s)", r.titles))
	}
	if r.headerRows > 1 {
		w = append(w, warnf("the header spans %d rows; their labels were joined",
			"l'en-tête s'étend sur %d lignes : leurs libellés ont été réunis", r.headerRows))
	}
	if r.repeated > 0 {
		w = append(w, warnf("%d copies of the header line were skipped",
			"%d répétition(s) de la ligne d'en-tête ignorée(s)", r.repeated))
	}
	if r.ragged > 0 {
		w = append(w, warnf("%d rows have more values than the header has columns (first at line %s); the extra values were dropped",
			"%d ligne(s) avec plus de valeurs que l'en-tête n'a de colonnes (voir ligne(s) %s) : les valeurs en trop ont été supprimées",
			r.ragged, joinInts(r.raggedLines)))
	}
	if r.short > 0 {
		w = append(w, warnf("%d rows have fewer values than the header has columns; they were padded with empty values",
			"%d ligne(s) avec moins de valeurs que l'en-tête n'a de colonnes : elles ont été complétées par des valeurs vides", r.short))
	}
	if r.footnotes > 0 {
		w = append(w, warnf("%d footnote lines below the table were skipped",
			"%d ligne(s) de note sous le tableau ignorée(s)", r.footnotes))
	}
	if s, ok := r.src.(notesSource); ok {
		w = append(w, s.notes()...)
	}
	return w
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ", ")
}

// Close releases the file behind the reader.
func (r *Reader) Close() error { return r.src.close() }

func nonEmpty(row []string) (n, last int) {
	last = -1
	for i, v := range row {
		if !isBlank(v) {
			n++
			last = i
		}
	}
	return n, last
}

// hasValue reports whether a row holds anything but white space.
func hasValue(row []string) bool {
	for _, v := range row {
		if v != "" && trimSpace(v) != "" {
			return true
		}
	}
	return false
}

// isBlank reports whether a cell holds nothing or only a missing-value
// marker, for layout decisions.
func isBlank(v string) bool {
	if v == "" {
		return true
	}
	return isMissing(strings.TrimSpace(v))
}

// newReader samples the first rows of src, finds the header and returns a
// reader positioned on the first data row. what names the table in
// messages ("the file", "sheet X").
func newReader(src rowSource, spread bool, what phrase, opts Options) (*Reader, error) {
	r := &Reader{src: src, spread: spread}
	sample, err := r.sample(opts.sampleRows())
	if err != nil {
		return nil, err
	}
	lay := detectLayout(sample)
	if lay.empty {
		return nil, errorf(KindEmpty, ErrNoTable,
			"%s holds no table: %s.",
			"%s ne contient aucun tableau : %s.",
			phrase{capitalise(what.en), capitalise(what.fr)}, lay.why)
	}
	r.width = lay.width
	r.titles = lay.titles
	if lay.header >= 0 {
		h := sample[lay.header]
		r.headerLine = h.line
		r.headerRows = 1 + len(lay.groups)
		r.headerKey = trimmed(h.cells, r.width)
		var merges []cellRange
		if len(lay.groups) > 0 {
			if m, ok := src.(mergeSource); ok {
				merges, _ = m.merges()
			}
		}
		labels, repaired := composeLabels(sample, lay, merges, !spread)
		if repaired > 0 {
			r.notes = append(r.notes, warnf("%d header labels were decoded twice (mojibake such as \"Ã©\"); they were repaired",
				"%d libellé(s) d'en-tête décodé(s) deux fois (caractères comme « Ã© » au lieu de « é ») : corrigé(s)", repaired))
		}
		r.header = labels
		r.pending = sample[lay.header+1:]
	} else {
		r.header = make([]string, r.width)
		r.pending = sample[lay.data:]
	}
	for i, l := range r.header {
		if l == "" {
			r.header[i] = "column_" + strconv.Itoa(i+1)
		}
	}
	r.names = Names(r.header)
	return r, nil
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func trimmed(cells []string, width int) []string {
	out := make([]string, width)
	for i := range out {
		if i < len(cells) {
			out[i] = strings.TrimSpace(cells[i])
		}
	}
	return out
}

// sample reads up to n non-blank rows (and the blank rows between them).
func (r *Reader) sample(n int) ([]rawRow, error) {
	var rows []rawRow
	nb, blanks := 0, 0
	prevLine := 0
	sep := false
	for nb < n && blanks < 100000 {
		cells, line, err := r.src.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if !hasValue(cells) {
			sep = true
			blanks++
			prevLine = line
			continue
		}
		if r.spread && prevLine > 0 && line > prevLine+1 {
			sep = true
		}
		rows = append(rows, rawRow{cells: append([]string(nil), cells...), line: line, sep: sep})
		sep = false
		prevLine = line
		nb++
	}
	r.lastLine = prevLine
	return rows, nil
}

type layout struct {
	empty  bool
	why    phrase // why the table is empty, completing "… holds no table: "
	header int    // index in the sample, -1 if none
	groups []int  // sample indices of the rows above the header that label groups of columns
	data   int    // sample index of the first data row when there is no header
	titles int
	width  int
}

type rowInfo struct{ ne, typed, first, last int }

func infoOf(cells []string) rowInfo {
	ri := rowInfo{first: -1, last: -1}
	for i, v := range cells {
		if isBlank(v) {
			continue
		}
		if ri.first < 0 {
			ri.first = i
		}
		ri.ne++
		ri.last = i
		if looksTyped(strings.TrimSpace(v)) {
			ri.typed++
		}
	}
	return ri
}

// detectLayout finds the header in the first rows of a table: the last row
// of text labels above the first row holding numbers or dates, as long as it
// is about as wide as the data; the text rows right above it label groups of
// columns (multi-row header) and sparse rows further up are titles. Copies
// of the header just below the first one are skipped later by Read.
func detectLayout(rows []rawRow) layout {
	lay := layout{header: -1}
	if len(rows) == 0 {
		lay.empty, lay.why = true, phrase{"it is empty", "aucune valeur n'y figure"}
		return lay
	}
	info := make([]rowInfo, len(rows))
	maxNE := 0
	for i, row := range rows {
		info[i] = infoOf(row.cells)
		maxNE = max(maxNE, info[i].ne)
	}
	if maxNE == 0 {
		lay.empty, lay.why = true, phrase{"it holds only missing-value markers", "seuls des marqueurs de valeur manquante y figurent"}
		return lay
	}
	if maxNE < 2 && len(rows) < 2 {
		lay.empty, lay.why = true, phrase{"it holds a single value", "une seule valeur y figure"}
		return lay
	}
	if isExportNotice(rows) {
		lay.empty, lay.why = true, phrase{"it is the export notice written by Apple Numbers", "c'est la notice d'export ajoutée par Apple Numbers"}
		return lay
	}
	minWide := min(2, maxNE)
	first := -1
	for i := range rows {
		if info[i].typed > 0 && info[i].ne >= minWide {
			first = i
			break
		}
	}
	switch {
	case first > 0 && info[first-1].typed == 0 && info[first-1].ne >= minWide && info[first-1].ne*3 >= info[first].ne:
		lay.header = first - 1
	case first >= 0:
		lay.data = first
	default:
		for i := range rows {
			if info[i].ne >= max(minWide, (maxNE+1)/2) {
				lay.header = i
				break
			}
		}
	}
	if h := lay.header; h >= 0 {
		// A header written several times: the first copy is the header.
		for h > 0 && !rows[h].sep && equalCells(rows[h-1].cells, rows[h].cells) {
			h--
		}
		lay.header = h
		for g := h; g > 0 && len(lay.groups) < 3; g-- {
			// A group row labels several columns; a single label counts when
			// it is not in the first column, where titles sit.
			if rows[g].sep || info[g-1].typed > 0 || info[g-1].ne == 0 || (info[g-1].ne == 1 && info[g-1].first == 0) {
				break
			}
			lay.groups = append([]int{g - 1}, lay.groups...)
		}
		top := h
		if len(lay.groups) > 0 {
			top = lay.groups[0]
		}
		lay.titles = top
		lay.width = info[h].last + 1
		// Columns right of the last label count when at least half the
		// sampled rows fill them (labels missing from the header); a few
		// longer rows are ragged.
		for {
			filled, n := 0, 0
			for i := h + 1; i < len(rows); i++ {
				n++
				if info[i].last >= lay.width {
					filled++
				}
			}
			if n == 0 || filled*2 < n {
				break
			}
			lay.width++
		}
	} else {
		lay.titles = lay.data
		for i := lay.data; i < len(rows); i++ {
			lay.width = max(lay.width, info[i].last+1)
		}
	}
	return lay
}

// isExportNotice recognises the sheet Apple Numbers adds to its XLSX
// exports ("Ce document a été exporté depuis Numbers…").
func isExportNotice(rows []rawRow) bool {
	for _, row := range rows[:min(len(rows), 3)] {
		for _, v := range row.cells {
			if strings.Contains(v, "exporté depuis Numbers") || strings.Contains(v, "exported from Numbers") {
				return true
			}
		}
	}
	return false
}

func equalCells(a, b []string) bool {
	na, la := nonEmpty(a)
	nb, lb := nonEmpty(b)
	if na != nb || la != lb {
		return false
	}
	for i := 0; i <= la; i++ {
		if strings.TrimSpace(a[i]) != strings.TrimSpace(b[i]) {
			return false
		}
	}
	return true
}

// composeLabels builds each column's label from the header row and the
// group rows above it. Merged cells spread their value over their range;
// text files have no merges, so a group label runs right up to the next
// one (fill is true).
func composeLabels(rows []rawRow, lay layout, merges []cellRange, fill bool) ([]string, int) {
	idx := append(append([]int(nil), lay.groups...), lay.header)
	grid := make([][]string, len(idx))
	byLine := map[int]int{}
	for k, i := range idx {
		grid[k] = make([]string, lay.width)
		copy(grid[k], rows[i].cells)
		byLine[rows[i].line] = k
	}
	if len(merges) > 0 {
		lines := map[int][]string{}
		for _, row := range rows {
			lines[row.line] = row.cells
		}
		for _, m := range merges {
			top := lines[m.r1]
			if m.c1 >= len(top) {
				continue
			}
			v := top[m.c1]
			for line := m.r1; line <= m.r2; line++ {
				k, ok := byLine[line]
				if !ok {
					continue
				}
				for c := m.c1; c <= m.c2 && c < lay.width; c++ {
					if grid[k][c] == "" {
						grid[k][c] = v
					}
				}
			}
		}
	} else if fill {
		for k := 0; k < len(grid)-1; k++ {
			cur := ""
			for c := range grid[k] {
				if grid[k][c] != "" {
					cur = grid[k][c]
				} else {
					grid[k][c] = cur
				}
			}
		}
	}
	labels := make([]string, lay.width)
	repaired := 0
	for c := range labels {
		var parts []string
		for k := range grid {
			p, fixed := cleanLabel(grid[k][c])
			if fixed {
				repaired++
			}
			if p != "" && (len(parts) == 0 || parts[len(parts)-1] != p) {
				parts = append(parts, p)
			}
		}
		labels[c] = strings.Join(parts, " ")
	}
	return labels, repaired
}

// cleanLabel trims a header label, collapses its white space (line breaks,
// no-break spaces) and repairs double-decoded UTF-8.
func cleanLabel(s string) (string, bool) {
	s, fixed := repairMojibake(s)
	s = strings.TrimPrefix(s, "\uFEFF")
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\u00A0' || r == '\u202F' || r == '\v' || r == '\f'
	}), " "), fixed
}

// next returns the next raw row: sampled rows first, then the source.
func (r *Reader) next() (rawRow, error) {
	if len(r.pending) > 0 {
		row := r.pending[0]
		r.pending = r.pending[1:]
		return row, nil
	}
	cells, line, err := r.src.next()
	if err != nil {
		return rawRow{}, err
	}
	// Sheets skip empty rows: a gap in row numbers is a blank row.
	sep := r.spread && line > r.lastLine+1
	r.lastLine = line
	return rawRow{cells: cells, line: line, sep: sep}, nil
}

// Read returns the next data row, or io.EOF after the last one. A damaged
// file returns an *Error.
func (r *Reader) Read() ([]string, error) {
	if r.err != nil {
		return nil, r.err
	}
	for {
		if len(r.queue) > 0 {
			row := r.queue[0]
			r.queue = r.queue[1:]
			if err := r.charge(row); err != nil {
				return nil, err
			}
			return r.emit(row), nil
		}
		row, err := r.next()
		if err == io.EOF {
			if len(r.foot) > 0 {
				r.footnotes += len(r.foot)
				r.foot = nil
			}
			r.err = io.EOF
			return nil, io.EOF
		}
		if err != nil {
			r.err = err
			return nil, err
		}
		if row.sep {
			r.sawBlank = true
		}
		if !hasValue(row.cells) {
			r.sawBlank = true
			continue
		}
		if r.headerKey != nil && r.isHeaderCopy(row.cells) {
			r.repeated++
			continue
		}
		if r.sawBlank && r.width >= 3 && len(r.foot) < 100 {
			if ne, _ := nonEmpty(row.cells); ne == 1 {
				// Perhaps a footnote: only known at the end of the table.
				row.cells = append([]string(nil), row.cells...)
				r.foot = append(r.foot, row)
				continue
			}
		}
		r.sawBlank = false
		if len(r.foot) > 0 {
			r.queue = append(r.foot, rawRow{cells: append([]string(nil), row.cells...), line: row.line})
			r.foot = nil
			continue
		}
		if err := r.charge(row); err != nil {
			return nil, err
		}
		return r.emit(row), nil
	}
}

// charge bounds the work a table may cause: a few bytes of XML can declare
// huge repeated rows and columns, and a wide header over many short lines
// makes every line a full row of empty values.
func (r *Reader) charge(row rawRow) error {
	r.cells += int64(r.width)
	if n := len(row.cells); n < r.width {
		r.padded += int64(r.width - n)
	}
	switch {
	case r.cells > maxCells:
		r.err = errorf(KindTooLarge, nil,
			"This table expands to more than %d million cells: it is refused.",
			"Ce tableau compte plus de %d millions de cellules une fois développé : il est refusé.", maxCells/1_000_000)
	case r.padded > maxPadded:
		r.err = errorf(KindTooLarge, nil,
			"This table's rows hold far fewer values than its %d columns (more than %d million empty cells to add): it is probably not a table, or its header line is wrong.",
			"Les lignes de ce tableau contiennent bien moins de valeurs que ses %d colonnes (plus de %d millions de cellules vides à ajouter) : ce n'est sans doute pas un tableau, ou sa ligne d'en-tête est erronée.",
			r.width, maxPadded/1_000_000)
	}
	return r.err
}

func (r *Reader) isHeaderCopy(cells []string) bool {
	if len(cells) == 0 || len(r.headerKey) == 0 || strings.TrimSpace(cells[0]) != r.headerKey[0] {
		return false
	}
	for i, k := range r.headerKey {
		v := ""
		if i < len(cells) {
			v = strings.TrimSpace(cells[i])
		}
		if v != k {
			return false
		}
	}
	_, last := nonEmpty(cells)
	return last < len(r.headerKey)
}

// emit shapes a row to the table's width.
func (r *Reader) emit(row rawRow) []string {
	r.line = row.line
	r.rows++
	var out []string
	if r.ReuseRecord && cap(r.out) >= r.width {
		out = r.out[:r.width]
	} else {
		out = make([]string, r.width)
		r.out = out
	}
	n := copy(out, row.cells)
	for i := n; i < r.width; i++ {
		out[i] = ""
	}
	if len(row.cells) > r.width {
		for _, v := range row.cells[r.width:] {
			if !isBlank(v) {
				r.ragged++
				if len(r.raggedLines) < 5 {
					r.raggedLines = append(r.raggedLines, row.line)
				}
				break
			}
		}
	} else if len(row.cells) < r.width && !r.spread {
		r.short++
	}
	return out
}
