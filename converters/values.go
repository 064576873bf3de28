package converters

import (
	"strconv"
	"strings"
)

// MissingValues are the cell values read as "no value", whatever the
// column's type. Surrounding spaces are ignored.
var MissingValues = []string{"", "NA", "N/A", "n/a", "N.A.", "n.a.", "-", "--", "—", "\\N", "#N/A", "NULL", "null", "#"}

func isMissing(s string) bool {
	switch s {
	case "", "NA", "N/A", "n/a", "N.A.", "n.a.", "-", "--", "—", "\\N", "#N/A", "NULL", "null", "#":
		return true
	}
	return false
}

// trimSpace is strings.TrimSpace with a fast path for the common case.
func trimSpace(s string) string {
	if s == "" || (s[0] > ' ' && s[0] < 0x80 && s[len(s)-1] > ' ' && s[len(s)-1] < 0x80) {
		return s
	}
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(strings.TrimSuffix(s, "\u00A0"), "\u00A0")
	return strings.TrimSpace(s)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// numInfo describes a value read as a number.
type numInfo struct {
	ok          bool
	integer     bool // no decimal part, no exponent
	integral    bool // integer, or only zeros after the decimal point ("2400.0")
	leadingZero bool // "01", "007": a code, not a quantity
	digits      int  // digits before the decimal separator
	plain       bool // already canonical: no '+', no thousands separator, '.' decimal
}

// groupSep returns the byte width of a thousands separator made of white
// space at the start of s: space, no-break space, narrow no-break space.
func groupSep(s string) int {
	switch {
	case s[0] == ' ':
		return 1
	case strings.HasPrefix(s, "\u00A0"):
		return 2
	case strings.HasPrefix(s, "\u202F"):
		return 3
	}
	return 0
}

// scanNumber reads s (already trimmed) as a number written the French or
// the English way: "1234", "-12", "1 234,56", "1.234,56", "1,234.56",
// "346,50", "2400.0", "1.35e6". A single comma or point is the decimal
// separator; white space, or the other sign when both appear, groups
// thousands by three.
func scanNumber(s string) (ni numInfo) {
	n := len(s)
	if n == 0 || n > 64 {
		return ni
	}
	i := 0
	ni.plain = true
	if s[0] == '+' || s[0] == '-' {
		ni.plain = s[0] == '-'
		i = 1
	}
	var dec, thou byte
	lastDot, lastComma := strings.LastIndexByte(s, '.'), strings.LastIndexByte(s, ',')
	switch {
	case lastDot >= 0 && lastComma >= 0:
		if lastDot > lastComma {
			dec, thou = '.', ','
		} else {
			dec, thou = ',', '.'
		}
	case lastComma >= 0:
		if strings.IndexByte(s, ',') == lastComma {
			dec = ','
		} else {
			thou = ','
		}
	case lastDot >= 0:
		if strings.IndexByte(s, '.') == lastDot {
			dec = '.'
		} else {
			thou = '.'
		}
	}
	start := i
	group, grouped := 0, false
	for i < n {
		c := s[i]
		if isDigit(c) {
			group++
			ni.digits++
			i++
			continue
		}
		w := groupSep(s[i:])
		if w == 0 && thou != 0 && c == thou {
			w = 1
		}
		if w == 0 {
			break
		}
		if group == 0 || (grouped && group != 3) || (!grouped && group > 3) {
			return numInfo{}
		}
		grouped, group = true, 0
		ni.plain = false
		i += w
	}
	if grouped && group != 3 {
		return numInfo{}
	}
	ni.leadingZero = ni.digits >= 2 && s[start] == '0' && !grouped
	ni.integer, ni.integral = true, true
	if i < n && dec != 0 && s[i] == dec {
		if dec == ',' {
			ni.plain = false
		}
		i++
		frac := 0
		for i < n && isDigit(s[i]) {
			if s[i] != '0' {
				ni.integral = false
			}
			frac++
			i++
		}
		if frac == 0 {
			return numInfo{}
		}
		ni.integer = false
	}
	if ni.digits == 0 && ni.integer {
		return numInfo{}
	}
	if i < n && (s[i] == 'e' || s[i] == 'E') {
		if grouped {
			return numInfo{}
		}
		i++
		if i < n && (s[i] == '+' || s[i] == '-') {
			i++
		}
		exp := 0
		for i < n && isDigit(s[i]) {
			exp++
			i++
		}
		if exp == 0 || exp > 3 {
			return numInfo{}
		}
		ni.integer, ni.integral = false, false
	}
	if i != n {
		return numInfo{}
	}
	if ni.digits == 0 {
		ni.plain = false // ".5"
	}
	ni.ok = true
	return ni
}

// appendNumber appends s, a value scanNumber accepted, in canonical form:
// '-' sign only, no thousands separator, '.' decimal.
func appendNumber(dst []byte, s string) []byte {
	i := 0
	if s[0] == '+' {
		i = 1
	}
	var dec byte = '.'
	if lastDot, lastComma := strings.LastIndexByte(s, '.'), strings.LastIndexByte(s, ','); lastComma > lastDot && strings.IndexByte(s, ',') == lastComma {
		dec = ','
	} else if lastDot >= 0 && strings.IndexByte(s, '.') != lastDot {
		dec = 0 // dots group thousands
	} else if lastDot < 0 {
		dec = 0
	}
	startDigits := len(dst)
	if s[i] == '-' {
		dst = append(dst, '-')
		i++
		startDigits++
	}
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case isDigit(c), c == 'e', c == 'E', c == '+', c == '-':
			dst = append(dst, c)
		case c == dec && dec != 0:
			if len(dst) == startDigits {
				dst = append(dst, '0')
			}
			dst = append(dst, '.')
		}
	}
	return dst
}

