package api_test

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
	"testing"
)

// seedSearch makes a small catalogue with known texts, tags, formats,
// licences and organisations.
func seedSearch(h *harness) {
	res := func(format string) []any {
		return []any{map[string]any{"url": "https://data.ville.fr/f." + strings.ToLower(format), "format": format}}
	}
	h.createDataset("budget-primitif-2024", map[string]any{
		"title": "Budget primitif 2024", "notes": "Le budget voté par le conseil municipal.",
		"tags": []any{"budget", "finances"}, "resources": res("CSV"), "license_id": "lov2",
	})
	h.createDataset("energie-batiments", map[string]any{
		"title": "Consommation d'énergie des bâtiments communaux", "notes": "Électricité et gaz, par bâtiment.",
		"tags": []any{"énergie", "bâtiments"}, "resources": res("XLSX"), "license_id": "odc-odbl",
	})
	mustOK(h.t, h.post("package_create", h.editorB, map[string]any{
		"name": "subventions-associations", "title": "Subventions aux associations", "owner_org": "ville-b",
		"notes": "Montants versés, budget de fonctionnement.", "tags": []any{"subventions", "finances"},
		"resources": res("CSV"), "license_id": "lov2",
	}))
	h.createDataset("arbres-remarquables", map[string]any{
		"title": "Arbres remarquables", "notes": "Inventaire des œuvres végétales de la ville.",
		"tags": []any{"environnement"}, "resources": append(res("GeoJSON"), res("CSV")...), "license_id": "cc-by",
	})
}

func (h *harness) search(tok string, q url.Values) map[string]any {
	h.t.Helper()
	return mustOK(h.t, h.get("package_search", tok, q)).resultMap()
}

func resultNames(res map[string]any) []string {
	return names(res["results"].([]any))
}

func sorted(s []string) []string {
	c := append([]string(nil), s...)
	sort.Strings(c)
	return c
}

func TestPackageSearchQueries(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		seedSearch(h)
		cases := []struct {
			name string
			q    url.Values
			want []string // sorted
		}{
			{"everything", url.Values{}, []string{"arbres-remarquables", "budget-primitif-2024", "energie-batiments", "subventions-associations"}},
			{"star star", url.Values{"q": {"*:*"}}, []string{"arbres-remarquables", "budget-primitif-2024", "energie-batiments", "subventions-associations"}},
			{"word in title and notes", url.Values{"q": {"budget"}}, []string{"budget-primitif-2024", "subventions-associations"}},
			{"accents folded", url.Values{"q": {"energie"}}, []string{"energie-batiments"}},
			{"accents given", url.Values{"q": {"ÉNERGIE"}}, []string{"energie-batiments"}},
			{"ligature", url.Values{"q": {"oeuvres"}}, []string{"arbres-remarquables"}},
			{"tag text", url.Values{"q": {"environnement"}}, []string{"arbres-remarquables"}},
			{"organization title", url.Values{"q": {"besancon"}}, []string{"subventions-associations"}},
			{"two words are ANDed", url.Values{"q": {"budget conseil"}}, []string{"budget-primitif-2024"}},
			{"OR", url.Values{"q": {"arbres OR energie"}}, []string{"arbres-remarquables", "energie-batiments"}},
			{"negation", url.Values{"q": {"budget -subventions"}}, []string{"budget-primitif-2024"}},
			{"NOT", url.Values{"q": {"budget AND NOT conseil"}}, []string{"subventions-associations"}},
			{"phrase", url.Values{"q": {`"conseil municipal"`}}, []string{"budget-primitif-2024"}},
			{"phrase in wrong order", url.Values{"q": {`"municipal conseil"`}}, nil},
			{"prefix", url.Values{"q": {"subvent*"}}, []string{"subventions-associations"}},
			{"field in q", url.Values{"q": {"tags:finances"}}, []string{"budget-primitif-2024", "subventions-associations"}},
			{"title field", url.Values{"q": {"title:arbres"}}, []string{"arbres-remarquables"}},
			{"unknown field is text", url.Values{"q": {"foo:bar"}}, nil},
			{"fq organization", url.Values{"fq": {"organization:ville-b"}}, []string{"subventions-associations"}},
			{"fq owner_org", url.Values{"fq": {"owner_org:" + h.orgB.ID}}, []string{"subventions-associations"}},
			{"fq tags", url.Values{"fq": {"tags:finances"}}, []string{"budget-primitif-2024", "subventions-associations"}},
			{"fq accented tag", url.Values{"fq": {`tags:"énergie"`}}, []string{"energie-batiments"}},
			{"fq tags group", url.Values{"fq": {"tags:(environnement OR subventions)"}}, []string{"arbres-remarquables", "subventions-associations"}},
			{"fq license", url.Values{"fq": {"license_id:lov2"}}, []string{"budget-primitif-2024", "subventions-associations"}},
			{"fq res_format", url.Values{"fq": {"res_format:CSV"}}, []string{"arbres-remarquables", "budget-primitif-2024", "subventions-associations"}},
			{"fq res_format any case", url.Values{"fq": {"res_format:geojson"}}, []string{"arbres-remarquables"}},
			{"fq name", url.Values{"fq": {"name:energie-batiments"}}, []string{"energie-batiments"}},
			{"fq name wildcard", url.Values{"fq": {"name:budget*"}}, []string{"budget-primitif-2024"}},
			{"fq two clauses", url.Values{"fq": {"+organization:ville-a +tags:finances"}}, []string{"budget-primitif-2024"}},
			{"fq negative", url.Values{"fq": {"-license_id:lov2"}}, []string{"arbres-remarquables", "energie-batiments"}},
			{"fq_list", url.Values{"fq_list": {"organization:ville-a", "res_format:CSV"}}, []string{"arbres-remarquables", "budget-primitif-2024"}},
			{"q and fq", url.Values{"q": {"budget"}, "fq": {"organization:ville-a"}}, []string{"budget-primitif-2024"}},
			{"range to NOW", url.Values{"fq": {"metadata_modified:[2020-01-01T00:00:00Z TO NOW]"}}, []string{"arbres-remarquables", "budget-primitif-2024", "energie-batiments", "subventions-associations"}},
			{"range open", url.Values{"fq": {"metadata_created:[* TO 2020-01-01T00:00:00Z]"}}, nil},
			{"range in the future", url.Values{"fq": {"metadata_modified:[NOW+1DAY TO *]"}}, nil},
			{"num_resources", url.Values{"fq": {"num_resources:[2 TO *]"}}, []string{"arbres-remarquables"}},
			{"capacity", url.Values{"fq": {"capacity:public"}}, []string{"arbres-remarquables", "budget-primitif-2024", "energie-batiments", "subventions-associations"}},
			{"groups", url.Values{"fq": {"groups:quelconque"}}, nil},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				res := h.search("", tc.q)
				got := sorted(resultNames(res))
				if fmt.Sprint(got) != fmt.Sprint(sorted(tc.want)) && !(len(got) == 0 && len(tc.want) == 0) {
					t.Errorf("got %v, want %v", got, tc.want)
				}
				if int(res["count"].(float64)) != len(tc.want) {
					t.Errorf("count %v, want %d", res["count"], len(tc.want))
				}
			})
		}
	})
}

