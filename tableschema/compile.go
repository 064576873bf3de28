package tableschema

import (
	"encoding/json"
	"fmt"
	"hash/maphash"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// kind is a field type, as a small number for the checking loop.
type kind uint8

const (
	kString kind = iota
	kNumber
	kInteger
	kBoolean
	kDate
	kTime
	kDatetime
	kYear
	kYearmonth
	kDuration
	kGeopoint
	kGeojson
	kObject
	kArray
	kAny
)

var kinds = map[string]kind{
	"string": kString, "number": kNumber, "integer": kInteger, "boolean": kBoolean,
	"date": kDate, "time": kTime, "datetime": kDatetime, "year": kYear, "yearmonth": kYearmonth,
	"duration": kDuration, "geopoint": kGeopoint, "geojson": kGeojson, "object": kObject,
	"array": kArray, "any": kAny,
}

// numeric kinds keep their value in value.f and compare by it.
func (k kind) numeric() bool {
	switch k {
	case kNumber, kInteger, kBoolean, kDate, kTime, kDatetime, kYear, kYearmonth, kDuration:
		return true
	}
	return false
}

// value is a cell read in its field's type.
type value struct {
	f   float64 // numeric kinds
	i   int64   // integers
	s   string  // strings, big integers, JSON values: the text compared
	n   int     // length, for minLength and maxLength
	big bool    // an integer beyond int64: s holds its digits
}

// string formats
const (
	fmtDefault = iota
	fmtEmail
	fmtURI
	fmtUUID
	fmtBinary
)

// fieldCheck is a field compiled for checking cells.
type fieldCheck struct {
	f     *Field
	index int // in Schema.Fields
	kind  kind
	// strFormat is the format of a string field; for dates, layout is the
	// strptime format (nil: default ISO; any: the "any" format).
	strFormat int
	layout    *layout
	anyFormat bool
	geoFormat string
	nf        numberFormat
	trueVals  []string
	falseVals []string

	missing    []string // missing values; nil means only ""
	onlyEmpty  bool
	required   bool
	unique     bool
	minLen     int // -1: none
	maxLen     int
	min, max   *value
	xmin, xmax *value
	pattern    *matcher
	enum       map[string]bool  // strings and text kinds
	enumNum    map[float64]bool // numeric kinds
	enumList   []string         // as written, for messages
	enumText   []string         // the allowed texts when they are few
	item       *fieldCheck      // array items
	wantValue  bool             // constraints need the typed value
	pkPos      int              // position in the primary key, or -1
	needKey    bool             // unique or in the primary key: hash values
	needBounds bool             // minimum, maximum…
	fast       fastCheck
	seed       maphash.Seed
}

// compiled is a schema ready for a validator.
type compiled struct {
	fields []*fieldCheck
	pk     []int // field indexes of the primary key
	notes  []Note
}

// compile prepares every field; what it cannot use is noted.
func compile(s *Schema) *compiled {
	c := &compiled{}
	seed := maphash.MakeSeed()
	for i := range s.Fields {
		fc := c.field(&s.Fields[i], s.MissingValues, seed)
		fc.index = i
		c.fields = append(c.fields, fc)
	}
	for _, name := range s.PrimaryKey {
		i := slices.IndexFunc(s.Fields, func(f Field) bool { return f.Name == name })
		if i < 0 || slices.Contains(c.pk, i) {
			c.pk = nil
			break
		}
		c.pk = append(c.pk, i)
	}
	for _, fc := range c.fields {
		fc.pkPos = slices.Index(c.pk, fc.index)
		if fc.pkPos >= 0 {
			fc.wantValue = true
		}
		fc.needKey = fc.unique || fc.pkPos >= 0
	}
	return c
}

func (c *compiled) note(f *Field, en, fr string, args ...any) {
	n := notef(en, fr, args...)
	n.Message = fmt.Sprintf("field %q: ", f.Name) + n.Message
	n.MessageFR = fmt.Sprintf("champ %q : ", f.Name) + n.MessageFR
	c.notes = append(c.notes, n)
}

func (c *compiled) field(f *Field, missing []string, seed maphash.Seed) *fieldCheck {
	fc := &fieldCheck{f: f, minLen: -1, maxLen: -1, seed: seed, pkPos: -1}
	k, ok := kinds[f.Type]
	if !ok {
		k = kAny
	}
	fc.kind = k
	if f.MissingValues != nil {
		missing = f.MissingValues
	}
	fc.missing = missing
	fc.onlyEmpty = len(missing) == 1 && missing[0] == ""
	format := strings.TrimPrefix(f.Format, "fmt:")
	switch k {
	case kString:
		switch format {
		case "", "default":
		case "email":
			fc.strFormat = fmtEmail
		case "uri":
			fc.strFormat = fmtURI
		case "uuid":
			fc.strFormat = fmtUUID
		case "binary":
			fc.strFormat = fmtBinary
		default:
			c.note(f, "string format %q is unknown; not checked", "le format de texte %q est inconnu ; non vérifié", format)
		}
	case kDate, kTime, kDatetime:
		switch format {
		case "", "default":
		case "any":
			fc.anyFormat = true
		default:
			fc.layout = compileLayout(format)
			if fc.layout.bad != "" {
				c.note(f, "format %q has an unknown directive %s: no value can match it", "le format %q contient une directive inconnue %s : aucune valeur ne peut y correspondre", format, fc.layout.bad)
			}
		}
	case kNumber, kInteger:
		if format != "" && format != "default" {
			c.note(f, "format %q means nothing for numbers; ignored", "le format %q n'a pas de sens pour un nombre ; ignoré", format)
		}
	case kGeopoint:
		switch format {
		case "", "default":
			fc.geoFormat = "default"
		case "array", "object":
			fc.geoFormat = format
		default:
			c.note(f, "geopoint format %q is unknown; read as \"lon, lat\"", "le format de point %q est inconnu ; lu comme \"lon, lat\"", format)
			fc.geoFormat = "default"
		}
	case kGeojson:
		fc.geoFormat = format
		if format != "" && format != "default" && format != "topojson" {
			c.note(f, "geojson format %q is unknown", "le format geojson %q est inconnu", format)
		}
	}
	fc.nf = numberFormat{decimal: ".", bare: true}
	if f.DecimalChar != "" {
		fc.nf.decimal = f.DecimalChar
	}
	fc.nf.group = f.GroupChar
	if f.BareNumber != nil {
		fc.nf.bare = *f.BareNumber
	}
	if fc.nf.group == fc.nf.decimal && fc.nf.group != "" {
		c.note(f, "groupChar and decimalChar are the same; groupChar ignored", "groupChar et decimalChar sont identiques ; groupChar ignoré")
		fc.nf.group = ""
	}
	fc.trueVals, fc.falseVals = f.TrueValues, f.FalseValues
	if fc.trueVals == nil {
		fc.trueVals = []string{"true", "True", "TRUE", "1"}
	}
	if fc.falseVals == nil {
		fc.falseVals = []string{"false", "False", "FALSE", "0"}
	}

	cons := f.Constraints
	fc.required, fc.unique = cons.Required, cons.Unique
	lengthy := k == kString || k == kArray || k == kObject
	if cons.MinLength != nil {
		if lengthy {
			fc.minLen = *cons.MinLength
		} else {
			c.note(f, "minLength does not apply to type %s; ignored", "minLength ne s'applique pas au type %s ; ignoré", f.Type)
		}
	}
	if cons.MaxLength != nil {
		if lengthy {
			fc.maxLen = *cons.MaxLength
		} else {
			c.note(f, "maxLength does not apply to type %s; ignored", "maxLength ne s'applique pas au type %s ; ignoré", f.Type)
		}
	}
	for _, b := range []struct {
		name string
		v    any
		dst  **value
	}{{"minimum", cons.Minimum, &fc.min}, {"maximum", cons.Maximum, &fc.max}, {"exclusiveMinimum", cons.ExclusiveMinimum, &fc.xmin}, {"exclusiveMaximum", cons.ExclusiveMaximum, &fc.xmax}} {
		if b.v == nil {
			continue
		}
		if !k.numeric() || k == kBoolean {
			c.note(f, "%s does not apply to type %s; ignored", "%s ne s'applique pas au type %s ; ignoré", b.name, f.Type)
			continue
		}
		v, ok := fc.constant(b.v)
		if !ok {
			c.note(f, "%s %s is not a %s; ignored", "%s %s n'est pas une valeur de type %s ; ignoré", b.name, jsonText(b.v), f.Type)
			continue
		}
		*b.dst = &v
	}
	if cons.Pattern != "" {
		if k != kString {
			c.note(f, "pattern applies to strings only (frictionless); ignored for type %s", "pattern ne s'applique qu'au texte (frictionless) ; ignoré pour le type %s", f.Type)
		} else if m, err := compilePattern(cons.Pattern); err != nil {
			c.note(f, "pattern %s cannot run on Go's RE2 engine (%v); not checked", "le motif %s ne peut pas être exécuté par le moteur RE2 de Go (%v) ; non vérifié", cons.Pattern, err)
		} else {
			fc.pattern = m
		}
	}
	if cons.Enum != nil {
		fc.enumList = make([]string, 0, len(cons.Enum))
		if k.numeric() {
			fc.enumNum = map[float64]bool{}
		} else {
			fc.enum = map[string]bool{}
		}
		for _, e := range cons.Enum {
			text := jsonText(e)
			fc.enumList = append(fc.enumList, text)
			v, ok := fc.constant(e)
			if !ok {
				c.note(f, "enum value %s is not a %s; it can never match", "la valeur %s de enum n'est pas de type %s ; elle ne peut jamais correspondre", text, f.Type)
				continue
			}
			if fc.enumNum != nil {
				fc.enumNum[normFloat(v.f)] = true
			} else {
				fc.enum[v.s] = true
			}
		}
	}
	if fc.enum != nil && len(fc.enum) <= 16 {
		fc.enumText = sortedKeys(fc.enum)
	}
	if f.ArrayItem != nil && k == kArray {
		item := *f.ArrayItem
		item.Name = f.Name
		fc.item = c.field(&item, []string{""}, seed)
	}
	fc.needBounds = fc.min != nil || fc.max != nil || fc.xmin != nil || fc.xmax != nil
	fc.wantValue = fc.needBounds || fc.enum != nil || fc.enumNum != nil || fc.unique
	fc.fast = pickFast(fc)
	return fc
}

// jsonText writes a constraint value as the schema wrote it.
func jsonText(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// constant reads a constraint value (minimum, enum…) in the field's type:
// JSON numbers and booleans as they are, strings through the field's
// format, or the default one.
func (fc *fieldCheck) constant(v any) (value, bool) {
	switch x := v.(type) {
	case json.Number:
		switch fc.kind {
		case kNumber, kInteger, kYear, kDuration:
			f, err := x.Float64()
			if err != nil && !strings.ContainsAny(string(x), "eE") {
				return value{}, false
			}
			if fc.kind == kInteger && f != math.Trunc(f) {
				return value{}, false
			}
			return value{f: f, s: canonicalInteger(string(x))}, true
		}
		return fc.parseConstant(x.String())
	case bool:
		if fc.kind == kBoolean {
			if x {
				return value{f: 1}, true
			}
			return value{}, true
		}
		return fc.parseConstant(strconv.FormatBool(x))
	case string:
		return fc.parseConstant(x)
	case nil:
		return value{}, false
	}
	return fc.parseConstant(jsonText(v))
}

func (fc *fieldCheck) parseConstant(s string) (value, bool) {
	if v, ok := fc.read(s, true); ok {
		return v, true
	}
	// A constraint on dates is written in ISO even when the cells use
	// another format; numbers with a point.
	plain := *fc
	plain.layout, plain.anyFormat = nil, false
	plain.nf = numberFormat{decimal: ".", bare: true}
	plain.strFormat = fmtDefault
	return plain.read(s, true)
}

// isMissing reports whether a cell holds one of the missing values.
func (fc *fieldCheck) isMissing(s string) bool {
	if fc.onlyEmpty {
		return s == ""
	}
	return slices.Contains(fc.missing, s)
}

// read parses a cell (not missing) in the field's type; want asks for the
// typed value, which constraints need.
func (fc *fieldCheck) read(s string, want bool) (value, bool) {
	switch fc.kind {
	case kString:
		ok := true
		switch fc.strFormat {
		case fmtEmail:
			ok = isEmail(s)
		case fmtURI:
			ok = isURI(s)
		case fmtUUID:
			ok = isUUID(s)
		case fmtBinary:
			ok = isBase64(s)
		}
		return value{s: s}, ok
	case kNumber:
		f, ok := parseNumber(s, fc.nf, want)
		return value{f: f}, ok
	case kInteger:
		i, f, big, ok := parseInteger(s, fc.nf)
		if !ok {
			return value{}, false
		}
		v := value{f: f, i: i, big: big}
		if big && want {
			v.s = canonicalInteger(s)
		}
		return v, true
	case kBoolean:
		if slices.Contains(fc.trueVals, s) {
			return value{f: 1}, true
		}
		if slices.Contains(fc.falseVals, s) {
			return value{f: 0}, true
		}
		return value{}, false
	case kDate:
		c, ok := fc.readDate(s)
		if ok && fc.layout == nil && !fc.anyFormat && (c.hour != 0 || c.min != 0 || c.sec != 0) {
			ok = false
		}
		return value{f: float64(c.days())}, ok
	case kDatetime:
		var c civil
		var ok bool
		switch {
		case fc.layout != nil:
			c, ok = fc.layout.parse(s)
		case fc.anyFormat:
			c, ok = parseAnyDate(s)
		default:
			c, ok = parseISODatetime(s)
		}
		return value{f: c.seconds()}, ok
	case kTime:
		var c civil
		var ok bool
		switch {
		case fc.layout != nil:
			c, ok = fc.layout.parse(s)
		case fc.anyFormat:
			c, ok = parseAnyTime(s)
		default:
			c, ok = parseISOClock(s)
		}
		return value{f: c.clock()}, ok
	case kYear:
		y, ok := parseYear(s)
		return value{f: float64(y)}, ok
	case kYearmonth:
		y, m, ok := parseYearMonth(s)
		return value{f: float64(y*12 + m - 1)}, ok
	case kDuration:
		d, ok := parseDuration(s)
		return value{f: d, s: s}, ok
	case kGeopoint:
		lon, lat, ok := parseGeopoint(s, fc.geoFormat)
		return value{s: strconv.FormatFloat(lon, 'g', -1, 64) + "," + strconv.FormatFloat(lat, 'g', -1, 64)}, ok
	case kGeojson:
		return value{s: strings.TrimSpace(s)}, isGeoJSON(s, fc.geoFormat)
	case kObject:
		m, ok := parseJSONObject(s)
		return value{s: strings.TrimSpace(s), n: len(m)}, ok
	case kArray:
		a, ok := parseJSONArray(s)
		return value{s: strings.TrimSpace(s), n: len(a)}, ok
	}
	return value{s: s}, true
}

func (fc *fieldCheck) readDate(s string) (civil, bool) {
	switch {
	case fc.layout != nil:
		return fc.layout.parse(s)
	case fc.anyFormat:
		return parseAnyDate(s)
	}
	if c, ok := parseISODate(s); ok {
		return c, true
	}
	// Python's strptime("%Y-%m-%d") also takes one-digit months and days.
	return isoDateLayout.parse(s)
}

var isoDateLayout = compileLayout("%Y-%m-%d")

// normFloat makes equal numbers equal keys: -0 is 0, every NaN the same.
func normFloat(f float64) float64 {
	if f == 0 {
		return 0
	}
	if f != f {
		return math.NaN()
	}
	return f
}

// key hashes a value for unique and primary key checks.
func (fc *fieldCheck) key(v value) uint64 {
	if fc.kind == kInteger && !v.big {
		return mix(uint64(v.i))
	}
	if fc.kind.numeric() && !v.big {
		f := normFloat(v.f)
		if f != f {
			return 0x7ff8000000000001
		}
		return mix(math.Float64bits(f))
	}
	return maphash.String(fc.seed, v.s)
}

// mix scrambles the bits of a number (splitmix64's finaliser).
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// failure is a cell that breaks a rule: code "type-error" or
// "constraint-error" with the constraint's name.
type failure struct {
	code       string
	constraint string
	bound      string // the constraint's value, for messages
	n          int    // the value's length, for minLength and maxLength
}

// check reads a cell that is not missing and checks the field's
// constraints (unique aside), appending what fails to out.
func (fc *fieldCheck) check(s string, out []failure) ([]failure, value, bool) {
	v, ok := fc.read(s, fc.wantValue)
	if !ok {
		return append(out, failure{code: CodeTypeError}), v, false
	}
	if fc.kind == kString {
		// A string has at most as many characters as bytes, and at least a
		// quarter as many: count them only when that does not decide.
		if fc.minLen >= 0 && len(s) < 4*fc.minLen || fc.maxLen >= 0 && len(s) > fc.maxLen {
			v.n = utf8.RuneCountInString(s)
		} else {
			v.n = fc.minLen
			if v.n < 0 {
				v.n = 0
			}
		}
	}
	if fc.minLen >= 0 && v.n < fc.minLen {
		out = append(out, failure{code: CodeConstraintError, constraint: "minLength", bound: strconv.Itoa(fc.minLen), n: v.n})
	}
	if fc.maxLen >= 0 && v.n > fc.maxLen {
		out = append(out, failure{code: CodeConstraintError, constraint: "maxLength", bound: strconv.Itoa(fc.maxLen), n: v.n})
	}
	if fc.min != nil && v.f < fc.min.f {
		out = append(out, failure{code: CodeConstraintError, constraint: "minimum", bound: jsonText(fc.f.Constraints.Minimum)})
	}
	if fc.max != nil && v.f > fc.max.f {
		out = append(out, failure{code: CodeConstraintError, constraint: "maximum", bound: jsonText(fc.f.Constraints.Maximum)})
	}
	if fc.xmin != nil && v.f <= fc.xmin.f {
		out = append(out, failure{code: CodeConstraintError, constraint: "exclusiveMinimum", bound: jsonText(fc.f.Constraints.ExclusiveMinimum)})
	}
	if fc.xmax != nil && v.f >= fc.xmax.f {
		out = append(out, failure{code: CodeConstraintError, constraint: "exclusiveMaximum", bound: jsonText(fc.f.Constraints.ExclusiveMaximum)})
	}
	if fc.pattern != nil && !fc.pattern.match(s) {
		out = append(out, failure{code: CodeConstraintError, constraint: "pattern", bound: fc.f.Constraints.Pattern})
	}
	if fc.enumNum != nil && !fc.enumNum[normFloat(v.f)] || fc.enum != nil && !fc.inEnum(v.s) {
		out = append(out, failure{code: CodeConstraintError, constraint: "enum"})
	}
	if fc.item != nil {
		out = fc.checkItems(s, out)
	}
	return out, v, true
}

// inEnum reports whether a text value is allowed; short lists are
// scanned, which beats hashing the value.
func (fc *fieldCheck) inEnum(s string) bool {
	if fc.enumText != nil {
		for _, e := range fc.enumText {
			if len(e) == len(s) && e == s {
				return true
			}
		}
		return false
	}
	return fc.enum[s]
}

// checkItems checks each item of an array cell against arrayItem.
func (fc *fieldCheck) checkItems(s string, out []failure) []failure {
	items, _ := parseJSONArray(s)
	var sub []failure
	for _, it := range items {
		text, ok := it.(string)
		if !ok {
			if it == nil {
				text = ""
			} else {
				text = jsonText(it)
			}
		}
		if text == "" {
			if fc.item.required {
				sub = append(sub, failure{code: CodeConstraintError, constraint: "required"})
			}
			continue
		}
		sub, _, _ = fc.item.check(text, sub)
	}
	for _, f := range sub {
		// One failure per kind of rule, named as Validata does.
		f.code = CodeConstraintError
		if f.constraint == "" {
			f.constraint = "type"
		}
		f.constraint = "arrayItem." + f.constraint
		if !slices.ContainsFunc(out, func(o failure) bool { return o.constraint == f.constraint }) {
			out = append(out, f)
		}
	}
	return out
}