// dateParts is a date or date-time read by parseDate.
type dateParts struct {
	y, mo, d   int
	hasTime    bool
	h, mi, sec int
	frac, zone string
	sep        byte // date separator
	ymd        bool // year first
	hasSeconds bool
	ok         bool
}

func atoiN(s string) (int, bool) {
	if s == "" || len(s) > 4 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// parseDate reads s (already trimmed) as a date: yyyy-mm-dd, yyyy/mm/dd,
// dd/mm/yyyy, dd-mm-yyyy, dd.mm.yyyy (day and month may have one digit),
// optionally followed by a time hh:mm[:ss[.fff]] after 'T' or a space and
// a zone (Z, ±hh:mm).
func parseDate(s string) (p dateParts) {
	if len(s) < 8 || len(s) > 40 || !isDigit(s[0]) {
		return p
	}
	datePart, timePart := s, ""
	if i := indexTimeSep(s); i >= 0 {
		datePart, timePart = s[:i], s[i+1:]
		if timePart == "" {
			return p
		}
	}
	var sep byte
	for i := 0; i < len(datePart); i++ {
		if c := datePart[i]; c == '-' || c == '/' || c == '.' {
			sep = c
			break
		}
	}
	if sep == 0 {
		return p
	}
	a, rest, ok1 := strings.Cut(datePart, string(sep))
	b, c, ok2 := strings.Cut(rest, string(sep))
	if !ok1 || !ok2 || strings.IndexByte(c, sep) >= 0 {
		return p
	}
	var ok bool
	switch {
	case len(a) == 4 && sep != '.' && len(b) <= 2 && len(c) <= 2:
		if p.y, ok = atoiN(a); !ok {
			return dateParts{}
		}
		if p.mo, ok = atoiN(b); !ok {
			return dateParts{}
		}
		if p.d, ok = atoiN(c); !ok {
			return dateParts{}
		}
		p.ymd = true
	case len(c) == 4 && len(a) <= 2 && len(b) <= 2:
		if p.d, ok = atoiN(a); !ok {
			return dateParts{}
		}
		if p.mo, ok = atoiN(b); !ok {
			return dateParts{}
		}
		if p.y, ok = atoiN(c); !ok {
			return dateParts{}
		}
	default:
		return dateParts{}
	}
	if p.y < 1000 || p.mo < 1 || p.mo > 12 || p.d < 1 || p.d > daysIn(p.y, p.mo) {
		return dateParts{}
	}
	if timePart != "" && !parseTime(&p, timePart) {
		return dateParts{}
	}
	p.sep, p.ok = sep, true
	return p
}

// layoutKey identifies the way a date is written, cheaply.
func (p dateParts) layoutKey() int {
	k := int(p.sep)
	if p.ymd {
		k |= 1 << 8
	}
	if p.hasTime {
		k |= 1 << 9
	}
	if p.hasSeconds {
		k |= 1 << 10
	}
	return k
}

// layout describes the way a date is written, for reports: "dd/mm/yyyy"…
func (p dateParts) layout() string {
	s := string(p.sep)
	l := "dd" + s + "mm" + s + "yyyy"
	if p.ymd {
		l = "yyyy" + s + "mm" + s + "dd"
	}
	if p.hasTime {
		l += " hh:mm"
		if p.hasSeconds {
			l += ":ss"
		}
	}
	return l
}

// indexTimeSep returns the index of the 'T' or space between a date and
// a time, or -1.
func indexTimeSep(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] == 'T' || s[i] == ' ' {
			return i
		}
	}
	return -1
}

