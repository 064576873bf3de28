package converters

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Delimiters tried by the sniffer, in order of preference on a tie.
var delimiters = []byte{';', ',', '\t', '|'}

const (
	sniffBytes       = 1 << 20 // bytes peeked to detect the encoding
	dialectBytes     = 64 << 10
	dialectRecords   = 200
	defaultMaxRecord = 32 << 20
)

// csvParser reads RFC 4180 records from UTF-8 text, forgiving the way real
// files break the RFC: bare quotes inside fields are kept, text after a
// closing quote is appended (as LibreOffice and Python do), a quote left open
// at the end of the file closes the field, lines may end in LF or CRLF.
type csvParser struct {
	br        *bufio.Reader
	comma     byte
	maxRecord int
	checkUTF8 bool // decode bytes that are not UTF-8 as Windows-1252

	line      int // physical lines consumed
	recLine   int // physical line where the last record started
	badBytes  int // bytes decoded as Windows-1252 in a UTF-8 file
	badQuotes int // fields with text after their closing quote
	unclosed  int // quoted fields still open at the end of the file

	recordBuf []byte
	fieldEnds []int
	fields    []string
	lineBuf   []byte
	fixBuf    []byte
}

func newCSVParser(r io.Reader, comma byte, checkUTF8 bool, maxRecord int) *csvParser {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 64<<10)
	}
	if maxRecord <= 0 {
		maxRecord = defaultMaxRecord
	}
	return &csvParser{br: br, comma: comma, checkUTF8: checkUTF8, maxRecord: maxRecord}
}

func (p *csvParser) tooLarge() error {
	return errorf(KindTooLarge, nil,
		"Line %d starts a record longer than %d MB: a quote is probably never closed, or the file is not a table.",
		"La ligne %d commence un enregistrement de plus de %d Mo : un guillemet n'est sans doute jamais refermé, ou le fichier n'est pas un tableau.",
		p.recLine, p.maxRecord>>20)
}

// readLine returns the next physical line with its end normalised to "\n"
// (absent on a last line without one).
func (p *csvParser) readLine() ([]byte, error) {
	line, err := p.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		p.lineBuf = append(p.lineBuf[:0], line...)
		for err == bufio.ErrBufferFull {
			line, err = p.br.ReadSlice('\n')
			p.lineBuf = append(p.lineBuf, line...)
			if len(p.lineBuf) > p.maxRecord {
				return nil, p.tooLarge()
			}
		}
		line = p.lineBuf
	}
	if len(line) == 0 {
		if err == nil {
			err = io.EOF
		}
		return nil, err
	}
	if err != nil && err != io.EOF {
		return nil, err
	}
	p.line++
	n := len(line)
	switch {
	case n >= 2 && line[n-2] == '\r' && line[n-1] == '\n':
		line[n-2] = '\n'
		line = line[:n-1]
	case line[n-1] == '\r':
		line = line[:n-1]
	}
	if p.checkUTF8 && !utf8.Valid(line) {
		var bad int
		p.fixBuf, bad = fixUTF8(p.fixBuf[:0], line)
		p.badBytes += bad
		line = p.fixBuf
	}
	return line, nil
}

func lengthNL(b []byte) int {
	if len(b) > 0 && b[len(b)-1] == '\n' {
		return 1
	}
	return 0
}

