package converters

import (
	"strings"
	"testing"
)

// TestPlainField checks the eight-bytes-at-a-time test against
// needsQuotes: every special byte at every offset of strings of every
// length up to 24, and French text.
func TestPlainField(t *testing.T) {
	cases := []string{"", "Saint-Étienne", "Fédération Aînés Ruraux", "3858.04", "L'Haÿ-les-Roses", "« Les Écureuils »"}
	for n := 1; n <= 24; n++ {
		for k := range n {
			for _, c := range []byte{',', '"', '\r', '\n', ';', ' ', 0x80, 0xFF, 0x0B, 0x2B, 0x2D} {
				b := []byte(strings.Repeat("a", n))
				b[k] = c
				cases = append(cases, string(b))
			}
		}
	}
	for _, s := range cases {
		if plainField(s) == needsQuotes(s) {
			t.Errorf("plainField(%q) = %v, needsQuotes = %v", s, plainField(s), needsQuotes(s))
		}
	}
}
