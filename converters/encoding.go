package converters

import (
	"bytes"
	"io"
	"sync"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// Byte-order marks.
const (
	bomUTF8    = "\xEF\xBB\xBF"
	bomUTF16LE = "\xFF\xFE"
	bomUTF16BE = "\xFE\xFF"
)

// Encodings reported for text files.
const (
	EncodingUTF8     = "utf-8"
	EncodingUTF16LE  = "utf-16le"
	EncodingUTF16BE  = "utf-16be"
	EncodingCP1252   = "windows-1252"
	EncodingLatin1   = "iso-8859-1"
	EncodingLatin9   = "iso-8859-15"
	encodingUnforced = ""
)

// encodingGuess is what sniffEncoding found at the start of a text file.
type encodingGuess struct {
	name string
	bom  int     // bytes of byte-order mark to skip
	warn warning // set when the file contradicts itself
}

// sniffEncoding detects the encoding of a text file from its first bytes. A
// BOM is not proof: a UTF-8 BOM over a Windows-1252 body is read as
// Windows-1252. Without a BOM, text that is valid UTF-8 is UTF-8; 8-bit text
// is Windows-1252 when it holds bytes 0x80–0x9F (C1 controls in ISO-8859),
// ISO-8859-15 when it holds 0xA4 (€ there, ¤ elsewhere) and ISO-8859-1
// otherwise.
func sniffEncoding(sample []byte, atEOF bool) encodingGuess {
	switch {
	case bytes.HasPrefix(sample, []byte(bomUTF8)):
		body := sample[len(bomUTF8):]
		if utf8Mostly(body, atEOF) {
			return encodingGuess{name: EncodingUTF8, bom: len(bomUTF8)}
		}
		g := eightBit(body)
		g.bom = len(bomUTF8)
		g.warn = warnf("the file starts with a UTF-8 byte-order mark but its text is %s: read as %s",
			"le fichier commence par une marque d'ordre des octets (BOM) UTF-8 mais son texte est en %s : il a été lu en %s", g.name, g.name)
		return g
	case bytes.HasPrefix(sample, []byte(bomUTF16LE)):
		return encodingGuess{name: EncodingUTF16LE, bom: 2}
	case bytes.HasPrefix(sample, []byte(bomUTF16BE)):
		return encodingGuess{name: EncodingUTF16BE, bom: 2}
	}
	switch utf16Guess(sample) {
	case 1:
		return encodingGuess{name: EncodingUTF16LE}
	case 2:
		return encodingGuess{name: EncodingUTF16BE}
	}
	if utf8Mostly(sample, atEOF) {
		return encodingGuess{name: EncodingUTF8}
	}
	return eightBit(sample)
}

func eightBit(b []byte) encodingGuess {
	c1, a4 := false, false
	for _, c := range b {
		if c >= 0x80 && c <= 0x9F {
			c1 = true
		}
		if c == 0xA4 {
			a4 = true
		}
	}
	switch {
	case c1:
		return encodingGuess{name: EncodingCP1252}
	case a4:
		return encodingGuess{name: EncodingLatin9}
	}
	return encodingGuess{name: EncodingLatin1}
}

// utf8Mostly reports whether b reads as UTF-8: valid, or with far more valid
// multi-byte sequences than invalid bytes (a mostly UTF-8 file with a few
// stray Windows-1252 bytes, which are then decoded one by one).
func utf8Mostly(b []byte, atEOF bool) bool {
	if utf8.Valid(b) {
		return true
	}
	good, bad := 0, 0
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			if !atEOF && len(b)-i < utf8.UTFMax && !utf8.FullRune(b[i:]) {
				break // a sequence cut by the end of the sample
			}
			bad++
			i++
			continue
		}
		good++
		i += n
	}
	return bad == 0 || good >= 8*bad
}

// utf16Guess detects BOM-less UTF-16 from NUL bytes: 1 little-endian, 2
// big-endian, 0 neither.
func utf16Guess(b []byte) int {
	b = b[:min(len(b), 1024)&^1]
	if len(b) < 8 {
		return 0
	}
	even, odd := 0, 0
	for i := 0; i < len(b); i += 2 {
		if b[i] == 0 {
			even++
		}
		if b[i+1] == 0 {
			odd++
		}
	}
	pairs := len(b) / 2
	switch {
	case odd*10 >= pairs*4 && even*50 < pairs:
		return 1
	case even*10 >= pairs*4 && odd*50 < pairs:
		return 2
	}
	return 0
}

// decodeTable maps each byte of an 8-bit encoding to its UTF-8 text.
type decodeTable [256]string

var (
	cp1252Table = sync.OnceValue(func() *decodeTable { return buildTable(charmap.Windows1252) })
	latin9Table = sync.OnceValue(func() *decodeTable { return buildTable(charmap.ISO8859_15) })
)

func buildTable(cm *charmap.Charmap) *decodeTable {
	var t decodeTable
	for i := range t {
		r := cm.DecodeByte(byte(i))
		t[i] = string(r)
	}
	return &t
}

func tableFor(name string) *decodeTable {
	if name == EncodingLatin9 {
		return latin9Table()
	}
	// ISO-8859-1 text has no byte in 0x80–0x9F; Windows-1252 gives the
	// likelier reading if one turns up after the sniffed sample.
	return cp1252Table()
}

// byteDecoder decodes an 8-bit encoding to UTF-8.
type byteDecoder struct {
	r   io.Reader
	t   *decodeTable
	src []byte
	out []byte // decoded, not yet returned
}

