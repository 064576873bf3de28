package converters

import (
	"fmt"
	"slices"
	"strings"
)

// Type is a Table Schema field type.
type Type string

// The types Inferrer assigns.
const (
	TypeString   Type = "string"
	TypeInteger  Type = "integer"
	TypeNumber   Type = "number"
	TypeDate     Type = "date"
	TypeDatetime Type = "datetime"
	TypeBoolean  Type = "boolean"
)

// Field is one column of a Table Schema (frictionless): the machine name,
// the label as found in the file, and the type.
type Field struct {
	Name  string `json:"name"`
	Title string `json:"title,omitempty"`
	Type  Type   `json:"type"`
}

// Schema is a Table Schema (frictionless) describing the normalised table
// written by Writer: there, a missing value is an empty field.
type Schema struct {
	Fields        []Field  `json:"fields"`
	MissingValues []string `json:"missingValues"`
}

// Column is what inference learnt about one column.
type Column struct {
	Name     string   `json:"name"`
	Label    string   `json:"label"`
	Type     Type     `json:"type"`
	Values   int      `json:"values"`  // non-missing values
	Missing  int      `json:"missing"` // empty or missing-value markers
	Examples []string `json:"examples,omitempty"`
	// Note says how the values are written or why a numeric-looking
	// column stays a string: "dd/mm/yyyy", "decimal comma", "code with
	// leading zeros"…
	Note string `json:"note,omitempty"`
}

const (
	cInt = 1 << iota
	cNum
	cDate
	cBool
	cAll = cInt | cNum | cDate | cBool
)

type colState struct {
	cand        uint8
	values      int
	missing     int
	examples    []string
	leadingZero bool
	wordBool    bool
	numbers     int // values that read as numbers
	minDigits   int
	maxDigits   int
	integral    bool
	floatZero   bool // an integral value written with decimals ("2400.0")
	decComma    bool
	grouped     bool
	datetime    bool
	layouts     []string
	layoutKeys  []int
}

// Inferrer infers a Table Schema from every row of a table: a column gets a
// type only if all its non-missing values satisfy it. Integers and numbers
// accept French writing (decimal comma, spaces between thousands); dates
// accept dd/mm/yyyy, yyyy-mm-dd and yyyy/mm/dd; booleans need words
// (oui/non, vrai/faux, true/false), 0 and 1 count only beside them. Codes
// stay strings: leading zeros, 9- or 14-digit SIREN/SIRET, more than 15
// digits, and integer columns named like a code (code, siret, insee,
// postal…) or, when all values have the same width, like an identifier.
type Inferrer struct {
	labels []string
	names  []string
	cols   []colState
}

// NewInferrer returns an Inferrer for a table with these column labels and
// machine names (derived with Names when names is nil).
func NewInferrer(labels, names []string) *Inferrer {
	if names == nil {
		names = Names(labels)
	}
	in := &Inferrer{labels: labels, names: names, cols: make([]colState, len(labels))}
	for i := range in.cols {
		in.cols[i] = colState{cand: cAll, integral: true, minDigits: 1 << 30}
	}
	return in
}

// Add accounts for one row; fields beyond the header are ignored.
func (in *Inferrer) Add(row []string) {
	cols := in.cols
	for i, v := range row[:min(len(row), len(cols))] {
		c := &cols[i]
		if v == "" {
			c.missing++
			continue
		}
		v = trimSpace(v)
		if isMissing(v) {
			c.missing++
			continue
		}
		c.values++
		if len(c.examples) < 3 {
			c.addExample(v)
		}
		if c.cand != 0 {
			c.classify(v)
		}
	}
}

func (c *colState) addExample(v string) {
	for _, e := range c.examples {
		if e == v {
			return
		}
	}
	if len(v) > 80 {
		v = strings.ToValidUTF8(v[:80], "") + "…"
	}
	c.examples = append(c.examples, v)
}

