package tableschema

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"NOM_Beneficiaire":       "nombeneficiaire",
		"nomBénéficiaire":        "nombeneficiaire",
		"Date convention":        "dateconvention",
		" Nom attributaire* ":    "nomattributaire",
		"Œuvre d'art":            "oeuvredart",
		"N° SIRET":               "nsiret",
		"% du montant":           "dumontant",
		"":                       "",
		"Straße":                 "strasse",
		"Identification\u00a0ID": "identificationid",
	} {
		if got := normalize(in); got != want {
			t.Errorf("normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLongestIncreasing(t *testing.T) {
	for _, tc := range []struct {
		seq  []int
		want int
	}{
		{nil, 0}, {[]int{0}, 1}, {[]int{0, 1, 2}, 3}, {[]int{1, 0, 2, 3}, 3}, {[]int{3, 2, 1, 0}, 1}, {[]int{2, 0, 1, 5, 3, 4}, 4},
	} {
		got := longestIncreasing(tc.seq)
		if len(got) != tc.want {
			t.Errorf("longestIncreasing(%v) = %v, want length %d", tc.seq, got, tc.want)
		}
		for i := 1; i < len(got); i++ {
			if got[i] <= got[i-1] || tc.seq[got[i]] <= tc.seq[got[i-1]] {
				t.Errorf("longestIncreasing(%v) = %v is not increasing", tc.seq, got)
			}
		}
	}
}

func TestSimilar(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"datesPeriodeVersement", "datesPeriodeVersements", true},
		{"montant", "montants", true},
		{"objet", "objets", true},
		{"idRAE", "idBeneficiaire", false},
		{"nature", "natures de la subvention", false},
		{"a", "b", true},
		{"", "x", false},
	} {
		if got := similar(tc.a, tc.b); got != tc.want {
			t.Errorf("similar(%q, %q) = %v", tc.a, tc.b, got)
		}
	}
}

func TestMatchHeader(t *testing.T) {
	fields := []Field{{Name: "nomAttribuant", Title: "Nom de l'attribuant"}, {Name: "idAttribuant"}, {Name: "montant"}}
	h := matchHeader([]string{"Montant", "Nom de l’attribuant", "idAttribuant", "id_attribuant", "montant"}, fields, false,
		func(int, string) bool { return false })
	var got []string
	for _, c := range h.columns {
		got = append(got, c.Label+"="+c.Field+"/"+c.Match)
	}
	want := []string{"Montant=/extra", "Nom de l’attribuant=nomAttribuant/title", "idAttribuant=idAttribuant/exact", "id_attribuant=/extra", "montant=montant/exact"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("columns %q, want %q", got, want)
	}
}

func TestMissingLabelHint(t *testing.T) {
	s := mustParse(t, `{"fields": [{"name": "datesPeriodeVersement", "constraints": {"required": true}}]}`)
	v := NewValidator(s, []string{"datesPeriodesVersement"})
	v.ExactLabels = true
	rep := v.Report()
	if len(rep.Errors) != 1 || rep.Errors[0].Suggestion != "datesPeriodesVersement" ||
		!strings.Contains(rep.Errors[0].MessageFR, "la colonne `datesPeriodesVersement` (colonne 1) est-elle celle-ci ? Renommez-la alors `datesPeriodeVersement`") {
		t.Errorf("errors %+v", rep.Errors)
	}
}

func TestTranslatePattern(t *testing.T) {
	for in, want := range map[string]string{
		`^\d{14}$`:               `^\d{14}$`,
		`^[A-Z\u00C0-\u00FF]+$`:  `^[A-Z\x{00C0}-\x{00FF}]+$`,
		`\U0001F600`:             `\x{0001F600}`,
		`abc\Z`:                  `abc\z`,
		`a{,3}`:                  `a{0,3}`,
		`[\]a]`:                  `[\]a]`,
		`[]a]`:                   `[]a]`,
		`[^]a]`:                  `[^]a]`,
		`(?P<x>a)`:               `(?P<x>a)`,
		`^[a-zA-Z0-9\-\'\s\d]+$`: `^[a-zA-Z0-9\-\'\s\d]+$`,
	} {
		got, err := translatePattern(in)
		if err != nil || got != want {
			t.Errorf("translatePattern(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{`(?=a)`, `(?!a)`, `(?<=a)b`, `(?<!a)b`, `(a)\1`, `(?P<x>a)(?P=x)`} {
		if _, err := translatePattern(in); err == nil {
			t.Errorf("translatePattern(%q) accepted", in)
		}
	}
}

// TestMatcher compares the DFA and the fixed-class matcher with regexp.
func TestMatcher(t *testing.T) {
	patterns := []string{
		`^\d{14}$`, `^W\d{9}$`, `^(\d{5}|2[AB]\d{3})$`, `^[0-9A-B]{5}-[0-9]{8}-[0-9]{3}`,
		`^[a-zA-Z0-9\-\'\s\d\u00C0-\u00FF]+$`, `(?i)oui|non`, `^[0-9]{4}\-[0-9]{2}\-[0-9]{2}(\/[0-9]{4}\-[0-9]{2}\-[0-9]{2})?$`,
		`.*`, `a*b*a*`, `^\d\.\d{1,2}$`, `[^a]`, `é+`, `x|`, `(a|ab)(c|bcd)(d*)`, `\bfoo\b`, `(?m)^a$`,
	}
	values := []string{
		"", "a", "21860194600013", "2186019460001", "W123456789", "2A004", "2C004", "86194", "12345-12345678-123", "12345-12345678-1234",
		"Saint-Étienne", "L'Haÿ les Roses", "Œuvre", "OUI", "non", "ouinon", "2017-03-14/2018-03-14", "2017-03-14_2018-03-14",
		"aaabbbaaa", "abab", "1.12", "1.123", "b", "ééé", "x", "abcd", "abbcd", "foo", "a\na", "\xff", "é\xffé",
	}
	for _, p := range patterns {
		m, err := compilePattern(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		tr, _ := translatePattern(p)
		re := regexp.MustCompile("^(?:" + tr + ")$")
		for _, v := range values {
			if got, want := m.match(v), re.MatchString(v); got != want {
				t.Errorf("pattern %q on %q: %v, regexp says %v (dfa %v, fixed %v)", p, v, got, want, m.dfa, m.fixed != nil)
			}
		}
	}
	if m, _ := compilePattern(`^\d{14}$`); m.fixed == nil {
		t.Error(`^\d{14}$ does not use the fixed-class matcher`)
	}
	if m, _ := compilePattern(`^(\d{5}|2[AB]\d{3})$`); !m.dfa {
		t.Error("the code INSEE pattern does not use the DFA")
	}
}