func TestPackageSearchPagingAndSorting(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		seedSearch(h)
		mustOK(t, h.post("package_patch", h.sysadmin, map[string]any{"id": "energie-batiments", "notes": "touché"}))
		order := func(q url.Values) string { return fmt.Sprint(resultNames(h.search("", q))) }
		if got := order(url.Values{"sort": {"name asc"}}); got != "[arbres-remarquables budget-primitif-2024 energie-batiments subventions-associations]" {
			t.Errorf("name asc = %s", got)
		}
		if got := order(url.Values{"sort": {"name desc"}, "rows": {"2"}}); got != "[subventions-associations energie-batiments]" {
			t.Errorf("name desc rows 2 = %s", got)
		}
		if got := order(url.Values{"sort": {"name asc"}, "rows": {"2"}, "start": {"2"}}); got != "[energie-batiments subventions-associations]" {
			t.Errorf("start 2 = %s", got)
		}
		if got := order(url.Values{"sort": {"metadata_modified desc"}, "rows": {"1"}}); got != "[energie-batiments]" {
			t.Errorf("metadata_modified desc = %s", got)
		}
		if got := order(url.Values{"sort": {"metadata_created asc"}, "rows": {"1"}}); got != "[budget-primitif-2024]" {
			t.Errorf("metadata_created asc = %s", got)
		}
		if got := order(url.Values{"sort": {"title_string asc"}, "rows": {"2"}}); got != "[arbres-remarquables budget-primitif-2024]" {
			t.Errorf("title_string asc = %s", got)
		}
		// score: a title match ranks above a notes match.
		if got := order(url.Values{"q": {"budget"}}); got != "[budget-primitif-2024 subventions-associations]" {
			t.Errorf("score order = %s", got)
		}
		res := h.search("", url.Values{"rows": {"0"}})
		if res["count"] != 4.0 || len(res["results"].([]any)) != 0 {
			t.Errorf("rows=0: count %v results %v", res["count"], res["results"])
		}
		res = h.search("", url.Values{"start": {"50"}})
		if res["count"] != 4.0 || len(res["results"].([]any)) != 0 {
			t.Errorf("start past the end: count %v results %v", res["count"], res["results"])
		}
		// rows above 1000 are clamped, as CKAN does, not refused.
		if res := h.search("", url.Values{"rows": {"5000"}}); res["count"] != 4.0 {
			t.Errorf("rows=5000 = %v", res["count"])
		}
		if res := h.search("", nil); res["sort"] != "score desc, metadata_modified desc" {
			t.Errorf("default sort = %v", res["sort"])
		}
	})
}

