package storage

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// ligatures are letters that Unicode does not decompose but French text
// uses and searchers type without: "oeuvre" must find "œuvre".
var ligatures = strings.NewReplacer("œ", "oe", "Œ", "oe", "æ", "ae", "Æ", "ae", "ß", "ss")

// foldText lowers s, strips accents and turns every run of characters that
// are neither letters nor digits into one space, so that "Saint-Étienne" and
// "saint etienne" compare equal. Search columns and search terms are both
// folded with it; the result never holds a LIKE wildcard.
func foldText(s string) string {
	s = ligatures.Replace(s)
	var b strings.Builder
	b.Grow(len(s))
	space := true // drop leading spaces
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
			space = false
		case !space:
			b.WriteByte(' ')
			space = true
		}
	}
	return strings.TrimRight(b.String(), " ")
}