// readRecord returns the next record. Its fields share one string; the slice
// is reused by the next call. A blank line is a record of one empty field.
func (p *csvParser) readRecord() ([]string, error) {
	line, err := p.readLine()
	if err != nil {
		return nil, err
	}
	p.recLine = p.line
	comma := p.comma
	if bytes.IndexByte(line, '"') < 0 {
		// Fast path, most lines: no quote, split one string in place.
		str := string(line[:len(line)-lengthNL(line)])
		p.fields = p.fields[:0]
		for {
			i := strings.IndexByte(str, comma)
			if i < 0 {
				p.fields = append(p.fields, str)
				return p.fields, nil
			}
			p.fields = append(p.fields, str[:i])
			str = str[i+1:]
		}
	}
	p.recordBuf = p.recordBuf[:0]
	p.fieldEnds = p.fieldEnds[:0]
parseField:
	for {
		if len(line) == 0 || line[0] != '"' {
			i := bytes.IndexByte(line, comma)
			field := line
			if i >= 0 {
				field = field[:i]
			} else {
				field = field[:len(field)-lengthNL(field)]
			}
			p.recordBuf = append(p.recordBuf, field...)
			p.fieldEnds = append(p.fieldEnds, len(p.recordBuf))
			if i >= 0 {
				line = line[i+1:]
				continue parseField
			}
			break parseField
		}
		line = line[1:]
		for {
			i := bytes.IndexByte(line, '"')
			switch {
			case i >= 0:
				p.recordBuf = append(p.recordBuf, line[:i]...)
				line = line[i+1:]
				switch {
				case len(line) > 0 && line[0] == '"':
					p.recordBuf = append(p.recordBuf, '"')
					line = line[1:]
				case len(line) > 0 && line[0] == comma:
					line = line[1:]
					p.fieldEnds = append(p.fieldEnds, len(p.recordBuf))
					continue parseField
				case lengthNL(line) == len(line):
					p.fieldEnds = append(p.fieldEnds, len(p.recordBuf))
					break parseField
				default:
					// Text after the closing quote: keep it, unquoted, up to
					// the next delimiter.
					p.badQuotes++
					j := bytes.IndexByte(line, comma)
					rest := line
					if j >= 0 {
						rest = rest[:j]
					} else {
						rest = rest[:len(rest)-lengthNL(rest)]
					}
					p.recordBuf = append(p.recordBuf, rest...)
					p.fieldEnds = append(p.fieldEnds, len(p.recordBuf))
					if j >= 0 {
						line = line[j+1:]
						continue parseField
					}
					break parseField
				}
			case len(line) > 0:
				p.recordBuf = append(p.recordBuf, line...)
				if len(p.recordBuf) > p.maxRecord {
					return nil, p.tooLarge()
				}
				var err error
				line, err = p.readLine()
				if err == io.EOF {
					p.unclosed++
					p.fieldEnds = append(p.fieldEnds, len(p.recordBuf))
					break parseField
				}
				if err != nil {
					return nil, err
				}
			default:
				p.unclosed++
				p.fieldEnds = append(p.fieldEnds, len(p.recordBuf))
				break parseField
			}
		}
	}
	str := string(p.recordBuf)
	p.fields = p.fields[:0]
	prev := 0
	for _, end := range p.fieldEnds {
		p.fields = append(p.fields, str[prev:end])
		prev = end
	}
	return p.fields, nil
}

// dialect is what the sniffer found in a text file.
type dialect struct {
	enc   encodingGuess
	comma byte
	crEnd bool // lines end in a lone CR (classic Mac OS)
}

// sniffDialect detects encoding, delimiter and line ends from the start of
// a text file without consuming it.
func sniffDialect(br *bufio.Reader, opts Options) (dialect, error) {
	sample, err := br.Peek(sniffBytes)
	atEOF := err != nil
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return dialect{}, err
	}
	var d dialect
	if opts.Encoding != encodingUnforced {
		d.enc = forcedEncoding(opts.Encoding, sample)
	} else {
		d.enc = sniffEncoding(sample, atEOF)
	}
	text := decodeSample(sample[d.enc.bom:], d.enc, atEOF)
	if !bytes.ContainsRune(text, '\n') && bytes.ContainsRune(text, '\r') {
		d.crEnd = true
		text = bytes.ReplaceAll(text, []byte{'\r'}, []byte{'\n'})
	}
	if opts.Delimiter != 0 {
		if opts.Delimiter >= utf8.RuneSelf {
			return d, fmt.Errorf("delimiter %q is not a single-byte character", opts.Delimiter)
		}
		d.comma = byte(opts.Delimiter)
	} else {
		d.comma = sniffDelimiter(text, atEOF)
	}
	return d, nil
}

func forcedEncoding(name string, sample []byte) encodingGuess {
	g := encodingGuess{name: name}
	switch name {
	case EncodingUTF8:
		if bytes.HasPrefix(sample, []byte(bomUTF8)) {
			g.bom = len(bomUTF8)
		}
	case EncodingUTF16LE:
		if bytes.HasPrefix(sample, []byte(bomUTF16LE)) {
			g.bom = 2
		}
	case EncodingUTF16BE:
		if bytes.HasPrefix(sample, []byte(bomUTF16BE)) {
			g.bom = 2
		}
	default:
		// A UTF-8 BOM over an 8-bit body is found in real files.
		if bytes.HasPrefix(sample, []byte(bomUTF8)) {
			g.bom = len(bomUTF8)
		}
	}
	return g
}

// decodeSample returns the start of a file as UTF-8, cut at the last line end
// unless the sample is the whole file.
func decodeSample(b []byte, enc encodingGuess, atEOF bool) []byte {
	b = b[:min(len(b), dialectBytes*4)]
	var text []byte
	switch enc.name {
	case EncodingUTF8:
		text, _ = fixUTF8(nil, b)
	case EncodingUTF16LE, EncodingUTF16BE:
		text, _ = io.ReadAll(&utf16Decoder{r: bytes.NewReader(b), be: enc.name == EncodingUTF16BE})
	default:
		text, _ = io.ReadAll(&byteDecoder{r: bytes.NewReader(b), t: tableFor(enc.name)})
	}
	text = text[:min(len(text), dialectBytes)]
	if !atEOF || len(text) == dialectBytes {
		if i := bytes.LastIndexAny(text, "\r\n"); i > 0 {
			text = text[:i+1]
		}
	}
	return text
}

