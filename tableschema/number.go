package tableschema

import (
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
	"unsafe"
)

// numberFormat is how a number or integer field writes its values.
type numberFormat struct {
	decimal string // decimal separator, "." by default
	group   string // thousands separator, none by default
	bare    bool   // false: leading and trailing text is allowed ("€12")
}

func (nf numberFormat) plain() bool { return nf.decimal == "." && nf.group == "" && nf.bare }

// clean applies the field's format as frictionless does: drop the group
// separator, turn the decimal separator into a point, and without
// bareNumber drop the text around the number. It returns s itself when
// nothing changes, else a string built in buf.
func (nf numberFormat) clean(s string, buf []byte) string {
	if nf.plain() {
		return s
	}
	changed := false
	if nf.group != "" && strings.Contains(s, nf.group) {
		changed = true
	}
	if nf.decimal != "." && strings.Contains(s, nf.decimal) {
		changed = true
	}
	if changed {
		b := buf[:0]
		for i := 0; i < len(s); {
			switch {
			case nf.group != "" && strings.HasPrefix(s[i:], nf.group):
				i += len(nf.group)
			case nf.decimal != "." && strings.HasPrefix(s[i:], nf.decimal):
				b = append(b, '.')
				i += len(nf.decimal)
			default:
				b = append(b, s[i])
				i++
			}
		}
		if len(b) == 0 {
			s = ""
		} else {
			// b lives in the caller's buffer for the time of one parse.
			s = unsafe.String(&b[0], len(b))
		}
	}
	if !nf.bare {
		s = stripAround(s)
	}
	return s
}

// stripAround removes what surrounds the digits of s ("€ 12,5 TTC" →
// "12,5"), keeping a sign and a leading decimal point.
func stripAround(s string) string {
	first, last := -1, -1
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 {
		return ""
	}
	if first > 0 && s[first-1] == '.' {
		first--
	}
	if first > 0 && (s[first-1] == '-' || s[first-1] == '+') {
		first--
	}
	return s[first : last+1]
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// trimPySpace trims the white space Python's str.strip() removes, which
// Decimal() and int() ignore around a number.
func trimPySpace(s string) string {
	for len(s) > 0 {
		c := s[0]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' {
			s = s[1:]
			continue
		}
		if c < utf8.RuneSelf {
			break
		}
		r, n := utf8.DecodeRuneInString(s)
		if !unicode.IsSpace(r) {
			break
		}
		s = s[n:]
	}
	for len(s) > 0 {
		c := s[len(s)-1]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' {
			s = s[:len(s)-1]
			continue
		}
		if c < utf8.RuneSelf {
			break
		}
		r, n := utf8.DecodeLastRuneInString(s)
		if !unicode.IsSpace(r) {
			break
		}
		s = s[:len(s)-n]
	}
	return s
}

// scanDecimal reports whether s is a number as Python's Decimal reads it:
// optional sign, digits with an optional fraction, an optional exponent,
// or Infinity/NaN; white space around is allowed.
func scanDecimal(s string) bool {
	s = trimPySpace(s)
	if s == "" {
		return false
	}
	if s[0] == '+' || s[0] == '-' {
		s = s[1:]
	}
	if s == "" {
		return false
	}
	if !isDigit(s[0]) && s[0] != '.' {
		return isSpecial(s)
	}
	digits := 0
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && isDigit(s[i]) {
			i++
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		start := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		if i == start {
			return false
		}
	}
	return i == len(s)
}

// isSpecial reports whether s (without sign) is Infinity or NaN as Decimal
// spells them: "inf", "infinity", "nan", in any case.
func isSpecial(s string) bool {
	return strings.EqualFold(s, "inf") || strings.EqualFold(s, "infinity") || strings.EqualFold(s, "nan")
}

// parseNumber reads a number field's cell. It returns the value and
// whether the cell is a number; the value is only computed when want is
// true (constraints need it).
func parseNumber(s string, nf numberFormat, want bool) (float64, bool) {
	if nf.bare && len(nf.decimal) == 1 && len(nf.group) <= 1 {
		var group byte
		if nf.group != "" {
			group = nf.group[0]
		}
		if f, ok, done := fastNumber(s, nf.decimal[0], group); done {
			return f, ok
		}
	}
	var buf [64]byte
	c := nf.clean(s, buf[:])
	if !scanDecimal(c) {
		return 0, false
	}
	if !want {
		return 0, true
	}
	return decimalValue(c), true
}

// decimalValue converts a string accepted by scanDecimal.
func decimalValue(c string) float64 {
	c = trimPySpace(c)
	neg := false
	t := c
	if t != "" && (t[0] == '+' || t[0] == '-') {
		neg = t[0] == '-'
		t = t[1:]
	}
	if isSpecial(t) {
		if t[0] == 'n' || t[0] == 'N' {
			return math.NaN()
		}
		if neg {
			return math.Inf(-1)
		}
		return math.Inf(1)
	}
	f, err := strconv.ParseFloat(c, 64)
	if err != nil {
		// Out of range: ParseFloat returns ±Inf or 0, the right side.
		return f
	}
	return f
}

// parseInteger reads an integer field's cell as Python's int() reads it,
// after the field's group separator and bareNumber are applied. Integers
// beyond int64 are accepted; big is then true and f approximates them.
func parseInteger(s string, nf numberFormat) (i int64, f float64, big, ok bool) {
	var buf [64]byte
	if nf.group != "" || !nf.bare {
		nf.decimal = "."
		s = nf.clean(s, buf[:])
	}
	s = trimPySpace(s)
	t := s
	if t != "" && (t[0] == '+' || t[0] == '-') {
		t = t[1:]
	}
	if t == "" {
		return 0, 0, false, false
	}
	for j := 0; j < len(t); j++ {
		if !isDigit(t[j]) {
			return 0, 0, false, false
		}
	}
	i, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		f, _ = strconv.ParseFloat(s, 64)
		return 0, f, true, true
	}
	return i, float64(i), false, true
}

// canonicalInteger writes a big integer without sign noise or leading
// zeros, so that equal values compare equal.
func canonicalInteger(s string) string {
	s = trimPySpace(s)
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	s = strings.TrimLeft(s, "0")
	if s == "" {
		return "0"
	}
	if neg {
		return "-" + s
	}
	return s
}

// pow10 holds the powers of ten a float64 represents exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// fastNumber reads the common numbers ("-1234,56" with a one-byte decimal
// and group separator) in one pass and without allocating; done is false
// for anything else (white space, exponents, Infinity, many digits),
// which the general path then reads.
func fastNumber(s string, dec, group byte) (f float64, ok, done bool) {
	i := 0
	neg := false
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		neg = s[i] == '-'
		i++
	}
	var mant uint64
	digits, frac := 0, 0
	sawDec := false
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
			if digits == 18 {
				return 0, false, false
			}
			mant = mant*10 + uint64(c-'0')
			digits++
			if sawDec {
				frac++
			}
		case c == group && group != 0:
		case c == dec && !sawDec:
			sawDec = true
		default:
			return 0, false, false
		}
	}
	if digits == 0 {
		return 0, false, false
	}
	if mant >= 1<<53 {
		return 0, false, false
	}
	f = float64(mant) / pow10[frac] // exact operands: correctly rounded
	if neg {
		f = -f
	}
	return f, true, true
}
