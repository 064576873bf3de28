package catalog_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/passerelle/passerelle/catalog"
)

var now = time.Date(2026, 11, 27, 10, 30, 0, 0, time.UTC)

func date(s string) *time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return &t
}

func TestParseQuery(t *testing.T) {
	two := int64(2)
	cases := []struct {
		in     string
		strict bool
		want   catalog.Query
	}{
		{"", false, catalog.MatchAll{}},
		{"  ", false, catalog.MatchAll{}},
		{"*:*", false, catalog.MatchAll{}},
		{"budget", false, catalog.Term{Field: "text", Value: "budget"}},
		{"Saint-Étienne", false, catalog.Term{Field: "text", Value: "Saint-Étienne"}},
		{"budget 2024", false, catalog.And{Clauses: []catalog.Query{catalog.Term{Field: "text", Value: "budget"}, catalog.Term{Field: "text", Value: "2024"}}}},
		{"a AND b", false, catalog.And{Clauses: []catalog.Query{catalog.Term{Field: "text", Value: "a"}, catalog.Term{Field: "text", Value: "b"}}}},
		{"a && b", false, catalog.And{Clauses: []catalog.Query{catalog.Term{Field: "text", Value: "a"}, catalog.Term{Field: "text", Value: "b"}}}},
		{"a OR b", false, catalog.Or{Clauses: []catalog.Query{catalog.Term{Field: "text", Value: "a"}, catalog.Term{Field: "text", Value: "b"}}}},
		{"a b OR c", false, catalog.Or{Clauses: []catalog.Query{
			catalog.And{Clauses: []catalog.Query{catalog.Term{Field: "text", Value: "a"}, catalog.Term{Field: "text", Value: "b"}}},
			catalog.Term{Field: "text", Value: "c"}}}},
		{"-a", false, catalog.Not{Clause: catalog.Term{Field: "text", Value: "a"}}},
		{"NOT a", false, catalog.Not{Clause: catalog.Term{Field: "text", Value: "a"}}},
		{"!a", false, catalog.Not{Clause: catalog.Term{Field: "text", Value: "a"}}},
		{"+a", false, catalog.Term{Field: "text", Value: "a"}},
		{"and or", false, catalog.And{Clauses: []catalog.Query{catalog.Term{Field: "text", Value: "and"}, catalog.Term{Field: "text", Value: "or"}}}},
		{"ANDROID", false, catalog.Term{Field: "text", Value: "ANDROID"}},
		{`"conseil municipal"`, false, catalog.Term{Field: "text", Value: "conseil municipal", Phrase: true}},
		{`"a \"b\""`, false, catalog.Term{Field: "text", Value: `a "b"`, Phrase: true}},
		{"budg*", false, catalog.Term{Field: "text", Value: "budg*", Wildcard: true}},
		{`a\*b`, false, catalog.Term{Field: "text", Value: `a*b`}},
		{"tags:budget", false, catalog.Term{Field: "tags", Value: "budget"}},
		{`tags:"mobilité douce"`, true, catalog.Term{Field: "tags", Value: "mobilité douce", Phrase: true}},
		{"tags:(a OR b)", true, catalog.Or{Clauses: []catalog.Query{catalog.Term{Field: "tags", Value: "a"}, catalog.Term{Field: "tags", Value: "b"}}}},
		{"+organization:ville-a +res_format:CSV", true, catalog.And{Clauses: []catalog.Query{catalog.Term{Field: "organization", Value: "ville-a"}, catalog.Term{Field: "res_format", Value: "CSV"}}}},
		{"extras_frequency:x", true, catalog.Term{Field: "extras_frequency", Value: "x"}},
		{"res_url:https://x.fr/a", true, catalog.Term{Field: "res_url", Value: "https://x.fr/a"}},
		{"foo:bar", false, catalog.Term{Field: "text", Value: "foo:bar"}},
		{"metadata_modified:[2024-01-01T00:00:00Z TO NOW]", true, catalog.DateRange{Field: "metadata_modified", From: date("2024-01-01T00:00:00Z"), To: &now}},
		{"metadata_modified:[2024-01-01T00:00:00.000Z TO *]", true, catalog.DateRange{Field: "metadata_modified", From: date("2024-01-01T00:00:00Z")}},
		{"metadata_created:{* TO 2024-01-01T00:00:00Z}", true, catalog.DateRange{Field: "metadata_created", To: date("2024-01-01T00:00:00Z"), FromExclusive: true, ToExclusive: true}},
		{"metadata_modified:[NOW-7DAYS TO NOW/DAY]", true, catalog.DateRange{Field: "metadata_modified", From: date("2026-11-20T10:30:00Z"), To: date("2026-11-27T00:00:00Z")}},
		{"metadata_modified:[2024-01-31T00:00:00Z+1MONTH TO NOW-1YEAR/MONTH]", true, catalog.DateRange{Field: "metadata_modified", From: date("2024-03-02T00:00:00Z"), To: date("2025-11-01T00:00:00Z")}},
		{"metadata_modified:[2024-01-01T02:00:00+02:00 TO *]", true, catalog.DateRange{Field: "metadata_modified", From: date("2024-01-01T00:00:00Z")}},
		{"metadata_modified:*", true, catalog.DateRange{Field: "metadata_modified"}},
		{"num_resources:[2 TO *]", true, catalog.IntRange{Field: "num_resources", From: &two}},
		{"num_tags:2", true, catalog.IntRange{Field: "num_tags", From: &two, To: &two}},
		{"(a)", false, catalog.Term{Field: "text", Value: "a"}},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got, err := catalog.ParseQuery(tc.in, tc.strict, now)
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %#v\nwant %#v", got, tc.want)
			}
		})
	}
}

