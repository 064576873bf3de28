package converters

import (
	"archive/zip"
	"bytes"
	"io"
	"strings"
)

const ods = "ODS"

// odsBook is an opened OpenDocument spreadsheet. Its sheets all live in
// content.xml, which is streamed (never loaded whole) once per table read;
// repeated rows and cells (a sheet may declare a million empty rows) are
// counted, never expanded when empty.
type odsBook struct {
	zr      *zip.Reader
	closer  io.Closer
	opts    Options
	content *zip.File
	list    []Sheet
}

func openODS(ra io.ReaderAt, size int64, opts Options) (workbook, error) {
	zr, err := openZip(ra, size, ods, opts)
	if err != nil {
		return nil, err
	}
	b := &odsBook{zr: zr, opts: opts, content: zipEntry(zr, "content.xml")}
	if c, ok := ra.(io.Closer); ok {
		b.closer = c
	}
	if b.content == nil {
		return nil, errorf(KindInvalid, nil,
			"This ODS file has no content.xml: save it again from LibreOffice.",
			"Ce fichier ODS n'a pas de partie content.xml : enregistrez-le de nouveau depuis LibreOffice.")
	}
	// List the sheets: names, and hidden ones through their table style.
	rc, err := openPart(b.content, ods, 0)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	sc := newXMLScanner(rc, 0)
	hiddenStyles := map[string]bool{}
	style := ""
	for {
		if err := sc.next(); err != nil {
			return nil, partError(err, "content.xml", ods)
		}
		if sc.kind == tokEOF {
			break
		}
		if sc.kind != tokStart {
			continue
		}
		switch {
		case sc.is("style"):
			name, _ := sc.attr("name")
			style = string(name)
		case sc.is("table-properties"):
			if d, _ := sc.attr("display"); string(d) == "false" {
				hiddenStyles[style] = true
			}
		case sc.is("table"):
			name, _ := sc.attr("name")
			st, _ := sc.attr("style-name")
			b.list = append(b.list, Sheet{Name: string(appendText(nil, name)), Hidden: hiddenStyles[string(st)]})
			// Skip the table's content: nothing else is needed to list it.
			if err := sc.skip(); err != nil {
				return nil, partError(err, "content.xml", ods)
			}
		}
	}
	if len(b.list) == 0 {
		return nil, errorf(KindEmpty, ErrNoTable,
			"This ODS file has no sheet.",
			"Ce fichier ODS ne contient aucune feuille.")
	}
	return b, nil
}

func (b *odsBook) sheets() []Sheet { return b.list }

func (b *odsBook) close() error {
	if b.closer != nil {
		return b.closer.Close()
	}
	return nil
}

func (b *odsBook) open(i int) (rowSource, error) {
	rc, err := openPart(b.content, ods, 0)
	if err != nil {
		return nil, err
	}
	s := &odsSheet{rc: rc, sc: newXMLScanner(rc, 0)}
	// Find the i-th table.
	for n := 0; ; {
		if err := s.sc.next(); err != nil {
			rc.Close()
			return nil, partError(err, "content.xml", ods)
		}
		if s.sc.kind == tokEOF {
			rc.Close()
			return nil, errorf(KindInvalid, nil,
				"Sheet %q vanished from the ODS file.",
				"La feuille %q a disparu du fichier ODS.", b.list[i].Name)
		}
		if s.sc.kind == tokStart && s.sc.is("table") {
			if n == i {
				s.done = s.sc.empty
				return s, nil
			}
			n++
			if err := s.sc.skip(); err != nil {
				rc.Close()
				return nil, partError(err, "content.xml", ods)
			}
		}
	}
}

// odsSheet streams the rows of one table of content.xml.
type odsSheet struct {
	rc   io.ReadCloser
	sc   *xmlScanner
	done bool
	line int // rows consumed so far

	row     []string
	cells   []xcell
	buf     []byte
	repeat  int // copies of the current row still to return
	spans   []cellRange
	emitted int
	capped  int
}

func (s *odsSheet) close() error { return s.rc.Close() }

func (s *odsSheet) merges() ([]cellRange, error) { return s.spans, nil }

func (s *odsSheet) notes() []warning {
	if s.capped > 0 {
		return []warning{warnf("%d cells beyond column %d were ignored",
			"%d cellule(s) au-delà de la colonne %d ignorée(s)", s.capped, maxColumns)}
	}
	return nil
}

func (s *odsSheet) next() ([]string, int, error) {
	if s.repeat > 0 {
		s.repeat--
		s.line++
		return s.row, s.line, nil
	}
	sc := s.sc
	for !s.done {
		if err := sc.next(); err != nil {
			s.done = true
			return nil, 0, partError(err, "content.xml", ods)
		}
		switch sc.kind {
		case tokEOF:
			s.done = true
		case tokEnd:
			if sc.is("table") {
				s.done = true
			}
		case tokStart:
			switch {
			case sc.is("table-row"):
				n := max(1, sc.attrInt("number-rows-repeated", 1))
				if sc.empty {
					s.line += n
					continue
				}
				if err := s.readRow(); err != nil {
					s.done = true
					return nil, 0, partError(err, "content.xml", ods)
				}
				if len(s.cells) == 0 {
					s.line += n
					continue
				}
				s.emitted += n
				if s.emitted > maxRows {
					s.done = true
					return nil, 0, errorf(KindTooLarge, nil,
						"This ODS sheet declares more than %d rows of data: it is refused.",
						"Cette feuille ODS déclare plus de %d lignes de données : elle est refusée.", maxRows)
				}
				row := s.build()
				s.repeat = n - 1
				s.line++
				return row, s.line, nil
			case sc.is("table-header-rows"), sc.is("table-rows"), sc.is("table-row-group"):
				// Containers of rows: descend.
			case sc.is("table"):
				// A sub-table: not supported, skip it.
				if err := sc.skip(); err != nil {
					return nil, 0, partError(err, "content.xml", ods)
				}
			default:
				if err := sc.skip(); err != nil {
					return nil, 0, partError(err, "content.xml", ods)
				}
			}
		}
	}
	return nil, 0, io.EOF
}

