package storage

import "testing"

func TestFoldText(t *testing.T) {
	for in, want := range map[string]string{
		"Saint-Étienne":             "saint etienne",
		"  L'Haÿ-les-Roses ":        "l hay les roses",
		"Œuvre & cœur":              "oeuvre coeur",
		"ÉNERGIE — 2024":            "energie 2024",
		"Straße":                    "strasse",
		"déjà_vu%":                  "deja vu",
		"Ελληνικά":                  "ελληνικα",
		"":                          "",
		"100% des écoles (2A/2B) !": "100 des ecoles 2a 2b",
	} {
		if got := foldText(in); got != want {
			t.Errorf("foldText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWildcardPattern(t *testing.T) {
	for in, want := range map[string]string{
		"budg*": "budg%", "a?c": "a_c", `a\*b*`: `a*b%`, "50%*": `50\%%`, "x_y*": `x\_y%`,
	} {
		if got := wildcardPattern(in); got != want {
			t.Errorf("wildcardPattern(%q) = %q, want %q", in, got, want)
		}
	}
}
