package converters

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"unicode/utf8"
)

// Token kinds of xmlScanner.
const (
	tokEOF = iota
	tokStart
	tokEnd
	tokText
)

var errXMLSyntax = errors.New("malformed XML")

// xmlScanner is a small streaming XML tokenizer for the machine-written
// parts of XLSX and ODS files, several times faster than encoding/xml. It
// strips namespace prefixes, skips comments, processing instructions and
// DOCTYPEs (entities declared there are never expanded), and leaves
// entity decoding to the caller (appendText), so that most values are used
// in place. Token fields are valid until the next call to next.
type xmlScanner struct {
	r   io.Reader
	buf []byte
	pos int
	end int
	eof bool
	max int // largest token accepted

	kind  int
	name  []byte // local name of a start or end tag
	attrs []byte // raw attributes of a start tag
	empty bool   // start tag closed with "/>"
	text  []byte // raw text, or CDATA content
	cdata bool
}

func newXMLScanner(r io.Reader, max int) *xmlScanner {
	if max <= 0 {
		max = 64 << 20
	}
	return &xmlScanner{r: r, buf: make([]byte, 64<<10), max: max}
}

// more reads more input, moving unread bytes to the front of the buffer
// and growing it when full. It returns false at EOF.
func (s *xmlScanner) more() (bool, error) {
	if s.eof {
		return false, nil
	}
	if s.pos > 0 {
		n := copy(s.buf, s.buf[s.pos:s.end])
		s.pos, s.end = 0, n
	}
	if s.end == len(s.buf) {
		if len(s.buf) >= s.max {
			return false, errors.New("XML token too large")
		}
		nb := make([]byte, min(2*len(s.buf), s.max))
		copy(nb, s.buf[:s.end])
		s.buf = nb
	}
	for {
		n, err := s.r.Read(s.buf[s.end:])
		s.end += n
		if err == io.EOF {
			s.eof = true
			return n > 0, nil
		}
		if err != nil {
			return false, err
		}
		if n > 0 {
			return true, nil
		}
	}
}

// find returns the offset from s.pos of pat, searching from s.pos+from and
// reading more input as needed; -1 at EOF.
func (s *xmlScanner) find(pat []byte, from int) (int, error) {
	for {
		if s.pos+from <= s.end {
			if i := bytes.Index(s.buf[s.pos+from:s.end], pat); i >= 0 {
				return from + i, nil
			}
		}
		from = max(0, s.end-s.pos-len(pat)+1)
		ok, err := s.more()
		if err != nil {
			return -1, err
		}
		if !ok {
			return -1, nil
		}
	}
}

