package tableschema

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// civil is a date and time read from a cell, as its parts.
type civil struct {
	year, month, day     int
	hour, min, sec, frac int  // frac: nanoseconds
	tz                   bool // an offset was given
	offset               int  // seconds east of UTC
}

// days returns the number of days since 1970-01-01 (proleptic Gregorian).
func (c civil) days() int64 {
	y, m := int64(c.year), int64(c.month)
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + int64(c.day) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// seconds returns the instant as seconds since the Unix epoch, a naive
// time being read as UTC.
func (c civil) seconds() float64 {
	s := c.days()*86400 + int64(c.hour*3600+c.min*60+c.sec) - int64(c.offset)
	return float64(s) + float64(c.frac)/1e9
}

// clock returns the time of day in seconds, shifted to UTC when an offset
// was given.
func (c civil) clock() float64 {
	return float64(c.hour*3600+c.min*60+c.sec-c.offset) + float64(c.frac)/1e9
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysIn(y, m int) int {
	switch m {
	case 2:
		if isLeap(y) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

func validDate(y, m, d int) bool {
	return y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= daysIn(y, m)
}

func digits2(s string, i int) (int, bool) {
	if i+2 > len(s) || !isDigit(s[i]) || !isDigit(s[i+1]) {
		return 0, false
	}
	return int(s[i]-'0')*10 + int(s[i+1]-'0'), true
}

func digits4(s string, i int) (int, bool) {
	if i+4 > len(s) {
		return 0, false
	}
	n := 0
	for j := i; j < i+4; j++ {
		if !isDigit(s[j]) {
			return 0, false
		}
		n = n*10 + int(s[j]-'0')
	}
	return n, true
}

// parseISODate reads YYYY-MM-DD exactly, the fast path of the default
// date format.
func parseISODate(s string) (civil, bool) {
	var c civil
	if !isoDateInto(s, &c) {
		return civil{}, false
	}
	return c, true
}

func isoDateInto(s string, c *civil) bool {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return false
	}
	y, ok1 := digits4(s, 0)
	m, ok2 := digits2(s, 5)
	d, ok3 := digits2(s, 8)
	if !ok1 || !ok2 || !ok3 || !validDate(y, m, d) {
		return false
	}
	c.year, c.month, c.day = y, m, d
	return true
}

// parseISOTime reads HH:MM:SS, an optional fraction and an optional
// offset, from s[i:] to its end.
func parseISOTime(s string, i int, c *civil) bool {
	h, ok1 := digits2(s, i)
	mi, ok2 := digits2(s, i+3)
	se, ok3 := digits2(s, i+6)
	if !ok1 || !ok2 || !ok3 || s[i+2] != ':' || s[i+5] != ':' || h > 23 || mi > 59 || se > 59 {
		return false
	}
	c.hour, c.min, c.sec = h, mi, se
	i += 8
	if i < len(s) && (s[i] == '.' || s[i] == ',') {
		i++
		start := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		if i == start {
			return false
		}
		c.frac = fraction(s[start:i])
	}
	return parseOffset(s[i:], c)
}

// fraction converts the digits after a decimal point to nanoseconds.
func fraction(d string) int {
	n := 0
	for k := 0; k < 9; k++ {
		n *= 10
		if k < len(d) {
			n += int(d[k] - '0')
		}
	}
	return n
}

// parseOffset reads what may end an ISO time: nothing, Z, ±HH, ±HHMM or
// ±HH:MM.
func parseOffset(s string, c *civil) bool {
	switch {
	case s == "":
		return true
	case s == "Z" || s == "z":
		c.tz = true
		return true
	case s[0] != '+' && s[0] != '-':
		return false
	}
	sign := 1
	if s[0] == '-' {
		sign = -1
	}
	h, ok := digits2(s, 1)
	if !ok || h > 23 {
		return false
	}
	m := 0
	switch rest := s[3:]; {
	case rest == "":
	case len(rest) == 2:
		if m, ok = digits2(rest, 0); !ok {
			return false
		}
	case len(rest) == 3 && rest[0] == ':':
		if m, ok = digits2(rest, 1); !ok {
			return false
		}
	default:
		return false
	}
	if m > 59 {
		return false
	}
	c.tz, c.offset = true, sign*(h*3600+m*60)
	return true
}

// parseISODatetime reads a datetime as frictionless' default format does
// (dateutil's isoparse with a full time): YYYY-MM-DD, one separator
// character, HH:MM:SS, an optional fraction and offset.
func parseISODatetime(s string) (civil, bool) {
	if len(s) < 19 {
		return civil{}, false
	}
	c, ok := parseISODate(s[:10])
	if !ok {
		return civil{}, false
	}
	r, n := utf8.DecodeRuneInString(s[10:])
	if r == utf8.RuneError || len(s) < 10+n+8 {
		return civil{}, false
	}
	if !parseISOTime(s, 10+n, &c) {
		return civil{}, false
	}
	return c, true
}

// parseISOClock reads a time as the default time format does.
func parseISOClock(s string) (civil, bool) {
	var c civil
	if len(s) < 8 || !parseISOTime(s, 0, &c) {
		return civil{}, false
	}
	return c, true
}

// A layout is a strptime format compiled once: a list of directives and
// literal text.
type layout struct {
	src    string
	toks   []ltoken
	hasDay bool // the format says a day (else, for "date", 1)
	bad    string
	fixed  bool // only two- and four-digit numbers and one-byte separators
	// For a fixed layout: the full width, and the offsets of separators
	// and numbers.
	width int
	seps  []fixedSep
	nums  []fixedNum
}

type fixedSep struct {
	off int
	c   byte
}

type fixedNum struct {
	off int
	dir byte
}

type ltoken struct {
	dir byte   // directive letter, 0 for literal text, ' ' for white space
	lit string // literal text
}

// compileLayout compiles a strptime format; an unknown directive is kept
// in bad (Python refuses such a format, so every value fails).
func compileLayout(f string) *layout {
	l := &layout{src: f}
	for i := 0; i < len(f); {
		c := f[i]
		switch {
		case c == '%' && i+1 < len(f):
			d := f[i+1]
			i += 2
			switch d {
			case 'c':
				l.toks = append(l.toks, compileLayout("%a %b %d %H:%M:%S %Y").toks...)
			case 'x':
				l.toks = append(l.toks, compileLayout("%m/%d/%y").toks...)
			case 'X':
				l.toks = append(l.toks, compileLayout("%H:%M:%S").toks...)
			case '%':
				l.toks = append(l.toks, ltoken{lit: "%"})
			case 'd', 'f', 'H', 'I', 'G', 'j', 'm', 'M', 'S', 'U', 'W', 'w', 'u', 'V', 'y', 'Y', 'z', 'Z', 'a', 'A', 'b', 'B', 'p':
				l.toks = append(l.toks, ltoken{dir: d})
			default:
				if l.bad == "" {
					l.bad = "%" + string(d)
				}
			}
			if d == 'd' || d == 'j' || d == 'c' || d == 'x' {
				l.hasDay = true
			}
		case c == '%':
			l.bad = "%"
			i++
		case isSpaceByte(c):
			for i < len(f) && isSpaceByte(f[i]) {
				i++
			}
			l.toks = append(l.toks, ltoken{dir: ' '})
		default:
			_, n := utf8.DecodeRuneInString(f[i:])
			l.toks = append(l.toks, ltoken{lit: f[i : i+n]})
			i += n
		}
	}
	l.fixed = l.bad == ""
	for _, t := range l.toks {
		switch {
		case t.dir == 0 && len(t.lit) == 1:
			l.seps = append(l.seps, fixedSep{l.width, t.lit[0]})
			l.width++
		case t.dir == 'Y':
			l.nums = append(l.nums, fixedNum{l.width, 'Y'})
			l.width += 4
		case t.dir != 0 && strings.IndexByte("dmyHMS", t.dir) >= 0:
			l.nums = append(l.nums, fixedNum{l.width, t.dir})
			l.width += 2
		default:
			l.fixed = false
		}
	}
	return l
}

// strict reads s with every number at its full width ("05/12/2016" for
// %d/%m/%Y), the common case, at fixed offsets and without backtracking.
func (l *layout) strict(s string) (civil, bool) {
	var c civil
	if !l.strictInto(s, &c) {
		return civil{}, false
	}
	return c, true
}

func (l *layout) strictInto(s string, c *civil) bool {
	if len(s) != l.width {
		return false
	}
	for _, p := range l.seps {
		if s[p.off] != p.c {
			return false
		}
	}
	c.year, c.month, c.day = 1900, 1, 1
	for _, p := range l.nums {
		var n int
		var ok bool
		if p.dir == 'Y' {
			n, ok = digits4(s, p.off)
		} else {
			n, ok = digits2(s, p.off)
		}
		if !ok {
			return false
		}
		switch p.dir {
		case 'd':
			c.day = n
		case 'm':
			c.month = n
		case 'Y':
			c.year = n
		case 'y':
			if n < 69 {
				n += 2000
			} else {
				n += 1900
			}
			c.year = n
		case 'H':
			c.hour = n
		case 'M':
			c.min = n
		case 'S':
			c.sec = n
		}
	}
	return c.hour <= 23 && c.min <= 59 && c.sec <= 59 && validDate(c.year, c.month, c.day)
}

func isSpaceByte(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// pstate is what strptime has read so far.
type pstate struct {
	year, month, day, hour, min, sec, frac int
	yday, hour12                           int
	pm                                     int // 0 unknown, 1 am, 2 pm
	tz                                     bool
	offset                                 int
	got                                    uint16
	steps                                  *int // match calls, against maxSteps (not undone by backtracking)
}

// maxSteps bounds the backtracking of one parse: a format such as
// "%d%d%d%d…" would otherwise try exponentially many splits of a number.
const maxSteps = 2000

const (
	gotYear = 1 << iota
	gotMonth
	gotDay
	gotYday
	gotHour12
)

// parse reads s with the layout, as Python's datetime.strptime does
// (directives match case-insensitively, white space in the format matches
// one or more white-space characters, numbers may omit their leading
// zero); it reports whether s matches entirely and is a real date.
func (l *layout) parse(s string) (civil, bool) {
	if l.bad != "" {
		return civil{}, false
	}
	if l.fixed {
		if c, ok := l.strict(s); ok {
			return c, true
		}
	}
	steps := 0
	st := pstate{steps: &steps}
	if !l.match(0, s, &st) {
		return civil{}, false
	}
	return st.civil()
}

func (st *pstate) civil() (civil, bool) {
	c := civil{year: 1900, month: 1, day: 1, hour: st.hour, min: st.min, sec: st.sec, frac: st.frac, tz: st.tz, offset: st.offset}
	if st.got&gotYear != 0 {
		c.year = st.year
	}
	if st.got&gotHour12 != 0 {
		c.hour = st.hour12 % 12
		if st.pm == 2 {
			c.hour += 12
		}
	}
	switch {
	case st.got&gotYday != 0 && st.got&(gotMonth|gotDay) == 0:
		d := st.yday
		m := 1
		for m <= 12 && d > daysIn(c.year, m) {
			d -= daysIn(c.year, m)
			m++
		}
		if m > 12 {
			return civil{}, false
		}
		c.month, c.day = m, d
	default:
		if st.got&gotMonth != 0 {
			c.month = st.month
		}
		if st.got&gotDay != 0 {
			c.day = st.day
		}
	}
	if !validDate(c.year, c.month, c.day) {
		return civil{}, false
	}
	return c, true
}

// match tries to read s with the tokens from k on, backtracking over the
// widths a number may take.
func (l *layout) match(k int, s string, st *pstate) bool {
	if k == len(l.toks) {
		return s == ""
	}
	*st.steps++
	if *st.steps > maxSteps {
		return false
	}
	t := l.toks[k]
	switch t.dir {
	case 0:
		n := prefixFold(s, t.lit)
		return n > 0 && l.match(k+1, s[n:], st)
	case ' ':
		n := 0
		for n < len(s) {
			r, w := utf8.DecodeRuneInString(s[n:])
			if !unicode.IsSpace(r) {
				break
			}
			n += w
		}
		return n > 0 && l.match(k+1, s[n:], st)
	case 'd':
		if len(s) >= 2 && s[0] == ' ' && '1' <= s[1] && s[1] <= '9' {
			save := *st
			st.day, st.got = int(s[1]-'0'), st.got|gotDay
			if l.match(k+1, s[2:], st) {
				return true
			}
			*st = save
		}
		return l.number(k, s, st, 2, 1, 1, 31, func(st *pstate, v int) { st.day, st.got = v, st.got|gotDay })
	case 'm':
		return l.number(k, s, st, 2, 1, 1, 12, func(st *pstate, v int) { st.month, st.got = v, st.got|gotMonth })
	case 'H':
		return l.number(k, s, st, 2, 1, 0, 23, func(st *pstate, v int) { st.hour = v })
	case 'I':
		return l.number(k, s, st, 2, 1, 1, 12, func(st *pstate, v int) { st.hour12, st.got = v, st.got|gotHour12 })
	case 'M':
		return l.number(k, s, st, 2, 1, 0, 59, func(st *pstate, v int) { st.min = v })
	case 'S':
		return l.number(k, s, st, 2, 1, 0, 59, func(st *pstate, v int) { st.sec = v })
	case 'j':
		return l.number(k, s, st, 3, 1, 1, 366, func(st *pstate, v int) { st.yday, st.got = v, st.got|gotYday })
	case 'y':
		return l.number(k, s, st, 2, 2, 0, 99, func(st *pstate, v int) {
			if v < 69 {
				v += 2000
			} else {
				v += 1900
			}
			st.year, st.got = v, st.got|gotYear
		})
	case 'Y':
		return l.number(k, s, st, 4, 4, 0, 9999, func(st *pstate, v int) { st.year, st.got = v, st.got|gotYear })
	case 'G':
		return l.number(k, s, st, 4, 4, 0, 9999, func(*pstate, int) {})
	case 'f':
		for w := min(6, countDigits(s)); w >= 1; w-- {
			save := *st
			st.frac = fraction(s[:w])
			if l.match(k+1, s[w:], st) {
				return true
			}
			*st = save
		}
		return false
	case 'U', 'W':
		return l.number(k, s, st, 2, 1, 0, 53, func(*pstate, int) {})
	case 'V':
		return l.number(k, s, st, 2, 1, 1, 53, func(*pstate, int) {})
	case 'w':
		return l.number(k, s, st, 1, 1, 0, 6, func(*pstate, int) {})
	case 'u':
		return l.number(k, s, st, 1, 1, 1, 7, func(*pstate, int) {})
	case 'z':
		return l.offset(k, s, st)
	case 'Z':
		for _, name := range []string{"UTC", "GMT"} {
			if n := prefixFold(s, name); n > 0 && l.match(k+1, s[n:], st) {
				return true
			}
		}
		return false
	case 'a', 'A', 'b', 'B', 'p':
		for i, name := range nameList(t.dir) {
			n := prefixFold(s, name)
			if n == 0 {
				continue
			}
			save := *st
			switch t.dir {
			case 'b', 'B':
				st.month, st.got = i%12+1, st.got|gotMonth
			case 'p':
				st.pm = i + 1
			}
			if l.match(k+1, s[n:], st) {
				return true
			}
			*st = save
		}
		return false
	}
	return false
}

func countDigits(s string) int {
	n := 0
	for n < len(s) && isDigit(s[n]) {
		n++
	}
	return n
}

// number reads a number of maxW down to minW digits within [lo, hi].
func (l *layout) number(k int, s string, st *pstate, maxW, minW, lo, hi int, set func(*pstate, int)) bool {
	for w := min(maxW, countDigits(s)); w >= minW; w-- {
		v, _ := strconv.Atoi(s[:w])
		if v < lo || v > hi {
			continue
		}
		save := *st
		set(st, v)
		if l.match(k+1, s[w:], st) {
			return true
		}
		*st = save
	}
	return false
}

// offset reads %z: Z, or ±HH[:]MM with optional seconds.
func (l *layout) offset(k int, s string, st *pstate) bool {
	if strings.HasPrefix(s, "Z") {
		save := *st
		st.tz, st.offset = true, 0
		if l.match(k+1, s[1:], st) {
			return true
		}
		*st = save
		return false
	}
	if len(s) < 5 || (s[0] != '+' && s[0] != '-') {
		return false
	}
	h, ok := digits2(s, 1)
	if !ok {
		return false
	}
	i := 3
	if s[i] == ':' {
		i++
	}
	m, ok := digits2(s, i)
	if !ok || m > 59 {
		return false
	}
	i += 2
	secs := 0
	if j := i; j < len(s) {
		if s[j] == ':' {
			j++
		}
		if sec, ok := digits2(s, j); ok && sec <= 59 {
			secs, i = sec, j+2
		}
	}
	off := h*3600 + m*60 + secs
	if s[0] == '-' {
		off = -off
	}
	save := *st
	st.tz, st.offset = true, off
	if l.match(k+1, s[i:], st) {
		return true
	}
	*st = save
	return false
}

var (
	weekdays     = []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
	weekdaysAbbr = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
	months       = []string{"january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"}
	monthsAbbr   = []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}
	ampm         = []string{"am", "pm"}
	// French month names, for the "any" format.
	moisFR = []string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"}
)

func nameList(dir byte) []string {
	switch dir {
	case 'a':
		return weekdaysAbbr
	case 'A':
		return weekdays
	case 'b':
		return monthsAbbr
	case 'B':
		return months
	}
	return ampm
}

// prefixFold returns the length of the prefix of s equal to p ignoring
// case, or 0.
func prefixFold(s, p string) int {
	i := 0
	for _, pr := range p {
		if i >= len(s) {
			return 0
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r != pr && unicode.ToLower(r) != unicode.ToLower(pr) {
			return 0
		}
		i += n
	}
	return i
}

// anyDateLayouts are tried, in order, for the "any" format of dates; the
// French day-first order comes before the American one.
var anyDateLayouts = compileLayouts(
	"%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%d/%m/%Y", "%m/%d/%Y", "%d-%m-%Y", "%d.%m.%Y",
	"%d/%m/%y", "%Y%m%d", "%d %B %Y", "%d %b %Y", "%B %d %Y", "%B %d, %Y", "%b %d %Y",
	"%b %d, %Y", "%d %b. %Y", "%Y-%m", "%B %Y", "%Y",
)

var anyTimeLayouts = compileLayouts("%H:%M:%S", "%H:%M", "%H:%M:%S.%f", "%Hh%M", "%I:%M %p", "%I:%M:%S %p", "%I %p")

func compileLayouts(fs ...string) []*layout {
	out := make([]*layout, len(fs))
	for i, f := range fs {
		out[i] = compileLayout(f)
	}
	return out
}

// parseAnyDate reads a date written in a common way, as the "any" format
// allows (dateutil in frictionless; here a list of layouts, French month
// names included). A time after the date is accepted.
func parseAnyDate(s string) (civil, bool) {
	s = strings.TrimSpace(s)
	if c, ok := parseISODatetime(s); ok {
		return c, true
	}
	t := frenchMonths(s)
	for _, l := range anyDateLayouts {
		if c, ok := l.parse(t); ok {
			return c, true
		}
	}
	// A date followed by a time.
	if i := strings.LastIndexAny(t, " T"); i > 0 {
		if d, ok := parseAnyDate(t[:i]); ok {
			if tm, ok := parseAnyTime(t[i+1:]); ok {
				d.hour, d.min, d.sec, d.frac, d.tz, d.offset = tm.hour, tm.min, tm.sec, tm.frac, tm.tz, tm.offset
				return d, true
			}
		}
	}
	return civil{}, false
}

// parseAnyTime reads a time of day written in a common way.
func parseAnyTime(s string) (civil, bool) {
	s = strings.TrimSpace(s)
	if c, ok := parseISOClock(s); ok {
		return c, true
	}
	for _, l := range anyTimeLayouts {
		if c, ok := l.parse(s); ok {
			return c, true
		}
	}
	return civil{}, false
}

// frenchMonths replaces French month names by English ones.
func frenchMonths(s string) string {
	if !strings.ContainsFunc(s, unicode.IsLetter) {
		return s
	}
	low := strings.ToLower(s)
	for i, m := range moisFR {
		if strings.Contains(low, m) {
			low = strings.Replace(low, m, months[i], 1)
			return strings.Replace(low, "1er", "1", 1)
		}
	}
	return s
}

// formatLayout writes c with a strptime format, for hints ("write it
// 05/12/2016"); directives it cannot write are left as they are.
func formatLayout(f string, c civil) string {
	var b strings.Builder
	for i := 0; i < len(f); i++ {
		if f[i] != '%' || i+1 == len(f) {
			b.WriteByte(f[i])
			continue
		}
		i++
		switch f[i] {
		case 'd':
			pad(&b, c.day, 2)
		case 'm':
			pad(&b, c.month, 2)
		case 'Y':
			pad(&b, c.year, 4)
		case 'y':
			pad(&b, c.year%100, 2)
		case 'H':
			pad(&b, c.hour, 2)
		case 'M':
			pad(&b, c.min, 2)
		case 'S':
			pad(&b, c.sec, 2)
		case 'B':
			b.WriteString(strings.ToUpper(months[c.month-1][:1]) + months[c.month-1][1:])
		case 'b':
			b.WriteString(strings.ToUpper(monthsAbbr[c.month-1][:1]) + monthsAbbr[c.month-1][1:])
		case '%':
			b.WriteByte('%')
		default:
			b.WriteByte('%')
			b.WriteByte(f[i])
		}
	}
	return b.String()
}

func pad(b *strings.Builder, n, w int) {
	s := strconv.Itoa(n)
	for i := len(s); i < w; i++ {
		b.WriteByte('0')
	}
	b.WriteString(s)
}

// humanLayout writes a strptime format the way people read it: "%d/%m/%Y"
// → "DD/MM/YYYY" (English) and "JJ/MM/AAAA" (French).
func humanLayout(f string) (en, fr string) {
	var e, r strings.Builder
	for i := 0; i < len(f); i++ {
		if f[i] != '%' || i+1 == len(f) {
			e.WriteByte(f[i])
			r.WriteByte(f[i])
			continue
		}
		i++
		var a, b string
		switch f[i] {
		case 'd':
			a, b = "DD", "JJ"
		case 'm':
			a, b = "MM", "MM"
		case 'Y':
			a, b = "YYYY", "AAAA"
		case 'y':
			a, b = "YY", "AA"
		case 'H':
			a, b = "hh", "hh"
		case 'M':
			a, b = "mm", "mm"
		case 'S':
			a, b = "ss", "ss"
		case 'f':
			a, b = "ffffff", "ffffff"
		case 'z':
			a, b = "+hh:mm", "+hh:mm"
		case 'B':
			a, b = "Month", "Mois (en anglais)"
		case 'b':
			a, b = "Mon", "Mois abrégé (en anglais)"
		default:
			a = "%" + string(f[i])
			b = a
		}
		e.WriteString(a)
		r.WriteString(b)
	}
	return e.String(), r.String()
}
