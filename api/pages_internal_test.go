package api

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"
)

// TestPageMessages checks that every message a template or handler names
// exists in both languages, so that no page shows a bare key.
func TestPageMessages(t *testing.T) {
	keys := map[string]bool{}
	re := regexp.MustCompile(`\.T "([a-z_0-9]+)"`)
	err := fs.WalkDir(templateFS, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(templateFS, path)
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			keys[m[1]] = true
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// Keys built at run time.
	for _, f := range searchFacets {
		keys["facet_"+f] = true
	}
	for _, k := range []string{"text", "int", "numeric", "date", "timestamp", "bool"} {
		keys["type_"+k] = true
	}
	for _, k := range []string{"success", "failure", "error"} {
		keys["val_"+k] = true
	}
	for _, k := range []string{"pending", "running", "complete", "error", "skipped"} {
		keys["st_"+k] = true
	}
	for _, k := range []string{"err_not_found", "err_forbidden", "err_csrf", "err_bad_request", "err_internal"} {
		keys[k], keys[k+"_title"] = true, true
	}
	for k := range keys {
		m, ok := messages[k]
		if !ok {
			t.Errorf("message %q is missing", k)
			continue
		}
		if strings.TrimSpace(m[0]) == "" || strings.TrimSpace(m[1]) == "" {
			t.Errorf("message %q lacks a language", k)
		}
	}
}

func TestWantsHTML(t *testing.T) {
	for accept, want := range map[string]bool{
		"": false, "*/*": false, "text/html": true, "application/xhtml+xml": true,
		"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8": true,
		"text/turtle": false, "text/html;q=0.5, text/turtle": false, "text/html, text/turtle": false,
		"application/ld+json, text/html;q=0.1": false, "text/html;q=0": false,
	} {
		if got := wantsHTML(accept); got != want {
			t.Errorf("wantsHTML(%q) = %v, want %v", accept, got, want)
		}
	}
}

func TestAcceptLanguage(t *testing.T) {
	for h, want := range map[string]string{
		"": "fr", "en": "en", "en-US,en;q=0.9": "en", "fr-FR,fr;q=0.9,en-US;q=0.8": "fr",
		"de, en;q=0.5": "en", "de": "fr", "en;q=0.3, fr;q=0.7": "fr", "EN-gb": "en",
	} {
		if got := acceptLanguage(h); got != want {
			t.Errorf("acceptLanguage(%q) = %q, want %q", h, got, want)
		}
	}
}

func TestSlug(t *testing.T) {
	for title, want := range map[string]string{
		"Subventions aux associations 2017":  "subventions-aux-associations-2017",
		"Équipements sportifs : Œuvres & co": "equipements-sportifs-oeuvres-co",
		"«»":                                 "jeu-de-donnees",
		"  Budget — 2026 ! ":                 "budget-2026",
		strings.Repeat("abcdefghij ", 20):    strings.TrimSuffix(strings.Repeat("abcdefghij-", 7), "-"),
	} {
		if got := slug(title); got != want {
			t.Errorf("slug(%q) = %q, want %q", title, got, want)
		}
	}
}

func TestHumanSize(t *testing.T) {
	for _, tc := range []struct {
		n    int64
		l    string
		want string
	}{
		{0, "fr", "0\u00a0o"}, {999, "fr", "999\u00a0o"}, {1234, "fr", "1,2\u00a0ko"}, {1 << 30, "fr", "1,1\u00a0Go"},
		{1234, "en", "1.2\u00a0kB"}, {5_600_000, "en", "5.6\u00a0MB"},
	} {
		if got := humanSize(tc.n, lang{tc.l}); got != tc.want {
			t.Errorf("humanSize(%d, %s) = %q, want %q", tc.n, tc.l, got, tc.want)
		}
	}
}
