package catalog_test

import (
	"reflect"
	"testing"

	"github.com/passerelle/passerelle/catalog"
)

// fqSeeds are filters as CKAN clients and harvesters send them, and
// hostile ones.
var fqSeeds = []string{
	"organization:ville-a",
	`tags:"transport public" AND res_format:CSV`,
	"tags:(budget OR dépenses) -state:deleted",
	"metadata_modified:[2024-01-01T00:00:00Z TO NOW]",
	"metadata_modified:[NOW-7DAYS/DAY TO *]",
	"num_resources:{0 TO 10]",
	"extras_frequency:monthly",
	"capacity:public OR capacity:private",
	"+name:budget* -title:brouillon",
	"organization:ville-a' OR 1=1 --",
	`name:"x\"); DROP TABLE datasets; --"`,
	"res_url:http\\://x.fr/a.csv",
	"((((state:active))))",
	"owner_org:*",
	"unknown_field:x",
}

// FuzzParseFilterQuery: an fq is a filter, parsed strictly: it never
// panics, fails only with a Search Query Error, and a parsed filter names
// only fields the search knows (an unknown one is an error, as in Solr).
func FuzzParseFilterQuery(f *testing.F) {
	for _, s := range fqSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := catalog.ParseQuery(s, true, now)
		if err != nil {
			if catalog.ErrorKind(err) != catalog.KindSearchQuery {
				t.Fatalf("%q: error of kind %v: %v", s, catalog.ErrorKind(err), err)
			}
			return
		}
		if q == nil {
			t.Fatalf("%q: nil query without error", s)
		}
		again, err := catalog.ParseQuery(s, true, now)
		if err != nil || !reflect.DeepEqual(q, again) {
			t.Fatalf("%q: parsed twice, %#v then %#v (%v)", s, q, again, err)
		}
		checkFields(t, s, q, 0)
	})
}

// checkFields fails unless every field q names is a known search field.
func checkFields(t *testing.T, s string, q catalog.Query, depth int) {
	t.Helper()
	// The parser allows 32 levels of parentheses and NOTs, each an OR, an
	// AND and a NOT at most: far below SQLite's limit of 1000.
	if depth > 3*32 {
		t.Fatalf("%q: query nested deeper than the parser's limit", s)
	}
	known := func(field string) {
		if _, ok := catalog.SearchFieldKind(field); !ok {
			t.Fatalf("%q: filter on unknown field %q accepted", s, field)
		}
	}
	switch q := q.(type) {
	case catalog.MatchAll:
	case catalog.Term:
		known(q.Field)
	case catalog.DateRange:
		known(q.Field)
		if k, _ := catalog.SearchFieldKind(q.Field); k != catalog.FieldDate {
			t.Fatalf("%q: date range on %s", s, q.Field)
		}
	case catalog.IntRange:
		known(q.Field)
		if k, _ := catalog.SearchFieldKind(q.Field); k != catalog.FieldInt {
			t.Fatalf("%q: integer range on %s", s, q.Field)
		}
	case catalog.And:
		for _, c := range q.Clauses {
			checkFields(t, s, c, depth+1)
		}
	case catalog.Or:
		for _, c := range q.Clauses {
			checkFields(t, s, c, depth+1)
		}
	case catalog.Not:
		checkFields(t, s, q.Clause, depth+1)
	default:
		t.Fatalf("%q: query of unknown type %T", s, q)
	}
}

// sortFields are the fields package_search may sort on.
var sortFields = map[string]bool{
	"score": true, "metadata_modified": true, "metadata_created": true,
	"name": true, "title_string": true, "title": true, "id": true,
}

// FuzzParseSort: a package_search sort never panics, fails only with a
// Search Query Error, names only sortable fields, and reads back the same
// from its canonical form.
func FuzzParseSort(f *testing.F) {
	for _, s := range []string{
		"", "name", "metadata_modified desc", "score desc, metadata_modified desc", "title_string ASC,name Desc",
		"name asc extra", "views_recent desc", " , ", "name; DROP TABLE datasets", "name desc, (SELECT 1)",
		"metadata_created\tdesc", "id asc,,name",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		keys, err := catalog.ParseSort(s)
		if err != nil {
			if catalog.ErrorKind(err) != catalog.KindSearchQuery {
				t.Fatalf("%q: error of kind %v: %v", s, catalog.ErrorKind(err), err)
			}
			return
		}
		if len(keys) == 0 {
			t.Fatalf("%q: no sort key and no error", s)
		}
		for _, k := range keys {
			if !sortFields[k.Field] {
				t.Fatalf("%q: sorts on %q", s, k.Field)
			}
		}
		back, err := catalog.ParseSort(catalog.FormatSort(keys))
		if err != nil || !reflect.DeepEqual(back, keys) {
			t.Fatalf("%q: %v formats as %q, read back as %v (%v)", s, keys, catalog.FormatSort(keys), back, err)
		}
	})
}