func parseTime(p *dateParts, s string) bool {
	// zone
	switch {
	case strings.HasSuffix(s, "Z"):
		p.zone, s = "Z", s[:len(s)-1]
	case len(s) > 6 && (s[len(s)-6] == '+' || s[len(s)-6] == '-') && s[len(s)-3] == ':':
		p.zone, s = s[len(s)-6:], s[:len(s)-6]
	case len(s) > 5 && (s[len(s)-5] == '+' || s[len(s)-5] == '-'):
		p.zone, s = s[len(s)-5:len(s)-2]+":"+s[len(s)-2:], s[:len(s)-5]
	}
	if i := strings.IndexByte(s, '.'); i >= 0 {
		p.frac, s = s[i:], s[:i]
		if len(p.frac) < 2 {
			return false
		}
		for j := 1; j < len(p.frac); j++ {
			if !isDigit(p.frac[j]) {
				return false
			}
		}
	}
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 || len(parts[0]) > 2 || len(parts[1]) != 2 {
		return false
	}
	var ok bool
	if p.h, ok = atoiN(parts[0]); !ok || p.h > 24 {
		return false
	}
	if p.mi, ok = atoiN(parts[1]); !ok || p.mi > 59 {
		return false
	}
	if len(parts) == 3 {
		if len(parts[2]) != 2 {
			return false
		}
		if p.sec, ok = atoiN(parts[2]); !ok || p.sec > 60 {
			return false
		}
		p.hasSeconds = true
	} else if p.frac != "" {
		return false
	}
	p.hasTime = true
	return true
}

func append2(dst []byte, n int) []byte {
	return append(dst, byte('0'+n/10%10), byte('0'+n%10))
}

// appendISODate appends p as yyyy-mm-dd.
func appendISODate(dst []byte, p dateParts) []byte {
	dst = append2(append2(dst, p.y/100), p.y%100)
	dst = append(dst, '-')
	dst = append2(dst, p.mo)
	dst = append(dst, '-')
	return append2(dst, p.d)
}

// appendISODatetime appends p as yyyy-mm-ddThh:mm:ss, with its fraction and
// zone.
func appendISODatetime(dst []byte, p dateParts) []byte {
	dst = appendISODate(dst, p)
	dst = append(dst, 'T')
	dst = append2(dst, p.h)
	dst = append(dst, ':')
	dst = append2(dst, p.mi)
	dst = append(dst, ':')
	dst = append2(dst, p.sec)
	dst = append(dst, p.frac...)
	return append(dst, p.zone...)
}

// boolKind tells whether s is a boolean word (2: oui/non, vrai/faux,
// true/false, yes/no), a boolean digit (1: 0 or 1) or neither (0), and its
// value.
func boolKind(s string) (kind int, val bool) {
	switch len(s) {
	case 1:
		switch s {
		case "1":
			return 1, true
		case "0":
			return 1, false
		}
	case 2, 3, 4, 5:
		switch {
		case strings.EqualFold(s, "oui"), strings.EqualFold(s, "vrai"), strings.EqualFold(s, "true"), strings.EqualFold(s, "yes"):
			return 2, true
		case strings.EqualFold(s, "non"), strings.EqualFold(s, "faux"), strings.EqualFold(s, "false"), strings.EqualFold(s, "no"):
			return 2, false
		}
	}
	return 0, false
}

// looksTyped reports whether a trimmed cell reads as a number or a date:
// data rather than a header label.
func looksTyped(s string) bool {
	if s == "" {
		return false
	}
	if c := s[0]; !isDigit(c) && c != '-' && c != '+' && c != '.' && c != ',' {
		return false
	}
	return scanNumber(s).ok || parseDate(s).ok
}

// formatFloat renders a spreadsheet's stored number as its display would
// with the General format: at most 15 significant digits, no exponent for
// ordinary magnitudes ("274.65999999999997" → "274.66").
func formatFloat(raw string) string {
	if isPlainShort(raw) {
		return raw
	}
	f, err := strconv.ParseFloat(raw, 64)
	if err != nil {
		return raw
	}
	s := strconv.FormatFloat(f, 'g', 15, 64)
	if strings.ContainsAny(s, "eE") {
		if a := abs(f); a >= 1e-6 && a < 1e21 {
			f, _ = strconv.ParseFloat(s, 64)
			s = strconv.FormatFloat(f, 'f', -1, 64)
		}
	}
	return s
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}

// isPlainShort reports whether raw is a plain decimal with at most 15
// significant digits and no superfluous zeros: already what formatFloat
// would return.
func isPlainShort(raw string) bool {
	if raw == "" || len(raw) > 17 {
		return false
	}
	i := 0
	if raw[0] == '-' {
		i = 1
	}
	digits, dot := 0, -1
	for ; i < len(raw); i++ {
		c := raw[i]
		switch {
		case isDigit(c):
			digits++
		case c == '.' && dot < 0:
			dot = i
		default:
			return false
		}
	}
	if digits == 0 || digits > 15 {
		return false
	}
	if dot >= 0 && (raw[len(raw)-1] == '0' || dot == len(raw)-1) {
		return false
	}
	return true
}