func TestPackageSearchFacets(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		seedSearch(h)
		res := h.search("", url.Values{"facet.field": {`["organization","tags","res_format","license_id","groups"]`}})
		facets := res["facets"].(map[string]any)
		want := map[string]map[string]float64{
			"organization": {"ville-a": 3, "ville-b": 1},
			"tags":         {"finances": 2, "budget": 1, "énergie": 1, "bâtiments": 1, "subventions": 1, "environnement": 1},
			"res_format":   {"CSV": 3, "XLSX": 1, "GeoJSON": 1},
			"license_id":   {"lov2": 2, "odc-odbl": 1, "cc-by": 1},
			"groups":       {},
		}
		for field, counts := range want {
			got := facets[field].(map[string]any)
			if len(got) != len(counts) {
				t.Errorf("facet %s = %v, want %v", field, got, counts)
			}
			for k, n := range counts {
				if got[k] != n {
					t.Errorf("facet %s[%s] = %v, want %v", field, k, got[k], n)
				}
			}
		}
		sf := res["search_facets"].(map[string]any)
		org := sf["organization"].(map[string]any)
		items := org["items"].([]any)
		first := items[0].(map[string]any)
		if org["title"] != "organization" || first["name"] != "ville-a" || first["display_name"] != "Ville d'Arles" || first["count"] != 3.0 {
			t.Errorf("search_facets.organization = %v", org)
		}
		lic := sf["license_id"].(map[string]any)["items"].([]any)[0].(map[string]any)
		if lic["name"] != "lov2" || lic["display_name"] != "Licence Ouverte / Open Licence version 2.0" {
			t.Errorf("license facet item = %v", lic)
		}
		// Facets count the filtered result.
		res = h.search("", url.Values{"fq": {"organization:ville-b"}, "facet.field": {`["tags"]`}, "facet.limit": {"1"}})
		if tags := res["facets"].(map[string]any)["tags"].(map[string]any); len(tags) != 1 {
			t.Errorf("facet.limit 1 gave %v", tags)
		}
		res = h.search("", url.Values{"facet.field": {`["tags"]`}, "facet.mincount": {"2"}})
		if tags := res["facets"].(map[string]any)["tags"].(map[string]any); len(tags) != 1 || tags["finances"] != 2.0 {
			t.Errorf("facet.mincount 2 gave %v", tags)
		}
		// Repeated facet.field parameters work too.
		res = h.search("", url.Values{"facet.field": {"tags", "res_format"}})
		if len(res["facets"].(map[string]any)) != 2 {
			t.Errorf("repeated facet.field = %v", res["facets"])
		}
		if res := h.search("", nil); len(res["facets"].(map[string]any)) != 0 || len(res["search_facets"].(map[string]any)) != 0 {
			t.Errorf("facets without facet.field = %v", res)
		}
	})
}

func TestPackageSearchErrors(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		seedSearch(h)
		for _, q := range []url.Values{
			{"q": {"(budget"}},
			{"q": {`"budget`}},
			{"q": {"budget AND"}},
			{"fq": {"unknown_field:x"}},
			{"fq": {"metadata_modified:[2024 TO *]"}},
			{"fq": {"metadata_modified:[yesterday TO NOW]"}},
			{"fq": {"name:[a TO b]"}},
			{"sort": {"popularity desc"}},
			{"sort": {"name sideways"}},
			{"facet.field": {`["title"]`}},
			{"facet.field": {`["tags"`}},
			{"bogus": {"1"}},
			{"q": {strings.Repeat("(", 100) + "a" + strings.Repeat(")", 100)}},
			{"q": {"x'); DROP TABLE datasets; --"}},
		} {
			r := h.get("package_search", "", q)
			if r.Status == 200 {
				// SQL in q is only text: it must find nothing, not fail.
				if q.Get("q") == "x'); DROP TABLE datasets; --" && r.resultMap()["count"] == 0.0 {
					continue
				}
				t.Errorf("%v: got 200, %v results", q, r.resultMap()["count"])
				continue
			}
			if r.Status == 409 && q.Get("facet.field") == `["tags"` {
				continue // a malformed JSON list is a validation error
			}
			mustFail(t, r, 400, "Search Query Error")
		}
		for _, q := range []url.Values{{"rows": {"-1"}}, {"start": {"x"}}, {"include_private": {"peut-être"}}} {
			mustFail(t, h.get("package_search", "", q), 409, "Validation Error")
		}
		if n := h.search("", nil)["count"]; n != 4.0 {
			t.Errorf("the catalogue changed: %v datasets", n)
		}
	})
}
