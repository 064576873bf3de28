package converters

import (
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Name derives a machine name from a column label: ASCII snake_case, accents
// dropped, words split at case changes ("idAttribuant" → "id_attribuant",
// "Montant payé (€)" → "montant_paye_eur"). It returns "" for a label with
// no letter or digit.
func Name(label string) string {
	var b strings.Builder
	pendingSep := false
	var prev rune // last rune written, before lowering
	word := func(s string) {
		if b.Len() > 0 {
			b.WriteByte('_')
		}
		b.WriteString(s)
		pendingSep, prev = false, 'a'
	}
	runes := []rune(norm.NFD.String(label))
	for i, r := range runes {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case r == '%':
			word("pct")
			pendingSep = true
			continue
		case r == '€':
			word("eur")
			pendingSep = true
			continue
		case r == '#' || r == '°' || r == 'º':
			if r == '#' {
				word("num")
			}
			pendingSep = true
			continue
		}
		if rep, ok := ligatures[r]; ok {
			if pendingSep && b.Len() > 0 {
				b.WriteByte('_')
			}
			b.WriteString(rep)
			pendingSep, prev = false, 'a'
			continue
		}
		if r >= unicode.MaxASCII || !(unicode.IsLetter(r) || unicode.IsDigit(r)) {
			pendingSep = true
			continue
		}
		// Split camelCase: a capital after a lowercase letter, or the last
		// capital of an acronym before a lowercase letter ("HTMLPage").
		if unicode.IsUpper(r) && b.Len() > 0 && !pendingSep {
			next := rune(0)
			if i+1 < len(runes) {
				next = runes[i+1]
			}
			if unicode.IsLower(prev) || (unicode.IsUpper(prev) && unicode.IsLower(next)) {
				pendingSep = true
			}
		}
		if pendingSep && b.Len() > 0 {
			b.WriteByte('_')
		}
		pendingSep = false
		b.WriteRune(unicode.ToLower(r))
		prev = r
	}
	return b.String()
}

var ligatures = map[rune]string{'œ': "oe", 'Œ': "oe", 'æ': "ae", 'Æ': "ae", 'ß': "ss", 'ø': "o", 'Ø': "o", 'đ': "d", 'ł': "l", 'Ł': "l"}

// Names derives unique machine names for a header: Name of each label,
// column_N when that is empty, and _2, _3… suffixes on repeats.
func Names(labels []string) []string {
	names := make([]string, len(labels))
	used := map[string]bool{}
	next := map[string]int{} // next suffix to try for a repeated name
	for i, l := range labels {
		n := Name(l)
		if n == "" {
			n = "column_" + strconv.Itoa(i+1)
		}
		if used[n] {
			k := max(next[n], 2)
			for used[n+"_"+strconv.Itoa(k)] {
				k++
			}
			next[n] = k + 1
			n += "_" + strconv.Itoa(k)
		}
		used[n] = true
		names[i] = n
	}
	return names
}