// readRow reads the cells of the row whose start tag was just read.
func (s *odsSheet) readRow() error {
	sc := s.sc
	s.cells, s.buf = s.cells[:0], s.buf[:0]
	col := 0
	line := s.line + 1
	for {
		if err := sc.next(); err != nil {
			return err
		}
		switch sc.kind {
		case tokEOF:
			return errXMLSyntax
		case tokEnd:
			if sc.is("table-row") {
				return nil
			}
		case tokStart:
			covered := sc.is("covered-table-cell")
			if !sc.is("table-cell") && !covered {
				if err := sc.skip(); err != nil {
					return err
				}
				continue
			}
			n := max(1, sc.attrInt("number-columns-repeated", 1))
			spanC, spanR := sc.attrInt("number-columns-spanned", 1), sc.attrInt("number-rows-spanned", 1)
			if (spanC > 1 || spanR > 1) && len(s.spans) < 10000 && col < maxColumns {
				s.spans = append(s.spans, cellRange{r1: line, c1: col, r2: line + spanR - 1, c2: col + spanC - 1})
			}
			start := len(s.buf)
			if err := s.readCell(covered); err != nil {
				return err
			}
			if len(s.buf) == start {
				col += n // empty cells are counted, not expanded
				continue
			}
			for k := 0; k < n; k++ {
				if col >= maxColumns {
					s.capped += n - k
					break
				}
				s.cells = append(s.cells, xcell{col: col, a: start, b: len(s.buf)})
				col++
			}
		}
	}
}

// readCell appends the value of the cell whose start tag was just read:
// the typed value attribute when there is one (numbers, dates, booleans),
// else the text of its paragraphs. Annotations and drawings are skipped.
func (s *odsSheet) readCell(covered bool) error {
	sc := s.sc
	typ, _ := sc.attr("value-type")
	switch string(typ) {
	case "float", "percentage", "currency":
		if v, ok := sc.attr("value"); ok {
			s.buf = append(s.buf, formatFloat(string(bytes.TrimSpace(v)))...)
			return sc.skip()
		}
	case "date":
		if v, ok := sc.attr("date-value"); ok {
			v = bytes.TrimSuffix(v, []byte("T00:00:00"))
			s.buf = append(s.buf, v...)
			return sc.skip()
		}
	case "time":
		if v, ok := sc.attr("time-value"); ok {
			s.buf = appendODSTime(s.buf, string(v))
			return sc.skip()
		}
	case "boolean":
		if v, ok := sc.attr("boolean-value"); ok {
			s.buf = append(s.buf, v...)
			return sc.skip()
		}
	case "string":
		if v, ok := sc.attr("string-value"); ok {
			s.buf = appendText(s.buf, v)
			return sc.skip()
		}
	}
	if sc.empty {
		return nil
	}
	paragraphs := 0
	depth := 1
	for depth > 0 {
		if err := sc.next(); err != nil {
			return err
		}
		switch sc.kind {
		case tokEOF:
			return errXMLSyntax
		case tokStart:
			switch {
			case sc.is("annotation"), sc.is("frame"), sc.is("custom-shape"), sc.is("note"):
				if err := sc.skip(); err != nil {
					return err
				}
				continue
			case sc.is("p"), sc.is("h"):
				if paragraphs > 0 {
					s.buf = append(s.buf, '\n')
				}
				paragraphs++
			case sc.is("s"):
				s.buf = append(s.buf, strings.Repeat(" ", min(max(1, sc.attrInt("c", 1)), 1000))...)
			case sc.is("tab"):
				s.buf = append(s.buf, '\t')
			case sc.is("line-break"):
				s.buf = append(s.buf, '\n')
			}
			if !sc.empty {
				depth++
			}
		case tokEnd:
			depth--
		case tokText:
			if depth > 1 {
				if sc.cdata {
					s.buf = append(s.buf, sc.text...)
				} else {
					s.buf = appendText(s.buf, sc.text)
				}
			}
		}
	}
	return nil
}

// appendODSTime renders an ISO 8601 duration such as PT13H45M00S as
// 13:45:00.
func appendODSTime(dst []byte, v string) []byte {
	rest, ok := strings.CutPrefix(v, "PT")
	if !ok {
		return append(dst, v...)
	}
	var h, m, sec int
	for _, unit := range []byte{'H', 'M', 'S'} {
		i := strings.IndexByte(rest, unit)
		if i < 0 {
			continue
		}
		num := rest[:i]
		if j := strings.IndexByte(num, '.'); j >= 0 {
			num = num[:j]
		}
		n, _ := atoiN(num)
		switch unit {
		case 'H':
			h = n
		case 'M':
			m = n
		case 'S':
			sec = n
		}
		rest = rest[i+1:]
	}
	dst = append2(dst, h%100)
	dst = append(dst, ':')
	dst = append2(dst, m)
	dst = append(dst, ':')
	return append2(dst, sec)
}

func (s *odsSheet) build() []string {
	width := 0
	for _, c := range s.cells {
		width = max(width, c.col+1)
	}
	row := make([]string, width)
	str := string(s.buf)
	for _, c := range s.cells {
		row[c.col] = str[c.a:c.b]
	}
	s.row = row
	return row
}
