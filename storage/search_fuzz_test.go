package storage_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/passerelle/passerelle/catalog"
	"github.com/passerelle/passerelle/storage"
	"github.com/passerelle/passerelle/storage/storagetest"
)

// checkSearchError fails unless err is a client error (a Search Query or
// Validation Error) that says nothing of SQL.
func checkSearchError(t *testing.T, input string, err error) {
	t.Helper()
	if storagetest.LeaksSQL(err.Error()) {
		t.Fatalf("%s: input reached SQL text: %v", input, err)
	}
	if k := catalog.ErrorKind(err); k != catalog.KindSearchQuery && k != catalog.KindInvalid {
		t.Fatalf("%s: error of kind %v: %v", input, k, err)
	}
}

// canary plants a table that no search may drop or fill, and returns a
// check that it and the catalogue's own rows are as they were.
func canary(tb testing.TB, db *storage.DB, tables ...string) func(t *testing.T, input string) {
	tb.Helper()
	if err := storage.ExecSQL(db, "CREATE TABLE canary (x INTEGER)"); err != nil {
		tb.Fatal(err)
	}
	if err := storage.ExecSQL(db, "INSERT INTO canary VALUES (1)"); err != nil {
		tb.Fatal(err)
	}
	want := map[string]int64{"canary": 1}
	for _, table := range tables {
		n, err := storage.CountRows(db, table)
		if err != nil {
			tb.Fatal(err)
		}
		want[table] = n
	}
	return func(t *testing.T, input string) {
		t.Helper()
		for table, n := range want {
			if got, err := storage.CountRows(db, table); err != nil || got != n {
				t.Fatalf("%s: table %s has %d rows (%v), want %d", input, table, got, err, n)
			}
		}
	}
}

