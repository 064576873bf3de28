package converters

import (
	"math"
	"strconv"
	"strings"
)

// numKind is what a cell's number format makes of a stored number.
type numKind uint8

const (
	numGeneral numKind = iota
	numDate
	numDatetime
	numTime
)

// builtinKind classifies Excel's built-in number formats (ECMA-376
// 18.8.30), including the East Asian date formats.
func builtinKind(id int) numKind {
	switch {
	case id >= 14 && id <= 17, id >= 27 && id <= 31, id == 36, id >= 50 && id <= 58:
		return numDate
	case id >= 18 && id <= 21, id >= 32 && id <= 35, id >= 45 && id <= 47:
		return numTime
	case id == 22:
		return numDatetime
	}
	return numGeneral
}

// formatKind classifies a custom number format code such as "dd/mm/yyyy",
// "[$-40C]d mmmm yyyy", "hh:mm" or "#,##0.00 \"€\"": text in quotes,
// escaped characters and bracketed colours or locales are ignored; an
// elapsed-time bracket ([h]) makes a time.
func formatKind(code string) numKind {
	var date, tm, minute bool
	section := 0
	for i := 0; i < len(code); i++ {
		c := code[i]
		switch c {
		case '"':
			j := strings.IndexByte(code[i+1:], '"')
			if j < 0 {
				i = len(code)
			} else {
				i += j + 1
			}
			continue
		case '\\', '_', '*':
			i++
			continue
		case '[':
			j := strings.IndexByte(code[i+1:], ']')
			if j < 0 {
				return numGeneral
			}
			inner := strings.ToLower(code[i+1 : i+1+j])
			if inner != "" && strings.Trim(inner, "hms") == "" {
				tm = true
			}
			i += j + 1
			continue
		case ';':
			section++
		}
		if section > 0 {
			break
		}
		switch c | 0x20 {
		case 'y', 'd':
			date = true
		case 'h', 's':
			tm = true
		case 'm':
			minute = true
		}
	}
	switch {
	case date && tm:
		return numDatetime
	case date:
		return numDate
	case tm:
		return numTime
	case minute:
		return numDate // "mmm" or "mmmm": a month
	}
	return numGeneral
}

// appendSerial appends a spreadsheet date serial (days since 1899-12-30, or
// since 1904-01-01 in 1904 workbooks) as an ISO 8601 date, date-time or
// time. It returns false for a value that is not a plausible date.
func appendSerial(dst []byte, raw string, kind numKind, date1904 bool) ([]byte, bool) {
	f, err := strconv.ParseFloat(raw, 64)
	if err != nil || f < 0 || f > 2958465 || math.IsNaN(f) {
		return dst, false
	}
	days := int64(f)
	secs := int64(math.Round((f - float64(days)) * 86400))
	if secs >= 86400 {
		days++
		secs -= 86400
	}
	var p dateParts
	if kind != numTime {
		var unixDays int64
		switch {
		case date1904:
			unixDays = days - 24107 // 1904-01-01 is day -24107 from 1970-01-01
		case days == 0 && kind == numDate:
			return dst, false
		case days < 60:
			unixDays = days - 25568 // serial 1 is 1900-01-01
		case days == 60:
			// Excel's fictitious 1900-02-29 (a Lotus 1-2-3 bug).
			unixDays = -25509
		default:
			unixDays = days - 25569
		}
		p.y, p.mo, p.d = civil(unixDays)
	}
	p.h, p.mi, p.sec = int(secs/3600), int(secs/60%60), int(secs%60)
	switch kind {
	case numDate:
		return appendISODate(dst, p), true
	case numDatetime:
		return appendISODatetime(dst, p), true
	}
	dst = append2(dst, p.h)
	dst = append(dst, ':')
	dst = append2(dst, p.mi)
	dst = append(dst, ':')
	return append2(dst, p.sec), true
}

// civil converts days since 1970-01-01 to a proleptic Gregorian date
// (Howard Hinnant's algorithm).
func civil(z int64) (y, m, d int) {
	z += 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	yy := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	dd := doy - (153*mp+2)/5 + 1
	mm := mp + 3
	if mp >= 10 {
		mm = mp - 9
	}
	if mm <= 2 {
		yy++
	}
	return int(yy), int(mm), int(dd)
}
