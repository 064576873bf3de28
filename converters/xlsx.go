package converters

import (
	"archive/zip"
	"bytes"
	"io"
	"strconv"
	"strings"
)

const xlsx = "XLSX"

// xlsxBook is an opened XLSX workbook. Sheets are streamed straight from
// their zip entries with xmlScanner (excelize's Rows iterator cannot tell a
// cell's number format, hence dates, without loading the whole sheet, and
// keeps the shared strings as one struct per string); the shared strings
// are held as one string and offsets.
type xlsxBook struct {
	zr       *zip.Reader
	closer   io.Closer
	opts     Options
	list     []Sheet
	parts    []string
	date1904 bool
	kinds    []numKind // number format kind of each cellXfs style
	sstPart  string
	sst      *sharedStrings
}

type sharedStrings struct {
	data string
	offs []uint32
}

func (s *sharedStrings) get(i int) (string, bool) {
	if s == nil || i < 0 || i+1 >= len(s.offs) {
		return "", false
	}
	return s.data[s.offs[i]:s.offs[i+1]], true
}

func openXLSX(ra io.ReaderAt, size int64, opts Options) (workbook, error) {
	zr, err := openZip(ra, size, xlsx, opts)
	if err != nil {
		return nil, err
	}
	b := &xlsxBook{zr: zr, opts: opts}
	if c, ok := ra.(io.Closer); ok {
		b.closer = c
	}
	wbPart := "xl/workbook.xml"
	if rels, err := b.readRels("_rels/.rels"); err == nil {
		for _, r := range rels {
			if strings.HasSuffix(r.typ, "/officeDocument") {
				wbPart = resolvePart("", r.target)
			}
		}
	}
	type sheetRef struct {
		name, id string
		hidden   bool
	}
	var refs []sheetRef
	err = b.scanPart(wbPart, func(sc *xmlScanner) error {
		switch {
		case sc.is("workbookPr"):
			v, _ := sc.attr("date1904")
			b.date1904 = string(v) == "1" || string(v) == "true"
		case sc.is("sheet"):
			name, _ := sc.attr("name")
			id, _ := sc.attr("id")
			state, _ := sc.attr("state")
			refs = append(refs, sheetRef{name: string(appendText(nil, name)), id: string(id), hidden: len(state) > 0 && string(state) != "visible"})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	rels, err := b.readRels(resolvePart(wbPart, "_rels/"+pathBase(wbPart)+".rels"))
	if err != nil {
		return nil, err
	}
	byID := map[string]rel{}
	for _, r := range rels {
		byID[r.id] = r
		switch {
		case strings.HasSuffix(r.typ, "/sharedStrings"):
			b.sstPart = resolvePart(wbPart, r.target)
		case strings.HasSuffix(r.typ, "/styles"):
			if err := b.readStyles(resolvePart(wbPart, r.target)); err != nil {
				return nil, err
			}
		}
	}
	for _, ref := range refs {
		r, ok := byID[ref.id]
		if !ok || !strings.HasSuffix(r.typ, "/worksheet") {
			continue // chart sheets and dialogs hold no cells
		}
		b.list = append(b.list, Sheet{Name: ref.name, Hidden: ref.hidden})
		b.parts = append(b.parts, resolvePart(wbPart, r.target))
	}
	if len(b.list) == 0 {
		return nil, errorf(KindEmpty, ErrNoTable,
			"This workbook has no worksheet.",
			"Ce classeur ne contient aucune feuille de calcul.")
	}
	return b, nil
}

func pathBase(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

func (b *xlsxBook) sheets() []Sheet { return b.list }

func (b *xlsxBook) close() error {
	if b.closer != nil {
		return b.closer.Close()
	}
	return nil
}

// scanPart streams a small part, calling fn on every start tag.
func (b *xlsxBook) scanPart(name string, fn func(*xmlScanner) error) error {
	f := zipEntry(b.zr, name)
	if f == nil {
		return errorf(KindInvalid, nil,
			"This XLSX file lacks its part %s: save it again from the spreadsheet program.",
			"Ce fichier XLSX est incomplet (la partie %s manque) : enregistrez-le de nouveau depuis le tableur.", name)
	}
	rc, err := openPart(f, xlsx, b.opts.maxPart())
	if err != nil {
		return err
	}
	defer rc.Close()
	sc := newXMLScanner(rc, 0)
	for {
		if err := sc.next(); err != nil {
			return partError(err, name, xlsx)
		}
		switch sc.kind {
		case tokEOF:
			return nil
		case tokStart:
			if err := fn(sc); err != nil {
				return err
			}
		}
	}
}

type rel struct{ id, target, typ string }

func (b *xlsxBook) readRels(name string) ([]rel, error) {
	var rels []rel
	err := b.scanPart(name, func(sc *xmlScanner) error {
		if sc.is("Relationship") {
			id, _ := sc.attr("Id")
			target, _ := sc.attr("Target")
			typ, _ := sc.attr("Type")
			rels = append(rels, rel{id: string(id), target: string(appendText(nil, target)), typ: string(typ)})
		}
		return nil
	})
	return rels, err
}

func (b *xlsxBook) readStyles(name string) error {
	custom := map[int]numKind{}
	var xfs []int
	inXfs := false
	f := zipEntry(b.zr, name)
	if f == nil {
		return nil // no styles part: every number is General
	}
	rc, err := openPart(f, xlsx, b.opts.maxPart())
	if err != nil {
		return err
	}
	defer rc.Close()
	sc := newXMLScanner(rc, 0)
	for {
		if err := sc.next(); err != nil {
			return partError(err, name, xlsx)
		}
		switch sc.kind {
		case tokEOF:
			b.kinds = make([]numKind, len(xfs))
			for i, id := range xfs {
				if k, ok := custom[id]; ok {
					b.kinds[i] = k
				} else {
					b.kinds[i] = builtinKind(id)
				}
			}
			return nil
		case tokStart:
			switch {
			case sc.is("numFmt"):
				code, _ := sc.attr("formatCode")
				custom[sc.attrInt("numFmtId", -1)] = formatKind(string(appendText(nil, code)))
			case sc.is("cellXfs"):
				inXfs = !sc.empty
			case sc.is("xf") && inXfs:
				xfs = append(xfs, sc.attrInt("numFmtId", 0))
			}
		case tokEnd:
			if sc.is("cellXfs") {
				inXfs = false
			}
		}
	}
}

// loadSST reads the shared strings table once, into one string.
func (b *xlsxBook) loadSST() error {
	if b.sst != nil || b.sstPart == "" {
		return nil
	}
	f := zipEntry(b.zr, b.sstPart)
	if f == nil {
		return nil
	}
	rc, err := openPart(f, xlsx, b.opts.maxPart())
	if err != nil {
		return err
	}
	defer rc.Close()
	sc := newXMLScanner(rc, 0)
	var data []byte
	offs := []uint32{0}
	depthPh := 0
	inT := false
	for {
		if err := sc.next(); err != nil {
			return partError(err, b.sstPart, xlsx)
		}
		switch sc.kind {
		case tokEOF:
			b.sst = &sharedStrings{data: string(data), offs: offs}
			return nil
		case tokStart:
			switch {
			case sc.is("rPh") && !sc.empty:
				depthPh++
			case sc.is("t") && !sc.empty:
				inT = depthPh == 0
			}
		case tokEnd:
			switch {
			case sc.is("rPh"):
				depthPh--
			case sc.is("t"):
				inT = false
			case sc.is("si"):
				if len(data) > 1<<32-1 {
					return errorf(KindTooLarge, nil,
						"The shared strings of this XLSX file exceed 4 GB.",
						"Les chaînes partagées de ce fichier XLSX dépassent 4 Go.")
				}
				offs = append(offs, uint32(len(data)))
			}
		case tokText:
			if inT {
				if sc.cdata {
					data = append(data, sc.text...)
				} else {
					data = appendText(data, sc.text)
				}
			}
		}
	}
}

func (b *xlsxBook) open(i int) (rowSource, error) {
	if err := b.loadSST(); err != nil {
		return nil, err
	}
	f := zipEntry(b.zr, b.parts[i])
	if f == nil {
		return nil, errorf(KindInvalid, nil,
			"This XLSX file lacks the part %s of sheet %q: save it again from the spreadsheet program.",
			"Ce fichier XLSX est incomplet (la partie %s de la feuille %q manque) : enregistrez-le de nouveau depuis le tableur.",
			b.parts[i], b.list[i].Name)
	}
	rc, err := openPart(f, xlsx, 0)
	if err != nil {
		return nil, err
	}
	return &xlsxSheet{b: b, f: f, rc: rc, sc: newXMLScanner(rc, 0)}, nil
}

// xlsxSheet streams the rows of one worksheet.
type xlsxSheet struct {
	b    *xlsxBook
	f    *zip.File
	rc   io.ReadCloser
	sc   *xmlScanner
	done bool
	data bool // inside sheetData
	last int  // last row number

	row      []string
	cells    []xcell
	buf      []byte
	raw      []byte
	errCells int
	dropped  int
}

// xcell is a parsed cell: a shared string, or bytes a:b of the row buffer.
type xcell struct {
	col  int
	s    string
	a, b int
	sst  bool
}

func (s *xlsxSheet) close() error { return s.rc.Close() }

func (s *xlsxSheet) fail(err error) error {
	s.done = true
	return partError(err, s.f.Name, xlsx)
}

func (s *xlsxSheet) next() ([]string, int, error) {
	sc := s.sc
	for !s.done {
		if err := sc.next(); err != nil {
			return nil, 0, s.fail(err)
		}
		switch sc.kind {
		case tokEOF:
			s.done = true
		case tokEnd:
			if sc.is("sheetData") {
				s.done = true
			}
		case tokStart:
			if !s.data {
				if sc.is("sheetData") {
					s.data = true
					s.done = sc.empty
				}
				continue
			}
			if !sc.is("row") {
				if err := sc.skip(); err != nil {
					return nil, 0, s.fail(err)
				}
				continue
			}
			num := sc.attrInt("r", s.last+1)
			s.last = num
			if sc.empty {
				continue
			}
			if err := s.readRow(); err != nil {
				return nil, 0, s.fail(err)
			}
			if len(s.cells) == 0 {
				continue
			}
			return s.build(), num, nil
		}
	}
	return nil, 0, io.EOF
}

// readRow reads the cells of the row whose start tag was just read.
func (s *xlsxSheet) readRow() error {
	sc := s.sc
	s.cells, s.buf = s.cells[:0], s.buf[:0]
	col := -1
	for {
		if err := sc.next(); err != nil {
			return err
		}
		switch sc.kind {
		case tokEOF:
			return errXMLSyntax
		case tokEnd:
			if sc.is("row") {
				return nil
			}
		case tokStart:
			if !sc.is("c") {
				if err := sc.skip(); err != nil {
					return err
				}
				continue
			}
			if ref, ok := sc.attr("r"); ok {
				c, ok := colIndex(ref)
				if !ok {
					s.dropped++
					if err := sc.skip(); err != nil {
						return err
					}
					continue
				}
				col = c
			} else {
				col++
			}
			if col >= maxColumns {
				s.dropped++
				if err := sc.skip(); err != nil {
					return err
				}
				continue
			}
			typ, _ := sc.attr("t")
			style := sc.attrInt("s", 0)
			if sc.empty {
				continue
			}
			if err := s.readCell(col, string(typ), style); err != nil {
				return err
			}
		}
	}
}

// readCell reads a cell's content up to </c> and records its value.
func (s *xlsxSheet) readCell(col int, typ string, style int) error {
	sc := s.sc
	s.raw = s.raw[:0]
	inline := typ == "inlineStr"
	start := len(s.buf)
	inV, inT, ph := false, false, 0
	for {
		if err := sc.next(); err != nil {
			return err
		}
		switch sc.kind {
		case tokEOF:
			return errXMLSyntax
		case tokStart:
			switch {
			case sc.is("v"):
				inV = !sc.empty
			case sc.is("f"):
				if err := sc.skip(); err != nil {
					return err
				}
			case sc.is("rPh"):
				if !sc.empty {
					ph++
				}
			case sc.is("t"):
				inT = inline && ph == 0 && !sc.empty
			}
		case tokText:
			switch {
			case inV:
				s.raw = append(s.raw, sc.text...)
			case inT:
				s.buf = appendText(s.buf, sc.text)
			}
		case tokEnd:
			switch {
			case sc.is("v"):
				inV = false
			case sc.is("t"):
				inT = false
			case sc.is("rPh"):
				ph--
			case sc.is("c"):
				if inline {
					if len(s.buf) > start {
						s.cells = append(s.cells, xcell{col: col, a: start, b: len(s.buf)})
					}
					return nil
				}
				s.value(col, typ, style)
				return nil
			}
		}
	}
}

// value turns a cell's <v> into its text: shared string, formula string,
// boolean, or a number rendered through the cell's number format.
func (s *xlsxSheet) value(col int, typ string, style int) {
	raw := s.raw
	if len(raw) == 0 {
		return
	}
	start := len(s.buf)
	switch typ {
	case "s":
		i, err := strconv.Atoi(string(bytes.TrimSpace(raw)))
		if v, ok := s.b.sst.get(i); err == nil && ok {
			if v != "" {
				s.cells = append(s.cells, xcell{col: col, s: v, sst: true})
			}
			return
		}
		s.errCells++
		return
	case "str", "d":
		s.buf = appendText(s.buf, raw)
	case "b":
		if string(raw) == "1" || string(raw) == "true" {
			s.buf = append(s.buf, "true"...)
		} else {
			s.buf = append(s.buf, "false"...)
		}
	case "e":
		s.errCells++
		return
	default:
		raw = bytes.TrimSpace(raw)
		kind := numGeneral
		if style > 0 && style < len(s.b.kinds) {
			kind = s.b.kinds[style]
		}
		if kind != numGeneral {
			var ok bool
			if s.buf, ok = appendSerial(s.buf, string(raw), kind, s.b.date1904); ok {
				break
			}
		}
		if isPlainShortBytes(raw) {
			s.buf = append(s.buf, raw...)
		} else {
			s.buf = append(s.buf, formatFloat(string(raw))...)
		}
	}
	if len(s.buf) > start {
		s.cells = append(s.cells, xcell{col: col, a: start, b: len(s.buf)})
	}
}

func isPlainShortBytes(b []byte) bool {
	if len(b) == 0 || len(b) > 17 {
		return false
	}
	digits, dot := 0, -1
	for i, c := range b {
		switch {
		case isDigit(c):
			digits++
		case c == '-' && i == 0:
		case c == '.' && dot < 0:
			dot = i
		default:
			return false
		}
	}
	return digits > 0 && digits <= 15 && (dot < 0 || (b[len(b)-1] != '0' && dot != len(b)-1))
}

// build lays the parsed cells out by column.
func (s *xlsxSheet) build() []string {
	width := 0
	for _, c := range s.cells {
		width = max(width, c.col+1)
	}
	if cap(s.row) < width {
		s.row = make([]string, width)
	}
	row := s.row[:width]
	clear(row)
	str := string(s.buf)
	for _, c := range s.cells {
		if c.sst {
			row[c.col] = c.s
		} else {
			row[c.col] = str[c.a:c.b]
		}
	}
	return row
}

// merges reads the merged ranges at the end of the sheet. It rereads the
// sheet's entry, so it is only called for tables with a multi-row header,
// and skipped on sheets over 256 MB.
func (s *xlsxSheet) merges() ([]cellRange, error) {
	if s.f.UncompressedSize64 > 256<<20 {
		return nil, nil
	}
	rc, err := s.f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	sc := newXMLScanner(rc, 0)
	var out []cellRange
	for len(out) < 100000 {
		if err := sc.next(); err != nil {
			return out, err
		}
		switch sc.kind {
		case tokEOF:
			return out, nil
		case tokEnd:
			if sc.is("mergeCells") {
				return out, nil
			}
		case tokStart:
			if !sc.is("mergeCell") {
				continue
			}
			ref, _ := sc.attr("ref")
			a, b, ok := bytes.Cut(ref, []byte(":"))
			if !ok {
				continue
			}
			c1, r1, ok1 := cellRef(a)
			c2, r2, ok2 := cellRef(b)
			if ok1 && ok2 && r1 <= r2 && c1 <= c2 {
				out = append(out, cellRange{r1: r1, c1: c1, r2: r2, c2: c2})
			}
		}
	}
	return out, nil
}

func (s *xlsxSheet) notes() []warning {
	var w []warning
	if s.errCells > 0 {
		w = append(w, warnf("%d cells hold spreadsheet errors (#N/A, #DIV/0!…) or broken shared-string references; they were read as empty",
			"%d cellule(s) contenant une erreur de tableur (#N/A, #DIV/0!…) ou une référence cassée aux chaînes partagées : lue(s) comme vide(s)", s.errCells))
	}
	if s.dropped > 0 {
		w = append(w, warnf("%d cells beyond column XFD or with a malformed reference were ignored",
			"%d cellule(s) au-delà de la colonne XFD ou à la référence mal formée ignorée(s)", s.dropped))
	}
	return w
}