func (c *colState) classify(v string) {
	if c.cand&(cInt|cNum) != 0 {
		ni := scanNumber(v)
		switch {
		case !ni.ok:
			c.cand &^= cInt | cNum
		case ni.leadingZero && ni.integral:
			c.leadingZero = true
			c.cand = 0
			return
		default:
			c.numbers++
			if !ni.integer {
				c.cand &^= cInt
			}
			if ni.integral {
				c.minDigits = min(c.minDigits, ni.digits)
				c.maxDigits = max(c.maxDigits, ni.digits)
				if !ni.integer {
					c.floatZero = true
				}
			} else {
				c.integral = false
			}
			if !ni.plain {
				if strings.IndexByte(v, ',') > 0 && !strings.Contains(v, ".") {
					c.decComma = true
				} else {
					c.grouped = true
				}
			}
		}
	}
	if c.cand&cBool != 0 {
		switch k, _ := boolKind(v); k {
		case 0:
			c.cand &^= cBool
		case 2:
			c.wordBool = true
		}
	}
	if c.cand&cDate != 0 {
		p := parseDate(v)
		if !p.ok {
			c.cand &^= cDate
			return
		}
		c.datetime = c.datetime || p.hasTime
		if k := p.layoutKey(); len(c.layouts) < 3 && !slices.Contains(c.layoutKeys, k) {
			c.layoutKeys = append(c.layoutKeys, k)
			c.layouts = append(c.layouts, p.layout())
		}
	}
}

var (
	strongCodeWords = map[string]bool{"code": true, "codes": true, "siret": true, "siren": true, "insee": true, "postal": true,
		"cp": true, "departement": true, "dept": true, "dep": true, "nic": true, "naf": true, "ape": true, "rna": true, "uai": true,
		"finess": true, "ean": true, "iban": true, "rib": true, "telephone": true, "tel": true, "phone": true, "zip": true, "zipcode": true, "fax": true}
	weakCodeWords = map[string]bool{"id": true, "ident": true, "identifiant": true, "identification": true, "identifier": true,
		"numero": true, "num": true, "no": true, "n": true, "nr": true, "ref": true, "reference": true, "matricule": true, "immatriculation": true}
)

// codeReason tells why an integral numeric column is a code, or "".
func (c *colState) codeReason(name string) string {
	switch {
	case c.maxDigits > 15:
		return "identifier of more than 15 digits"
	case c.minDigits == c.maxDigits && c.maxDigits == 14:
		return "14-digit code (SIRET)"
	case c.minDigits == c.maxDigits && c.maxDigits == 9:
		return "9-digit code (SIREN)"
	}
	strong, weak := false, false
	for _, w := range strings.Split(name, "_") {
		strong = strong || strongCodeWords[w]
		weak = weak || weakCodeWords[w]
	}
	switch {
	case strong:
		return "code (from the column name)"
	case weak && c.minDigits == c.maxDigits && c.maxDigits >= 4:
		return "fixed-width identifier"
	}
	return ""
}

// decide returns the column's type and a note explaining it.
func (c *colState) decide(name string) (Type, string) {
	switch {
	case c.values == 0:
		return TypeString, "no value"
	case c.leadingZero:
		return TypeString, "code with leading zeros"
	case c.cand&cBool != 0 && c.wordBool:
		return TypeBoolean, ""
	case c.cand&(cInt|cNum) != 0:
		if c.integral {
			if why := c.codeReason(name); why != "" {
				if c.floatZero {
					why += `; values written as decimals (".0") kept as text`
				}
				return TypeString, why
			}
		}
		var notes []string
		if c.decComma {
			notes = append(notes, "decimal comma")
		}
		if c.grouped {
			notes = append(notes, "thousands separator")
		}
		if c.cand&cInt != 0 {
			return TypeInteger, strings.Join(notes, ", ")
		}
		return TypeNumber, strings.Join(notes, ", ")
	case c.cand&cDate != 0:
		if c.datetime {
			return TypeDatetime, strings.Join(c.layouts, ", ")
		}
		return TypeDate, strings.Join(c.layouts, ", ")
	}
	return TypeString, ""
}

// Columns returns what was learnt about each column so far.
func (in *Inferrer) Columns() []Column {
	out := make([]Column, len(in.cols))
	for i := range in.cols {
		c := &in.cols[i]
		t, note := c.decide(in.names[i])
		out[i] = Column{Name: in.names[i], Label: in.labels[i], Type: t, Values: c.values, Missing: c.missing,
			Examples: append([]string(nil), c.examples...), Note: note}
	}
	return out
}

// Schema returns the inferred Table Schema of the normalised table.
func (in *Inferrer) Schema() *Schema {
	s := &Schema{MissingValues: []string{""}}
	for _, c := range in.Columns() {
		s.Fields = append(s.Fields, Field{Name: c.Name, Title: c.Label, Type: c.Type})
	}
	return s
}

func (c Column) String() string {
	return fmt.Sprintf("%s (%s)", c.Name, c.Type)
}