func TestParseQueryErrors(t *testing.T) {
	for _, in := range []string{
		"(a", "a)", `"a`, "a AND", "AND a", "a OR", "a AND OR b", "-", "tags:", "tags:()",
		"unknown:x", "metadata_modified:[2024 TO *]", "metadata_modified:[a TO b TO c]",
		"metadata_modified:[2024-01-01T00:00:00Z TO", "name:[a TO b]", "num_tags:x",
		"metadata_modified:[NOW-1FORTNIGHT TO *]", "metadata_modified:NOW+99999999DAYS",
		`a\`, "a^2", "a~", "[a TO b]", strings.Repeat("(", 40) + "a" + strings.Repeat(")", 40),
		strings.Repeat("a ", 300), strings.Repeat("x", 9000),
	} {
		t.Run(in[:min(len(in), 40)], func(t *testing.T) {
			_, err := catalog.ParseQuery(in, true, now)
			var ce *catalog.Error
			if !errors.As(err, &ce) || ce.Kind != catalog.KindSearchQuery {
				t.Errorf("got %v, want a search query error", err)
			}
		})
	}
}

func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"budget", "tags:(a OR b) -x", `"a b" AND c*`, "metadata_modified:[NOW-1DAY/DAY TO *]", "num_resources:{1 TO 3]", "((a))", `a\:b`} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, s string, strict bool) {
		q, err := catalog.ParseQuery(s, strict, now)
		if err != nil {
			if catalog.ErrorKind(err) != catalog.KindSearchQuery {
				t.Fatalf("%q: error of kind %v: %v", s, catalog.ErrorKind(err), err)
			}
			return
		}
		if q == nil {
			t.Fatalf("%q: nil query without error", s)
		}
	})
}

func TestParseSort(t *testing.T) {
	keys, err := catalog.ParseSort("metadata_modified desc, name")
	if err != nil || !reflect.DeepEqual(keys, []catalog.SortKey{{Field: "metadata_modified", Desc: true}, {Field: "name"}}) {
		t.Errorf("got %v, %v", keys, err)
	}
	if s := catalog.FormatSort(keys); s != "metadata_modified desc, name asc" {
		t.Errorf("FormatSort = %q", s)
	}
	if keys, _ := catalog.ParseSort(""); catalog.FormatSort(keys) != catalog.DefaultSort {
		t.Errorf("default sort = %v", keys)
	}
	for _, bad := range []string{"views_recent desc", "name up", "name asc extra", " , "} {
		if _, err := catalog.ParseSort(bad); catalog.ErrorKind(err) != catalog.KindSearchQuery {
			t.Errorf("%q: got %v", bad, err)
		}
	}
}