func (d *byteDecoder) Read(p []byte) (int, error) {
	for len(d.out) == 0 {
		if cap(d.src) == 0 {
			d.src = make([]byte, 32<<10)
		}
		n, err := d.r.Read(d.src[:cap(d.src)])
		d.out = d.out[:0]
		for _, c := range d.src[:n] {
			if c < utf8.RuneSelf {
				d.out = append(d.out, c)
			} else {
				d.out = append(d.out, d.t[c]...)
			}
		}
		if n == 0 && err != nil {
			return 0, err
		}
	}
	n := copy(p, d.out)
	d.out = d.out[n:]
	return n, nil
}

// utf16Decoder decodes UTF-16 to UTF-8, replacing unpaired surrogates and a
// dangling odd byte by U+FFFD and counting them.
type utf16Decoder struct {
	r       io.Reader
	be      bool
	src     []byte
	carry   []byte // odd byte or high surrogate left over
	out     []byte
	invalid int
	eof     bool
}

func (d *utf16Decoder) unit(b []byte) uint16 {
	if d.be {
		return uint16(b[0])<<8 | uint16(b[1])
	}
	return uint16(b[1])<<8 | uint16(b[0])
}

func (d *utf16Decoder) Read(p []byte) (int, error) {
	for len(d.out) == 0 {
		if d.eof {
			return 0, io.EOF
		}
		if cap(d.src) == 0 {
			d.src = make([]byte, 32<<10)
		}
		n, err := d.r.Read(d.src[:cap(d.src)])
		buf := append(d.carry, d.src[:n]...)
		d.carry = d.carry[:0]
		d.out = d.out[:0]
		i := 0
		for ; i+1 < len(buf); i += 2 {
			u := d.unit(buf[i:])
			switch {
			case utf16.IsSurrogate(rune(u)) && u < 0xDC00:
				if i+3 >= len(buf) {
					if err == nil {
						goto keep // the low surrogate is in the next read
					}
					d.invalid++
					d.out = utf8.AppendRune(d.out, utf8.RuneError)
					continue
				}
				lo := d.unit(buf[i+2:])
				if r := utf16.DecodeRune(rune(u), rune(lo)); r != utf8.RuneError {
					d.out = utf8.AppendRune(d.out, r)
					i += 2
					continue
				}
				d.invalid++
				d.out = utf8.AppendRune(d.out, utf8.RuneError)
			case utf16.IsSurrogate(rune(u)):
				d.invalid++
				d.out = utf8.AppendRune(d.out, utf8.RuneError)
			default:
				d.out = utf8.AppendRune(d.out, rune(u))
			}
		}
	keep:
		d.carry = append(d.carry[:0], buf[i:]...)
		if err != nil {
			if len(d.carry) > 0 {
				d.invalid++
				d.out = utf8.AppendRune(d.out, utf8.RuneError)
				d.carry = d.carry[:0]
			}
			d.eof = true
			if err != io.EOF {
				return 0, err
			}
		}
	}
	n := copy(p, d.out)
	d.out = d.out[n:]
	return n, nil
}

// fixUTF8 appends line to dst with every byte that is not part of a valid
// UTF-8 sequence decoded as Windows-1252, and returns the count of such bytes.
func fixUTF8(dst, line []byte) ([]byte, int) {
	t := cp1252Table()
	bad := 0
	for i := 0; i < len(line); {
		c := line[i]
		if c < utf8.RuneSelf {
			dst = append(dst, c)
			i++
			continue
		}
		r, n := utf8.DecodeRune(line[i:])
		if r == utf8.RuneError && n <= 1 {
			dst = append(dst, t[c]...)
			bad++
			i++
			continue
		}
		dst = append(dst, line[i:i+n]...)
		i += n
	}
	return dst, bad
}

// repairMojibake undoes UTF-8 text that was decoded as Windows-1252 once too
// often ("Ã©" for "é"), sequence by sequence, and reports whether it changed
// anything. Used on header labels only.
func repairMojibake(s string) (string, bool) {
	if !utf8.ValidString(s) {
		return s, false
	}
	runes := []rune(s)
	var out []rune
	changed := false
	for i := 0; i < len(runes); i++ {
		r := runes[i]
		need := 0
		switch {
		case r >= 0xC2 && r <= 0xDF:
			need = 1
		case r >= 0xE0 && r <= 0xEF:
			need = 2
		case r >= 0xF0 && r <= 0xF4:
			need = 3
		}
		if need > 0 {
			buf := []byte{byte(r)}
			ok := true
			for k := 1; ok && k <= need; k++ {
				if i+k >= len(runes) {
					ok = false
					break
				}
				b, found := encodeCP1252(runes[i+k])
				if !found || b < 0x80 || b > 0xBF {
					ok = false
					break
				}
				buf = append(buf, b)
			}
			if ok {
				if dr, n := utf8.DecodeRune(buf); dr != utf8.RuneError && n == len(buf) {
					out = append(out, dr)
					i += need
					changed = true
					continue
				}
			}
		}
		out = append(out, r)
	}
	if !changed {
		return s, false
	}
	return string(out), true
}

func encodeCP1252(r rune) (byte, bool) {
	if r < 0x100 && (r < 0x80 || r > 0x9F) {
		return byte(r), true
	}
	b, ok := charmap.Windows1252.EncodeRune(r)
	return b, ok
}
