package storage

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// rowFolder builds a row's _full_text: the foldText of its values joined
// by spaces, without foldText's allocations. Loading calls it for every
// row, so ASCII takes a table lookup per byte and other runes a lookup in
// a table computed once from foldText's own rules.
type rowFolder struct {
	b     []byte
	space bool // the last byte written is a space, or nothing is written
}

// reset starts a new row.
func (f *rowFolder) reset() {
	f.b = f.b[:0]
	f.space = true
}

// add folds one value of the row, after a separator.
func (f *rowFolder) add(s string) {
	b, sp := f.b, 0
	if f.space {
		sp = 1
	}
	if sp == 0 {
		b = append(b, ' ')
		sp = 1
	}
	n := len(b)
	b = slices.Grow(b, len(s))[:n+len(s)] // ASCII never grows
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			// Branch-free: letters and digits are common, separators
			// frequent enough to make a branch on them mispredict.
			i++
			l := asciiFold[c&0x7f]
			b[n] = l
			sep := 0
			if l == ' ' {
				sep = 1
			}
			n += 1 - sep&sp
			sp = sep
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		var folded string
		if int(r) < len(runeFoldTable) {
			folded = runeFoldTable[r]
		} else {
			folded = foldRune(r)
		}
		for j := 0; j < len(folded); j++ {
			if folded[j] != ' ' {
				b = append(b[:n], folded[j])
				n++
				sp = 0
			} else if sp == 0 {
				b = append(b[:n], ' ')
				n++
				sp = 1
			}
		}
		b = slices.Grow(b[:n], len(s)-i)[:n+len(s)-i]
	}
	f.b, f.space = b[:n], sp == 1
}

// text returns the folded row.
func (f *rowFolder) text() string {
	b := f.b
	if len(b) > 0 && b[len(b)-1] == ' ' {
		b = b[:len(b)-1]
	}
	return string(b)
}

// asciiFold maps ASCII letters and digits to their lower case, and every
// other byte to a space (a separator).
var asciiFold = func() (t [utf8.RuneSelf]byte) {
	for c := range t {
		t[c] = ' '
	}
	for c := byte('0'); c <= '9'; c++ {
		t[c] = c
	}
	for c := byte('a'); c <= 'z'; c++ {
		t[c] = c
		t[c-'a'+'A'] = c
	}
	return t
}()

// runeFoldTable holds foldRune of every rune below U+3000 (Latin, Greek,
// Cyrillic, punctuation…).
var runeFoldTable = func() []string {
	t := make([]string, 0x3000)
	for r := rune(utf8.RuneSelf); r < rune(len(t)); r++ {
		t[r] = foldRune(r)
	}
	return t
}()

// foldRune applies foldText's rules to one rune: its letters and digits
// lowered, with accents (Mn marks) dropped and anything else turned into a
// space; "" when nothing is left.
func foldRune(r rune) string {
	var b strings.Builder
	for _, d := range norm.NFD.String(ligatures.Replace(string(r))) {
		switch {
		case unicode.Is(unicode.Mn, d):
		case unicode.IsLetter(d) || unicode.IsDigit(d):
			b.WriteRune(unicode.ToLower(d))
		default:
			b.WriteByte(' ')
		}
	}
	return b.String()
}