// need makes sure n bytes are buffered at s.pos; false at EOF.
func (s *xmlScanner) need(n int) (bool, error) {
	for s.end-s.pos < n {
		ok, err := s.more()
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

var (
	patLT      = []byte("<")
	patGT      = []byte(">")
	patPI      = []byte("?>")
	patComment = []byte("-->")
	patCDATA   = []byte("]]>")
)

// next reads the next token into the scanner's fields.
func (s *xmlScanner) next() error {
	for {
		if ok, err := s.need(1); err != nil {
			return err
		} else if !ok {
			s.kind = tokEOF
			return nil
		}
		if s.buf[s.pos] != '<' {
			i, err := s.find(patLT, 1)
			if err != nil {
				return err
			}
			if i < 0 {
				i = s.end - s.pos
			}
			s.kind, s.text, s.cdata = tokText, s.buf[s.pos:s.pos+i], false
			s.pos += i
			return nil
		}
		if ok, err := s.need(2); err != nil {
			return err
		} else if !ok {
			return errXMLSyntax
		}
		switch s.buf[s.pos+1] {
		case '/':
			i, err := s.find(patGT, 2)
			if err != nil {
				return err
			}
			if i < 0 {
				return errXMLSyntax
			}
			s.kind, s.name = tokEnd, localName(bytes.TrimSpace(s.buf[s.pos+2:s.pos+i]))
			s.pos += i + 1
			return nil
		case '?':
			i, err := s.find(patPI, 2)
			if err != nil {
				return err
			}
			if i < 0 {
				return errXMLSyntax
			}
			s.pos += i + 2
			continue
		case '!':
			if ok, err := s.need(9); err != nil {
				return err
			} else if ok && bytes.HasPrefix(s.buf[s.pos:], []byte("<![CDATA[")) {
				i, err := s.find(patCDATA, 9)
				if err != nil {
					return err
				}
				if i < 0 {
					return errXMLSyntax
				}
				s.kind, s.text, s.cdata = tokText, s.buf[s.pos+9:s.pos+i], true
				s.pos += i + 3
				return nil
			}
			if ok, _ := s.need(4); ok && bytes.HasPrefix(s.buf[s.pos:], []byte("<!--")) {
				i, err := s.find(patComment, 4)
				if err != nil {
					return err
				}
				if i < 0 {
					return errXMLSyntax
				}
				s.pos += i + 3
				continue
			}
			if err := s.skipDecl(); err != nil {
				return err
			}
			continue
		}
		return s.startTag()
	}
}

// skipDecl skips a <!DOCTYPE …> or other declaration, internal subset
// included.
func (s *xmlScanner) skipDecl() error {
	depth, quote := 0, byte(0)
	for i := 2; ; i++ {
		if s.pos+i >= s.end {
			ok, err := s.more()
			if err != nil {
				return err
			}
			if !ok {
				return errXMLSyntax
			}
		}
		c := s.buf[s.pos+i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '[':
			depth++
		case c == ']':
			depth--
		case c == '>' && depth <= 0:
			s.pos += i + 1
			return nil
		}
	}
}

// startTag reads "<name attrs>" or "<name attrs/>"; '>' may appear inside
// quoted attribute values.
func (s *xmlScanner) startTag() error {
	quote := byte(0)
	i := 1
	for {
		if s.pos+i >= s.end {
			ok, err := s.more()
			if err != nil {
				return err
			}
			if !ok {
				return errXMLSyntax
			}
		}
		c := s.buf[s.pos+i]
		if quote != 0 {
			if c == quote {
				quote = 0
			}
		} else if c == '"' || c == '\'' {
			quote = c
		} else if c == '>' {
			break
		}
		i++
	}
	tag := s.buf[s.pos+1 : s.pos+i]
	s.empty = len(tag) > 0 && tag[len(tag)-1] == '/'
	if s.empty {
		tag = tag[:len(tag)-1]
	}
	n := 0
	for n < len(tag) && tag[n] != ' ' && tag[n] != '\t' && tag[n] != '\n' && tag[n] != '\r' {
		n++
	}
	if n == 0 {
		return errXMLSyntax
	}
	s.kind, s.name, s.attrs = tokStart, localName(tag[:n]), tag[n:]
	s.pos += i + 1
	return nil
}

func localName(b []byte) []byte {
	if i := bytes.IndexByte(b, ':'); i >= 0 {
		return b[i+1:]
	}
	return b
}

// is reports whether the current token's local name is name.
func (s *xmlScanner) is(name string) bool { return string(s.name) == name }

// attr returns the raw value of the attribute whose local name is name.
func (s *xmlScanner) attr(name string) ([]byte, bool) {
	a := s.attrs
	for len(a) > 0 {
		i := 0
		for i < len(a) && (a[i] == ' ' || a[i] == '\t' || a[i] == '\n' || a[i] == '\r') {
			i++
		}
		a = a[i:]
		eq := bytes.IndexByte(a, '=')
		if eq < 0 {
			return nil, false
		}
		key := bytes.TrimSpace(a[:eq])
		a = a[eq+1:]
		i = 0
		for i < len(a) && (a[i] == ' ' || a[i] == '\t' || a[i] == '\n' || a[i] == '\r') {
			i++
		}
		a = a[i:]
		if len(a) == 0 || (a[0] != '"' && a[0] != '\'') {
			return nil, false
		}
		q := a[0]
		end := bytes.IndexByte(a[1:], q)
		if end < 0 {
			return nil, false
		}
		val := a[1 : 1+end]
		a = a[2+end:]
		if string(localName(key)) == name {
			return val, true
		}
	}
	return nil, false
}

// attrInt returns an attribute as a non-negative int, or def.
func (s *xmlScanner) attrInt(name string, def int) int {
	v, ok := s.attr(name)
	if !ok || len(v) == 0 || len(v) > 9 {
		return def
	}
	n := 0
	for _, c := range v {
		if !isDigit(c) {
			return def
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// skip skips the element whose start tag was just read.
func (s *xmlScanner) skip() error {
	if s.empty {
		return nil
	}
	depth := 1
	for depth > 0 {
		if err := s.next(); err != nil {
			return err
		}
		switch s.kind {
		case tokEOF:
			return errXMLSyntax
		case tokStart:
			if !s.empty {
				depth++
			}
		case tokEnd:
			depth--
		}
	}
	return nil
}

// appendText appends raw XML character data decoded: entities and
// character references resolved, CR LF turned into LF. A malformed entity
// is kept as is.
func appendText(dst, raw []byte) []byte {
	for len(raw) > 0 {
		i := bytes.IndexAny(raw, "&\r")
		if i < 0 {
			return append(dst, raw...)
		}
		dst = append(dst, raw[:i]...)
		raw = raw[i:]
		if raw[0] == '\r' {
			dst = append(dst, '\n')
			raw = raw[1:]
			if len(raw) > 0 && raw[0] == '\n' {
				raw = raw[1:]
			}
			continue
		}
		semi := bytes.IndexByte(raw[:min(len(raw), 12)], ';')
		if semi < 0 {
			dst = append(dst, '&')
			raw = raw[1:]
			continue
		}
		ent := raw[1:semi]
		switch string(ent) {
		case "lt":
			dst = append(dst, '<')
		case "gt":
			dst = append(dst, '>')
		case "amp":
			dst = append(dst, '&')
		case "quot":
			dst = append(dst, '"')
		case "apos":
			dst = append(dst, '\'')
		default:
			r, ok := charRef(ent)
			if !ok {
				dst = append(dst, raw[:semi+1]...)
				raw = raw[semi+1:]
				continue
			}
			dst = utf8.AppendRune(dst, r)
		}
		raw = raw[semi+1:]
	}
	return dst
}

func charRef(ent []byte) (rune, bool) {
	if len(ent) < 2 || ent[0] != '#' {
		return 0, false
	}
	var n uint64
	var err error
	if ent[1] == 'x' || ent[1] == 'X' {
		n, err = strconv.ParseUint(string(ent[2:]), 16, 32)
	} else {
		n, err = strconv.ParseUint(string(ent[1:]), 10, 32)
	}
	if err != nil || n > utf8.MaxRune || !utf8.ValidRune(rune(n)) {
		return 0, false
	}
	return rune(n), true
}