// FuzzSearchDatasets runs fuzzed q, fq and sort through package_search's
// storage on a real SQLite catalogue: the answer is a client error or
// datasets the caller may see, never an SQL error, and the database is
// unchanged.
func FuzzSearchDatasets(f *testing.F) {
	db := storagetest.OpenSQLite(f)
	ds := storage.NewDatasetService(db)
	orgs := storage.NewOrganizationService(db)
	orgA, err := orgs.CreateOrganization(sysadmin, &catalog.Organization{Name: "ville-a", Title: "Ville A"})
	if err != nil {
		f.Fatal(err)
	}
	orgB, err := orgs.CreateOrganization(sysadmin, &catalog.Organization{Name: "ville-b", Title: "Ville B"})
	if err != nil {
		f.Fatal(err)
	}
	var all []*catalog.Dataset
	for i, d := range []*catalog.Dataset{
		{Name: "budget-2024", Title: "Budget primitif 2024", Notes: "Dépenses et recettes", OwnerOrg: orgA.ID, Tags: []catalog.Tag{{Name: "budget"}, {Name: "finances"}},
			Resources: []catalog.Resource{{URL: "https://x.fr/budget.csv", Format: "CSV", Name: "Budget"}}},
		{Name: "arbres", Title: "Arbres d'alignement", OwnerOrg: orgA.ID, Tags: []catalog.Tag{{Name: "environnement"}}, LicenseID: "lov2"},
		{Name: "velos", Title: "Stations de vélos", OwnerOrg: orgB.ID, Tags: []catalog.Tag{{Name: "transport"}},
			Resources: []catalog.Resource{{URL: "https://x.fr/velos.json", Format: "JSON"}}},
		{Name: "prive-a", Title: "Budget confidentiel", OwnerOrg: orgA.ID, Private: true, Tags: []catalog.Tag{{Name: "budget"}}},
		{Name: "brouillon-b", Title: "Brouillon", OwnerOrg: orgB.ID, State: catalog.StateDraft},
		{Name: "supprime-a", Title: "Supprimé", OwnerOrg: orgA.ID},
	} {
		created, err := ds.CreateDataset(sysadmin, d)
		if err != nil {
			f.Fatalf("dataset %d: %v", i, err)
		}
		all = append(all, created)
	}
	if err := ds.DeleteDataset(sysadmin, "supprime-a"); err != nil {
		f.Fatal(err)
	}
	all[5].State = catalog.StateDeleted
	unchanged := canary(f, db, "datasets", "resources", "organizations", "tags", "dataset_tags")

	callers := []*catalog.Principal{nil, {Name: "agent-a", OrgID: orgA.ID}, {Name: "admin", Sysadmin: true}}
	for _, s := range []struct{ q, fq, sort string }{
		{"budget", "", ""},
		{"*:*", "organization:ville-a", "name asc"},
		{`title:"Budget primitif" OR tags:transport`, "res_format:CSV", "metadata_modified desc, name"},
		{"bud*", "state:draft OR state:deleted", "title_string desc"},
		{"", "capacity:private", "score desc"},
		{"num_resources:[1 TO *]", "metadata_created:[NOW-1YEAR TO NOW]", ""},
		{"x' OR 1=1 --", `name:"a\"; DROP TABLE canary; --"`, "name; DROP TABLE canary"},
		{`\"); DELETE FROM datasets; --`, "extras_x:1", "id asc"},
		{"%", "tags:_", ""},
		// NOTs nested deeper than SQLite compiles (once a 500).
		{strings.Repeat("!", 1500) + "x", strings.Repeat("-", 40) + "name:x", ""},
	} {
		for who := range callers {
			f.Add(s.q, s.fq, s.sort, who%2 == 0, uint8(who))
		}
	}
	f.Fuzz(func(t *testing.T, q, fq, sort string, includePrivate bool, who uint8) {
		p := callers[int(who)%len(callers)]
		ctx := catalog.WithPrincipal(context.Background(), p)
		input := fmt.Sprintf("q=%q fq=%q sort=%q include_private=%v caller=%v", q, fq, sort, includePrivate, p)
		sp := catalog.SearchParams{
			Q: q, Sort: sort, Rows: 20, IncludePrivate: includePrivate, IncludeDrafts: true, IncludeDeleted: true,
			FacetFields: []string{"organization", "tags", "res_format"}, FacetLimit: 10, FacetMinCount: 1,
		}
		if fq != "" {
			sp.FQ = []string{fq}
		}
		res, err := ds.SearchDatasets(ctx, sp)
		if err != nil {
			checkSearchError(t, input, err)
			unchanged(t, input)
			return
		}
		if res.Count < len(res.Datasets) || res.Count > len(all) {
			t.Fatalf("%s: count %d for %d results of %d datasets", input, res.Count, len(res.Datasets), len(all))
		}
		for _, got := range res.Datasets {
			var seed *catalog.Dataset
			for _, d := range all {
				if d.ID == got.ID {
					seed = d
				}
			}
			if seed == nil {
				t.Fatalf("%s: a dataset that was never created: %+v", input, got)
			}
			member := p.CanWriteOrg(seed.OwnerOrg)
			if (seed.Private && !(includePrivate && member)) || (seed.State != catalog.StateActive && !member) {
				t.Fatalf("%s: %s (private %v, %s) shown to %v", input, seed.Name, seed.Private, seed.State, p)
			}
			if got.Name != seed.Name || got.OwnerOrg != seed.OwnerOrg {
				t.Fatalf("%s: %s read back as %s of %s", input, seed.Name, got.Name, got.OwnerOrg)
			}
		}
		for _, facet := range res.Facets {
			for _, it := range facet.Items {
				if it.Count < 1 || it.Count > res.Count {
					t.Fatalf("%s: facet %s=%s counts %d of %d", input, facet.Field, it.Name, it.Count, res.Count)
				}
			}
		}
		unchanged(t, input)
	})
}

// dsFuzzRows are the rows of the fuzzed datastore table, with the ones
// of the storage suite.
var dsFuzzRows = append([][]string{
	{"13055", "Marseille", "873076", "0.1", "2022-02-28", "2022-02-28T08:00:00Z", "true", `'; DROP TABLE canary; --`},
	{"97411", "Saint-Denis", "153810", "1e3", "2023-06-30", "", "false", "Réunion"},
}, dsCommunesRows...)

