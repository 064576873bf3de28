package tableschema

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// How a column was matched to a field (Column.Match).
const (
	MatchExact      = "exact"      // the label is the field's name
	MatchNormalized = "normalized" // equal once case, accents, spaces and punctuation are ignored
	MatchTitle      = "title"      // equal to the field's title, the same way
	MatchExtra      = "extra"      // no field of the schema
	MatchDuplicate  = "duplicate"  // a copy of an earlier label
	MatchBlank      = "blank"      // no label
)

// Column is one column of the file and the schema field it was read as.
type Column struct {
	Position int    `json:"position"` // 1-based
	Label    string `json:"label"`
	Field    string `json:"field,omitempty"`
	Match    string `json:"match"`
}

// NormalizeLabel folds a column label for matching: lower case, accents
// and ligatures dropped, only letters and digits kept ("NOM_Bénéficiaire"
// → "nombeneficiaire").
func NormalizeLabel(s string) string { return normalize(s) }

func normalize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r == 'œ' || r == 'Œ':
			b.WriteString("oe")
		case r == 'æ' || r == 'Æ':
			b.WriteString("ae")
		case r == 'ß':
			b.WriteString("ss")
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// headerMatch is how a header lines up with a schema.
type headerMatch struct {
	columns  []Column
	colField []int // per column: field index or -1
	fieldCol []int // per field: column index or -1
	dupOf    []int // per column: the earlier column it duplicates, or -1
}

// matchHeader lines the labels up with the fields: exact names first, then
// (unless exact) normalised names, then normalised titles. isBlank tells
// labels that stand for an empty header cell.
func matchHeader(labels []string, fields []Field, exact bool, isBlank func(i int, label string) bool) *headerMatch {
	h := &headerMatch{
		columns:  make([]Column, len(labels)),
		colField: make([]int, len(labels)),
		fieldCol: make([]int, len(fields)),
		dupOf:    make([]int, len(labels)),
	}
	for i := range h.fieldCol {
		h.fieldCol[i] = -1
	}
	byName := make(map[string]int, len(fields))
	for i := len(fields) - 1; i >= 0; i-- {
		byName[fields[i].Name] = i
	}
	firstLabel := map[string]int{}
	for i, l := range labels {
		h.columns[i] = Column{Position: i + 1, Label: l, Match: MatchExtra}
		h.colField[i], h.dupOf[i] = -1, -1
		if isBlank(i, l) {
			h.columns[i].Match = MatchBlank
			continue
		}
		if j, ok := firstLabel[l]; ok {
			h.columns[i].Match = MatchDuplicate
			h.dupOf[i] = j
			continue
		}
		firstLabel[l] = i
		if f, ok := byName[l]; ok {
			h.link(i, f, fields, MatchExact)
		}
	}
	if exact {
		return h
	}
	for _, title := range []bool{false, true} {
		want := map[string]int{}
		for f := len(fields) - 1; f >= 0; f-- {
			if h.fieldCol[f] >= 0 {
				continue
			}
			key := fields[f].Name
			if title {
				key = fields[f].Title
			}
			if k := normalize(key); k != "" {
				want[k] = f
			}
		}
		for i, l := range labels {
			if h.columns[i].Match != MatchExtra {
				continue
			}
			if f, ok := want[normalize(l)]; ok && h.fieldCol[f] < 0 {
				m := MatchNormalized
				if title {
					m = MatchTitle
				}
				h.link(i, f, fields, m)
			}
		}
	}
	return h
}

func (h *headerMatch) link(col, field int, fields []Field, how string) {
	h.colField[col], h.fieldCol[field] = field, col
	h.columns[col].Field, h.columns[col].Match = fields[field].Name, how
}

// outOfOrder returns the columns to move for the matched columns to follow
// the schema's order: those outside a longest increasing run of field
// indexes.
func (h *headerMatch) outOfOrder() []int {
	var cols, seq []int
	for c, f := range h.colField {
		if f >= 0 {
			cols = append(cols, c)
			seq = append(seq, f)
		}
	}
	keep := longestIncreasing(seq)
	var out []int
	k := 0
	for i := range seq {
		if k < len(keep) && keep[k] == i {
			k++
			continue
		}
		out = append(out, cols[i])
	}
	return out
}

// longestIncreasing returns the indexes of a longest strictly increasing
// subsequence of seq.
func longestIncreasing(seq []int) []int {
	tails := []int{} // index in seq of the smallest tail of each length
	prev := make([]int, len(seq))
	for i, v := range seq {
		lo, hi := 0, len(tails)
		for lo < hi {
			mid := (lo + hi) / 2
			if seq[tails[mid]] < v {
				lo = mid + 1
			} else {
				hi = mid
			}
		}
		prev[i] = -1
		if lo > 0 {
			prev[i] = tails[lo-1]
		}
		if lo == len(tails) {
			tails = append(tails, i)
		} else {
			tails[lo] = i
		}
	}
	out := make([]int, len(tails))
	if len(tails) == 0 {
		return out
	}
	for i, k := tails[len(tails)-1], len(tails)-1; k >= 0; i, k = prev[i], k-1 {
		out[k] = i
	}
	return out
}

// similar reports whether two labels are close once normalised: an edit
// distance of at most one in five characters (at least one).
func similar(a, b string) bool {
	na, nb := []rune(normalize(a)), []rune(normalize(b))
	if len(na) == 0 || len(nb) == 0 {
		return false
	}
	limit := max(1, min(len(na), len(nb))/5)
	if d := len(na) - len(nb); d > limit || -d > limit {
		return false
	}
	return levenshtein(na, nb) <= limit
}

func levenshtein(a, b []rune) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