// sniffDelimiter picks the delimiter that splits the sample's records into
// the most consistent number of fields; among near-equally consistent ones,
// the one giving more fields.
func sniffDelimiter(text []byte, atEOF bool) byte {
	type score struct {
		comma  byte
		fields int
		freq   float64
	}
	var best *score
	for _, c := range delimiters {
		p := newCSVParser(bytes.NewReader(text), c, false, len(text)+1)
		counts := map[int]int{}
		n := 0
		var last int
		for n < dialectRecords {
			rec, err := p.readRecord()
			if err != nil {
				break
			}
			if len(rec) == 1 && rec[0] == "" {
				continue
			}
			counts[len(rec)]++
			last = len(rec)
			n++
		}
		if !atEOF && n > 1 {
			counts[last]-- // the last record may be cut by the end of the sample
			n--
		}
		mode, modeN := 1, 0
		for k, v := range counts {
			if v > modeN || (v == modeN && k > mode) {
				mode, modeN = k, v
			}
		}
		if mode < 2 || n == 0 {
			continue
		}
		s := &score{comma: c, fields: mode, freq: float64(modeN) / float64(n)}
		switch {
		case best == nil:
			best = s
		case s.freq > best.freq+0.1:
			best = s
		case s.freq >= best.freq-0.1 && s.fields > best.fields:
			best = s
		}
	}
	if best == nil {
		return ','
	}
	return best.comma
}

// crReader turns lone CR line ends into LF.
type crReader struct{ r io.Reader }

func (c crReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	for i, b := range p[:n] {
		if b == '\r' {
			p[i] = '\n'
		}
	}
	return n, err
}

// csvSource feeds a CSV file's records to a Reader.
type csvSource struct {
	p      *csvParser
	u16    *utf16Decoder
	closer io.Closer
}

func (s *csvSource) next() ([]string, int, error) {
	rec, err := s.p.readRecord()
	return rec, s.p.recLine, err
}

func (s *csvSource) close() error {
	if s.closer != nil {
		return s.closer.Close()
	}
	return nil
}

// notes reports what the parser had to forgive.
func (s *csvSource) notes() []warning {
	var w []warning
	if s.p.badBytes > 0 {
		w = append(w, warnf("%d bytes were not valid UTF-8 and were read as Windows-1252",
			"%d octet(s) non valide(s) en UTF-8, lu(s) en Windows-1252", s.p.badBytes))
	}
	if s.u16 != nil && s.u16.invalid > 0 {
		w = append(w, warnf("%d invalid UTF-16 sequences (unpaired surrogates or a dangling byte) were replaced by U+FFFD",
			"%d séquence(s) UTF-16 non valide(s) (caractère incomplet ou octet isolé) remplacée(s) par U+FFFD", s.u16.invalid))
	}
	if s.p.badQuotes > 0 {
		w = append(w, warnf("%d quoted fields had text after their closing quote; it was kept",
			"%d champ(s) entre guillemets suivi(s) de texte après le guillemet fermant : ce texte a été conservé", s.p.badQuotes))
	}
	if s.p.unclosed > 0 {
		w = append(w, warnf("a quoted field was still open at the end of the file",
			"un champ entre guillemets n'était pas refermé à la fin du fichier"))
	}
	return w
}

// newCSVSource sniffs r and returns the record source with its dialect.
func newCSVSource(r io.Reader, opts Options) (*csvSource, dialect, error) {
	br := bufio.NewReaderSize(r, sniffBytes)
	d, err := sniffDialect(br, opts)
	if err != nil {
		return nil, d, err
	}
	if _, err := br.Discard(d.enc.bom); err != nil {
		return nil, d, err
	}
	var src io.Reader = br
	s := &csvSource{}
	checkUTF8 := false
	switch d.enc.name {
	case EncodingUTF8:
		checkUTF8 = true
	case EncodingUTF16LE, EncodingUTF16BE:
		s.u16 = &utf16Decoder{r: br, be: d.enc.name == EncodingUTF16BE}
		src = s.u16
	default:
		src = &byteDecoder{r: br, t: tableFor(d.enc.name)}
	}
	if d.crEnd {
		src = crReader{src}
	}
	s.p = newCSVParser(src, d.comma, checkUTF8, opts.MaxRecordSize)
	return s, d, nil
}
