package tableschema

import (
	"hash/maphash"
	"math"
)

// fastCheck checks a cell the quick way for the common case: it returns
// ok when the cell is certainly valid (with its hash when the field is
// unique or in the primary key). Anything else (an error, an unusual
// spelling) goes through check, which says what is wrong.
type fastCheck func(fc *fieldCheck, s string) (key uint64, ok bool)

// pickFast chooses the quick check of a field, or nil.
func pickFast(fc *fieldCheck) fastCheck {
	if fc.item != nil {
		return nil
	}
	switch fc.kind {
	case kString:
		if fc.strFormat == fmtDefault {
			return fastString
		}
	case kNumber:
		if fc.nf.bare && len(fc.nf.decimal) == 1 && len(fc.nf.group) <= 1 && fc.enumNum == nil {
			return fastNumberCheck
		}
	case kInteger:
		if fc.nf.bare && fc.nf.group == "" && fc.enumNum == nil {
			return fastInteger
		}
	case kBoolean:
		if fc.enumNum == nil {
			return fastBoolean
		}
	case kDate:
		if !fc.anyFormat && (fc.layout == nil || fc.layout.fixed) && fc.enumNum == nil {
			return fastDate
		}
	}
	return nil
}

func fastString(fc *fieldCheck, s string) (uint64, bool) {
	if fc.maxLen >= 0 && len(s) > fc.maxLen || fc.minLen >= 0 && len(s) < 4*fc.minLen {
		return 0, false // count the characters on the slow path
	}
	if fc.pattern != nil && !fc.pattern.match(s) {
		return 0, false
	}
	if fc.enum != nil && !fc.inEnum(s) {
		return 0, false
	}
	if fc.needKey {
		return maphash.String(fc.seed, s), true
	}
	return 0, true
}

// inBounds checks minimum, maximum and their exclusive forms.
func (fc *fieldCheck) inBounds(f float64) bool {
	return (fc.min == nil || f >= fc.min.f) && (fc.max == nil || f <= fc.max.f) &&
		(fc.xmin == nil || f > fc.xmin.f) && (fc.xmax == nil || f < fc.xmax.f)
}

func fastNumberCheck(fc *fieldCheck, s string) (uint64, bool) {
	var group byte
	if fc.nf.group != "" {
		group = fc.nf.group[0]
	}
	f, ok, done := fastNumber(s, fc.nf.decimal[0], group)
	if !done || !ok || !fc.inBounds(f) {
		return 0, false
	}
	if f == 0 {
		f = 0 // -0
	}
	return mix(math.Float64bits(f)), true
}

func fastInteger(fc *fieldCheck, s string) (uint64, bool) {
	i := 0
	neg := false
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		i = 1
	}
	if i == len(s) || len(s)-i > 18 {
		return 0, false
	}
	var n int64
	for ; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	if !fc.inBounds(float64(n)) {
		return 0, false
	}
	return mix(uint64(n)), true
}

func fastBoolean(fc *fieldCheck, s string) (uint64, bool) {
	for _, t := range fc.trueVals {
		if t == s {
			return mix(math.Float64bits(1)), true
		}
	}
	for _, t := range fc.falseVals {
		if t == s {
			return mix(0), true
		}
	}
	return 0, false
}

func fastDate(fc *fieldCheck, s string) (uint64, bool) {
	var c civil
	if fc.layout == nil {
		if !isoDateInto(s, &c) {
			return 0, false
		}
	} else if !fc.layout.strictInto(s, &c) {
		return 0, false
	}
	if !fc.needBounds {
		if fc.needKey {
			return mix(math.Float64bits(float64(c.days()))), true
		}
		return 0, true
	}
	d := float64(c.days())
	if !fc.inBounds(d) {
		return 0, false
	}
	return mix(math.Float64bits(d)), true
}