// FuzzDatastoreQuery runs fuzzed q, per-field q, filters, fields and sort
// straight into the datastore's search on a real SQLite table (past the
// API's parsing, so that any text reaches the query builder): the answer
// is a Validation Error or rows of the table, never an SQL error, and the
// table and a second one are unchanged.
func FuzzDatastoreQuery(f *testing.F) {
	db := storagetest.OpenSQLite(f)
	ds := dsOpen(f, db)
	table := dsLoad(f, ds, dsCommunesFields, dsFuzzRows)
	other := dsLoad(f, ds, []catalog.DatastoreField{{ID: "x", Type: catalog.DatastoreText}}, [][]string{{"témoin"}})
	ctx := context.Background()
	full, err := ds.Search(ctx, table, catalog.DatastoreQuery{Limit: 100, IncludeTotal: true})
	if err != nil || len(full.Records) != len(dsFuzzRows) {
		f.Fatalf("whole table: %v, %v", full, err)
	}
	byID := map[any][]any{}
	for _, r := range full.Records {
		byID[r[0]] = r
	}
	column := map[string]int{}
	for i, fd := range full.Fields {
		column[fd.ID] = i
	}
	f.Add("Paris", "commune", "Lyon", "commune", "Paris", "code_insee,commune", "population", true, false)
	f.Add("", "note", dsInjection, "note", dsInjection, "note", "note", false, false)
	f.Add("cœur", "population", "41365", "actif", "true", "_id,actif", `"commune"`, false, true)
	f.Add(`x" OR 1=1 --`, `commune" --`, "1 OR 1=1", `population; DROP TABLE canary`, "1); DROP TABLE canary; --", `commune", (SELECT 1) "x`, `_full_text`, true, true)
	f.Add("100%", "date_decision", "2021-03-15", "montant", "-12.75", "montant, maj", "maj", false, false)
	f.Add("'", "_id", "1", "_id", "2", "_id", "_id", true, false)
	f.Fuzz(func(t *testing.T, q, qField, qValue, filterField, filterValue, fields, sortField string, desc, distinct bool) {
		query := catalog.DatastoreQuery{
			Q: q, Limit: 50, IncludeTotal: true, Distinct: distinct,
			Sort: []catalog.SortKey{{Field: sortField, Desc: desc}},
		}
		if qField != "" {
			query.QFields = map[string]string{qField: qValue}
		}
		if filterField != "" {
			query.Filters = map[string][]string{filterField: {filterValue}}
		}
		for _, name := range strings.Split(fields, ",") {
			if name = strings.TrimSpace(name); name != "" {
				query.Fields = append(query.Fields, name)
			}
		}
		input := fmt.Sprintf("%+v", query)
		res, err := ds.Search(ctx, table, query)
		if err != nil {
			if storagetest.LeaksSQL(err.Error()) {
				t.Fatalf("%s: input reached SQL text: %v", input, err)
			}
			if catalog.ErrorKind(err) != catalog.KindInvalid {
				t.Fatalf("%s: error of kind %v: %v", input, catalog.ErrorKind(err), err)
			}
		} else {
			if res.Total < int64(len(res.Records)) || res.Total > int64(len(dsFuzzRows)) {
				t.Fatalf("%s: total %d for %d records", input, res.Total, len(res.Records))
			}
			for _, rec := range res.Records {
				if !isRowOf(rec, res.Fields, full.Records, column, byID) {
					t.Fatalf("%s: record %v is no row of the table", input, rec)
				}
			}
		}
		for name, want := range map[string]int64{table: int64(len(dsFuzzRows)), other: 1} {
			if info, err := ds.Info(ctx, name); err != nil || info.Rows != want {
				t.Fatalf("%s: table %s after the search: %v, %v", input, name, info, err)
			}
		}
		if r, err := ds.Search(ctx, other, catalog.DatastoreQuery{Limit: 10}); err != nil || !reflect.DeepEqual(r.Records, [][]any{{int64(1), "témoin"}}) {
			t.Fatalf("%s: the other table reads %v, %v", input, r, err)
		}
	})
}

// isRowOf reports whether rec, with these fields, is a projection of one
// of rows (the whole table, with column giving a field's place in them).
func isRowOf(rec []any, fields []catalog.DatastoreField, rows [][]any, column map[string]int, byID map[any][]any) bool {
	if len(rec) != len(fields) {
		return false
	}
	candidates := rows
	for i, fd := range fields {
		if fd.ID == "_id" {
			row, ok := byID[rec[i]]
			if !ok {
				return false
			}
			candidates = [][]any{row}
		}
	}
next:
	for _, row := range candidates {
		for i, fd := range fields {
			c, ok := column[fd.ID]
			if !ok || !reflect.DeepEqual(row[c], rec[i]) {
				continue next
			}
		}
		return true
	}
	return false
}
