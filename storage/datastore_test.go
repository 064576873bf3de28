package storage_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/passerelle/passerelle/catalog"
	"github.com/passerelle/passerelle/storage"
	"github.com/passerelle/passerelle/storage/storagetest"
)

// dsOpen returns the datastore of db, closed when the test ends.
// On PostgreSQL its tables are in the test catalogue's schema, dropped
// with it.
func dsOpen(t testing.TB, db *storage.DB) catalog.Datastore {
	t.Helper()
	ds, err := storage.NewDatastore(db, t.TempDir())
	if err != nil {
		t.Fatalf("NewDatastore: %v", err)
	}
	t.Cleanup(func() { ds.(interface{ Close() error }).Close() })
	return ds
}

// dsLoad creates a table with fields and rows and commits it.
func dsLoad(t testing.TB, ds catalog.Datastore, fields []catalog.DatastoreField, rows [][]string) string {
	t.Helper()
	w, err := ds.Create(context.Background(), fields)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	defer w.Abort()
	for _, r := range rows {
		if err := w.Append(r); err != nil {
			t.Fatalf("Append(%q): %v", r, err)
		}
	}
	n, err := w.Commit()
	if err != nil {
		t.Fatalf("Commit: %v", err)
	}
	if n != int64(len(rows)) {
		t.Fatalf("Commit = %d rows, want %d", n, len(rows))
	}
	return w.Name()
}

var dsCommunesFields = []catalog.DatastoreField{
	{ID: "code_insee", Type: catalog.DatastoreText, Label: "Code INSEE"},
	{ID: "commune", Type: catalog.DatastoreText, Label: "Commune"},
	{ID: "population", Type: catalog.DatastoreInt, Label: "Population"},
	{ID: "montant", Type: catalog.DatastoreNumeric, Label: "Montant (€)"},
	{ID: "date_decision", Type: catalog.DatastoreDate, Label: "Date de décision"},
	{ID: "maj", Type: catalog.DatastoreTimestamp, Label: "Mise à jour"},
	{ID: "actif", Type: catalog.DatastoreBool, Label: "Actif ?"},
	{ID: "note", Type: catalog.DatastoreText, Label: "Note"},
}

const dsInjection = `x" OR 1=1 --`

var dsCommunesRows = [][]string{
	{"01053", "Bourg-en-Bresse", "41365", "3858.04", "2021-03-15", "2021-03-15T10:30:00", "true", "Préfecture"},
	{"2A004", "Ajaccio", "", "1500", "2020-12-31", "2020-12-31T23:59:59.5", "false", ""},
	{"75056", "Paris", "2145906", "250000.5", "", "", "", dsInjection},
	{"69123", "Lyon", "522250", "-12.75", "2019-01-01", "2019-01-01T00:00:00+02:00", "true", "Cœur de ville"},
	{"42218", "Saint-Étienne", "", "", "", "", "", "100% des écoles_"},
}

// dsCommunesRecords are dsCommunesRows as Search returns them, _id first.
var dsCommunesRecords = [][]any{
	{int64(1), "01053", "Bourg-en-Bresse", int64(41365), 3858.04, "2021-03-15", "2021-03-15T10:30:00", true, "Préfecture"},
	{int64(2), "2A004", "Ajaccio", nil, 1500.0, "2020-12-31", "2020-12-31T23:59:59.5", false, nil},
	{int64(3), "75056", "Paris", int64(2145906), 250000.5, nil, nil, nil, dsInjection},
	{int64(4), "69123", "Lyon", int64(522250), -12.75, "2019-01-01", "2019-01-01T00:00:00", true, "Cœur de ville"},
	{int64(5), "42218", "Saint-Étienne", nil, nil, nil, nil, nil, "100% des écoles_"},
}

func TestDatastoreLoadAndInfo(t *testing.T) {
	storagetest.Run(t, func(t *testing.T, db *storage.DB) {
		ds := dsOpen(t, db)
		before := time.Now().Add(-time.Second)
		name := dsLoad(t, ds, dsCommunesFields, dsCommunesRows)
		if !strings.HasPrefix(name, "t_") {
			t.Errorf("name = %q", name)
		}
		info, err := ds.Info(context.Background(), name)
		if err != nil {
			t.Fatal(err)
		}
		if info.Name != name || info.Rows != 5 || !reflect.DeepEqual(info.Fields, dsCommunesFields) {
			t.Errorf("Info = %+v", info)
		}
		if info.Created.Before(before) || info.Created.After(time.Now().Add(time.Second)) {
			t.Errorf("Created = %v", info.Created)
		}
		res, err := ds.Search(context.Background(), name, catalog.DatastoreQuery{Limit: 100, IncludeTotal: true})
		if err != nil {
			t.Fatal(err)
		}
		wantFields := append([]catalog.DatastoreField{{ID: "_id", Type: catalog.DatastoreInt}}, dsCommunesFields...)
		if !reflect.DeepEqual(res.Fields, wantFields) {
			t.Errorf("Fields = %+v", res.Fields)
		}
		if res.Total != 5 {
			t.Errorf("Total = %d", res.Total)
		}
		if !reflect.DeepEqual(res.Records, dsCommunesRecords) {
			t.Errorf("Records:\n got %#v\nwant %#v", res.Records, dsCommunesRecords)
		}
	})
}

func TestDatastoreSearch(t *testing.T) {
	storagetest.Run(t, func(t *testing.T, db *storage.DB) {
		ds := dsOpen(t, db)
		name := dsLoad(t, ds, dsCommunesFields, dsCommunesRows)
		for _, tc := range []struct {
			name  string
			q     catalog.DatastoreQuery
			ids   []int64 // _id of the records, when recs is nil
			recs  [][]any
			total int64
		}{
			{name: "default", q: catalog.DatastoreQuery{}, ids: []int64{1, 2, 3, 4, 5}, total: 5},
			{name: "no total", q: catalog.DatastoreQuery{IncludeTotal: false}, ids: []int64{1, 2, 3, 4, 5}, total: -1},
			{name: "limit offset", q: catalog.DatastoreQuery{Limit: 2, Offset: 1}, ids: []int64{2, 3}, total: 5},
			{name: "limit 0", q: catalog.DatastoreQuery{Limit: 0}, ids: []int64{}, total: 5},
			{name: "offset past end", q: catalog.DatastoreQuery{Offset: 10}, ids: []int64{}, total: 5},
			{name: "fields in order", q: catalog.DatastoreQuery{Fields: []string{"commune", "_id", "code_insee"}, Limit: 2},
				recs: [][]any{{"Bourg-en-Bresse", int64(1), "01053"}, {"Ajaccio", int64(2), "2A004"}}, total: 5},
			{name: "fields without _id", q: catalog.DatastoreQuery{Fields: []string{"montant"}, Limit: 2},
				recs: [][]any{{3858.04}, {1500.0}}, total: 5},
			{name: "filter text", q: catalog.DatastoreQuery{Filters: map[string][]string{"commune": {"Lyon", "Paris"}}}, ids: []int64{3, 4}, total: 2},
			{name: "filter leading zero", q: catalog.DatastoreQuery{Filters: map[string][]string{"code_insee": {"01053"}}}, ids: []int64{1}, total: 1},
			{name: "filter code as number", q: catalog.DatastoreQuery{Filters: map[string][]string{"code_insee": {"1053"}}}, ids: []int64{}, total: 0},
			{name: "filter corsica", q: catalog.DatastoreQuery{Filters: map[string][]string{"code_insee": {"2A004"}}}, ids: []int64{2}, total: 1},
			{name: "filter int", q: catalog.DatastoreQuery{Filters: map[string][]string{"population": {"41365", "522250"}}}, ids: []int64{1, 4}, total: 2},
			{name: "filter numeric", q: catalog.DatastoreQuery{Filters: map[string][]string{"montant": {"3858.04"}}}, ids: []int64{1}, total: 1},
			{name: "filter numeric whole", q: catalog.DatastoreQuery{Filters: map[string][]string{"montant": {"1500"}}}, ids: []int64{2}, total: 1},
			{name: "filter date", q: catalog.DatastoreQuery{Filters: map[string][]string{"date_decision": {"2020-12-31"}}}, ids: []int64{2}, total: 1},
			{name: "filter timestamp", q: catalog.DatastoreQuery{Filters: map[string][]string{"maj": {"2021-03-15T10:30:00"}}}, ids: []int64{1}, total: 1},
			{name: "filter bool", q: catalog.DatastoreQuery{Filters: map[string][]string{"actif": {"false"}}}, ids: []int64{2}, total: 1},
			{name: "filter missing", q: catalog.DatastoreQuery{Filters: map[string][]string{"population": {""}}}, ids: []int64{2, 5}, total: 2},
			{name: "filter value or missing", q: catalog.DatastoreQuery{Filters: map[string][]string{"actif": {"true", ""}}}, ids: []int64{1, 3, 4, 5}, total: 4},
			{name: "filter _id", q: catalog.DatastoreQuery{Filters: map[string][]string{"_id": {"3"}}}, ids: []int64{3}, total: 1},
			{name: "filters and", q: catalog.DatastoreQuery{Filters: map[string][]string{"actif": {"true"}, "commune": {"Lyon", "Ajaccio"}}}, ids: []int64{4}, total: 1},
			{name: "filter empty list", q: catalog.DatastoreQuery{Filters: map[string][]string{"commune": {}}}, ids: []int64{}, total: 0},
			{name: "filter dsInjection literal", q: catalog.DatastoreQuery{Filters: map[string][]string{"note": {dsInjection}}}, ids: []int64{3}, total: 1},
			{name: "filter dsInjection no match", q: catalog.DatastoreQuery{Filters: map[string][]string{"commune": {dsInjection}}}, ids: []int64{}, total: 0},
			{name: "q word", q: catalog.DatastoreQuery{Q: "lyon"}, ids: []int64{4}, total: 1},
			{name: "q accents and case", q: catalog.DatastoreQuery{Q: "SAINT-ÉTIENNE"}, ids: []int64{5}, total: 1},
			{name: "q folded", q: catalog.DatastoreQuery{Q: "saint etienne"}, ids: []int64{5}, total: 1},
			{name: "q ligature", q: catalog.DatastoreQuery{Q: "coeur"}, ids: []int64{4}, total: 1},
			{name: "q words anywhere", q: catalog.DatastoreQuery{Q: "ecoles 100"}, ids: []int64{5}, total: 1},
			{name: "q substring", q: catalog.DatastoreQuery{Q: "bress"}, ids: []int64{1}, total: 1},
			{name: "q number", q: catalog.DatastoreQuery{Q: "3858.04"}, ids: []int64{1}, total: 1},
			{name: "q code", q: catalog.DatastoreQuery{Q: "2a004"}, ids: []int64{2}, total: 1},
			{name: "q date", q: catalog.DatastoreQuery{Q: "2020-12-31"}, ids: []int64{2}, total: 1},
			{name: "q no match", q: catalog.DatastoreQuery{Q: "lyon paris"}, ids: []int64{}, total: 0},
			{name: "q wildcards literal", q: catalog.DatastoreQuery{Q: "%"}, ids: []int64{1, 2, 3, 4, 5}, total: 5},
			{name: "q dsInjection", q: catalog.DatastoreQuery{Q: dsInjection}, ids: []int64{3}, total: 1},
			{name: "qfields", q: catalog.DatastoreQuery{QFields: map[string]string{"commune": "étienne"}}, ids: []int64{5}, total: 1},
			{name: "qfields folded", q: catalog.DatastoreQuery{QFields: map[string]string{"commune": "ETIENNE"}}, ids: []int64{5}, total: 1},
			{name: "qfields ligature", q: catalog.DatastoreQuery{QFields: map[string]string{"note": "COEUR DE"}}, ids: []int64{4}, total: 1},
			{name: "qfields separators", q: catalog.DatastoreQuery{QFields: map[string]string{"commune": "saint etienne"}}, ids: []int64{5}, total: 1},
			{name: "qfields punctuation", q: catalog.DatastoreQuery{QFields: map[string]string{"commune": "SAINT--Étienne"}}, ids: []int64{5}, total: 1},
			{name: "qfields regexp chars", q: catalog.DatastoreQuery{QFields: map[string]string{"commune": "L[y]on.*"}}, ids: []int64{}, total: 0},
			{name: "qfields regexp chars folded", q: catalog.DatastoreQuery{QFields: map[string]string{"commune": "(Lyon).*"}}, ids: []int64{4}, total: 1},
			{name: "qfields dsInjection", q: catalog.DatastoreQuery{QFields: map[string]string{"note": dsInjection}}, ids: []int64{3}, total: 1},
			{name: "qfields date", q: catalog.DatastoreQuery{QFields: map[string]string{"date_decision": "2020-12"}}, ids: []int64{2}, total: 1},
			{name: "qfields timestamp", q: catalog.DatastoreQuery{QFields: map[string]string{"maj": "2021-03-15T10:30"}}, ids: []int64{1}, total: 1},
			{name: "qfields other field", q: catalog.DatastoreQuery{QFields: map[string]string{"note": "lyon"}}, ids: []int64{}, total: 0},
			{name: "qfields code", q: catalog.DatastoreQuery{QFields: map[string]string{"code_insee": "2a"}}, ids: []int64{2}, total: 1},
			{name: "qfields int", q: catalog.DatastoreQuery{QFields: map[string]string{"population": "4136"}}, ids: []int64{1}, total: 1},
			{name: "qfields _id", q: catalog.DatastoreQuery{QFields: map[string]string{"_id": "4"}}, ids: []int64{4}, total: 1},
			{name: "qfields bool", q: catalog.DatastoreQuery{QFields: map[string]string{"actif": "fal"}}, ids: []int64{2}, total: 1},
			{name: "qfields and q", q: catalog.DatastoreQuery{Q: "ville", QFields: map[string]string{"commune": "lyon"}}, ids: []int64{4}, total: 1},
			{name: "sort desc", q: catalog.DatastoreQuery{Sort: []catalog.SortKey{{Field: "_id", Desc: true}}}, ids: []int64{5, 4, 3, 2, 1}, total: 5},
			{name: "sort text", q: catalog.DatastoreQuery{Sort: []catalog.SortKey{{Field: "code_insee"}}}, ids: []int64{1, 2, 5, 4, 3}, total: 5},
			{name: "sort int nulls last", q: catalog.DatastoreQuery{Sort: []catalog.SortKey{{Field: "population"}}}, ids: []int64{1, 4, 3, 2, 5}, total: 5},
			{name: "sort int desc nulls first", q: catalog.DatastoreQuery{Sort: []catalog.SortKey{{Field: "population", Desc: true}}}, ids: []int64{2, 5, 3, 4, 1}, total: 5},
			{name: "sort two keys", q: catalog.DatastoreQuery{Sort: []catalog.SortKey{{Field: "actif"}, {Field: "montant", Desc: true}}}, ids: []int64{2, 1, 4, 5, 3}, total: 5},
			{name: "sort date", q: catalog.DatastoreQuery{Sort: []catalog.SortKey{{Field: "date_decision", Desc: true}}, Filters: map[string][]string{"actif": {"true", "false"}}}, ids: []int64{1, 2, 4}, total: 3},
			{name: "distinct", q: catalog.DatastoreQuery{Fields: []string{"actif"}, Distinct: true},
				recs: [][]any{{false}, {true}, {nil}}, total: 3},
			{name: "distinct sorted", q: catalog.DatastoreQuery{Fields: []string{"actif"}, Distinct: true, Sort: []catalog.SortKey{{Field: "actif", Desc: true}}},
				recs: [][]any{{nil}, {true}, {false}}, total: 3},
			{name: "distinct filtered", q: catalog.DatastoreQuery{Fields: []string{"actif"}, Distinct: true, Filters: map[string][]string{"actif": {"true"}}},
				recs: [][]any{{true}}, total: 1},
			{name: "combined", q: catalog.DatastoreQuery{
				Fields: []string{"commune", "population"}, Filters: map[string][]string{"actif": {"true"}},
				Q: "e", Sort: []catalog.SortKey{{Field: "population", Desc: true}}, Limit: 1,
			}, recs: [][]any{{"Lyon", int64(522250)}}, total: 2},
		} {
			t.Run(tc.name, func(t *testing.T) {
				q := tc.q
				if q.Limit == 0 && tc.name != "limit 0" {
					q.Limit = catalog.DatastoreDefaultLimit
				}
				q.IncludeTotal = tc.total >= 0
				res, err := ds.Search(context.Background(), name, q)
				if err != nil {
					t.Fatal(err)
				}
				if res.Total != tc.total {
					t.Errorf("Total = %d, want %d", res.Total, tc.total)
				}
				if tc.recs != nil {
					if !reflect.DeepEqual(res.Records, tc.recs) {
						t.Errorf("Records = %v, want %v", res.Records, tc.recs)
					}
					if len(res.Fields) != len(tc.q.Fields) {
						t.Errorf("Fields = %v", res.Fields)
					}
					return
				}
				ids := []int64{}
				for _, r := range res.Records {
					ids = append(ids, r[0].(int64))
					if len(r) != len(dsCommunesFields)+1 {
						t.Errorf("record %v: want %d values", r, len(dsCommunesFields)+1)
					}
					if want := dsCommunesRecords[r[0].(int64)-1]; !reflect.DeepEqual(r, want) {
						t.Errorf("record %v, want %v", r, want)
					}
				}
				if !slices.Equal(ids, tc.ids) {
					t.Errorf("ids = %v, want %v", ids, tc.ids)
				}
			})
		}
	})
}

// dsInvalidField returns the field of a KindInvalid error, or "".
func dsInvalidField(err error) string {
	var ce *catalog.Error
	if !errors.As(err, &ce) || ce.Kind != catalog.KindInvalid {
		return ""
	}
	for k := range ce.Fields {
		return k
	}
	return ""
}

func TestDatastoreSearchErrors(t *testing.T) {
	storagetest.Run(t, func(t *testing.T, db *storage.DB) {
		ds := dsOpen(t, db)
		name := dsLoad(t, ds, dsCommunesFields, dsCommunesRows)
		for _, tc := range []struct {
			name  string
			q     catalog.DatastoreQuery
			field string
		}{
			{"unknown field", catalog.DatastoreQuery{Fields: []string{"commune", "nope"}}, "fields"},
			{"hidden column", catalog.DatastoreQuery{Fields: []string{"_full_text"}}, "fields"},
			{"physical column", catalog.DatastoreQuery{Fields: []string{"c1"}}, "fields"},
			{"dsInjection field", catalog.DatastoreQuery{Fields: []string{dsInjection}}, "fields"},
			{"unknown filter", catalog.DatastoreQuery{Filters: map[string][]string{"nope": {"1"}}}, "filters"},
			{"dsInjection filter", catalog.DatastoreQuery{Filters: map[string][]string{dsInjection: {"1"}}}, "filters"},
			{"bad int", catalog.DatastoreQuery{Filters: map[string][]string{"population": {"12", "douze"}}}, "filters"},
			{"bad int dsInjection", catalog.DatastoreQuery{Filters: map[string][]string{"population": {"1 OR 1=1"}}}, "filters"},
			{"bad numeric", catalog.DatastoreQuery{Filters: map[string][]string{"montant": {"3858,04"}}}, "filters"},
			{"bad date", catalog.DatastoreQuery{Filters: map[string][]string{"date_decision": {"31/12/2020"}}}, "filters"},
			{"impossible date", catalog.DatastoreQuery{Filters: map[string][]string{"date_decision": {"2021-02-30"}}}, "filters"},
			{"bad timestamp", catalog.DatastoreQuery{Filters: map[string][]string{"maj": {"hier"}}}, "filters"},
			{"bad bool", catalog.DatastoreQuery{Filters: map[string][]string{"actif": {"peut-être"}}}, "filters"},
			{"unknown sort", catalog.DatastoreQuery{Sort: []catalog.SortKey{{Field: "nope"}}}, "sort"},
			{"dsInjection sort", catalog.DatastoreQuery{Sort: []catalog.SortKey{{Field: `_id"; DROP TABLE data; --`}}}, "sort"},
			{"distinct sort outside fields", catalog.DatastoreQuery{Fields: []string{"actif"}, Distinct: true, Sort: []catalog.SortKey{{Field: "commune"}}}, "sort"},
			{"unknown qfield", catalog.DatastoreQuery{QFields: map[string]string{"nope": "x"}}, "q"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				tc.q.Limit = 10
				_, err := ds.Search(context.Background(), name, tc.q)
				if got := dsInvalidField(err); got != tc.field {
					t.Errorf("err = %v, want a validation error on %q", err, tc.field)
				}
			})
		}
		_, err := ds.Search(context.Background(), name, catalog.DatastoreQuery{Fields: []string{"nope"}})
		if err == nil || !strings.Contains(err.Error(), `field "nope" not in table`) {
			t.Errorf("message: %v", err)
		}
		if err := ds.Dump(context.Background(), name, []string{"nope"}, func([]any) error { return nil }); dsInvalidField(err) != "fields" {
			t.Errorf("Dump with unknown field: %v", err)
		}
		// The table survived every attempt.
		if info, err := ds.Info(context.Background(), name); err != nil || info.Rows != 5 {
			t.Errorf("after injections: %v, %v", info, err)
		}
		for _, missing := range []string{"t_00000000000000000000000000000000", "nope", "../../catalog", dsInjection, ""} {
			if _, err := ds.Info(context.Background(), missing); catalog.ErrorKind(err) != catalog.KindNotFound {
				t.Errorf("Info(%q) = %v, want not found", missing, err)
			}
			if _, err := ds.Search(context.Background(), missing, catalog.DatastoreQuery{Limit: 1}); catalog.ErrorKind(err) != catalog.KindNotFound {
				t.Errorf("Search(%q) = %v, want not found", missing, err)
			}
			if err := ds.Dump(context.Background(), missing, nil, func([]any) error { return nil }); catalog.ErrorKind(err) != catalog.KindNotFound {
				t.Errorf("Dump(%q) = %v, want not found", missing, err)
			}
			if err := ds.Drop(context.Background(), missing); err != nil {
				t.Errorf("Drop(%q) = %v", missing, err)
			}
		}
	})
}

func TestDatastoreCreateErrors(t *testing.T) {
	storagetest.Run(t, func(t *testing.T, db *storage.DB) {
		ds := dsOpen(t, db)
		for _, fields := range [][]catalog.DatastoreField{
			nil,
			{{ID: "_id", Type: catalog.DatastoreInt}},
			{{ID: "_full_text", Type: catalog.DatastoreText}},
			{{ID: "a", Type: catalog.DatastoreText}, {ID: "a", Type: catalog.DatastoreInt}},
			{{ID: "a", Type: "varchar"}},
			{{ID: "", Type: catalog.DatastoreText}},
		} {
			if w, err := ds.Create(context.Background(), fields); err == nil {
				w.Abort()
				t.Errorf("Create(%v) succeeded", fields)
			}
		}
		objs, err := storage.DatastoreObjects(ds)
		if err != nil || len(objs) != 0 {
			t.Errorf("left behind: %v, %v", objs, err)
		}
	})
}

func TestDatastoreAppendErrors(t *testing.T) {
	storagetest.Run(t, func(t *testing.T, db *storage.DB) {
		ds := dsOpen(t, db)
		for _, tc := range []struct {
			row  []string
			want []string
		}{
			{[]string{"01053", "Bourg", "quarante", "", "", "", "", ""}, []string{"row 2", `"population"`, "quarante", "integer"}},
			{[]string{"01053", "Bourg", "", "3858,04", "", "", "", ""}, []string{"row 2", `"montant"`, "number"}},
			{[]string{"01053", "Bourg", "", "NaN", "", "", "", ""}, []string{"row 2", `"montant"`}},
			{[]string{"01053", "Bourg", "", "", "15/03/2021", "", "", ""}, []string{"row 2", `"date_decision"`}},
			{[]string{"01053", "Bourg", "", "", "", "demain", "", ""}, []string{"row 2", `"maj"`}},
			{[]string{"01053", "Bourg", "", "", "", "", "oui", ""}, []string{"row 2", `"actif"`}},
			{[]string{"01053", "Bourg"}, []string{"row 2", "2 values", "8 fields"}},
		} {
			w, err := ds.Create(context.Background(), dsCommunesFields)
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Append(dsCommunesRows[0]); err != nil {
				t.Fatal(err)
			}
			err = w.Append(tc.row)
			if err == nil || !containsAll(err.Error(), tc.want...) {
				t.Errorf("Append(%q) = %v, want %q", tc.row, err, tc.want)
			}
			w.Abort()
		}
	})
}

func TestDatastoreAbortAndDrop(t *testing.T) {
	storagetest.Run(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		ds := dsOpen(t, db)
		kept := dsLoad(t, ds, dsCommunesFields, dsCommunesRows)
		before, err := storage.DatastoreObjects(ds)
		if err != nil {
			t.Fatal(err)
		}

		// Abort in the middle of a load, with rows handed to the database.
		w, err := ds.Create(ctx, dsCommunesFields)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 5000 {
			if err := w.Append(dsCommunesRows[i%len(dsCommunesRows)]); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := ds.Info(ctx, w.Name()); catalog.ErrorKind(err) != catalog.KindNotFound {
			t.Errorf("Info during load = %v, want not found", err)
		}
		w.Abort()
		w.Abort()
		if _, err := w.Commit(); err == nil {
			t.Error("Commit after Abort succeeded")
		}
		if _, err := ds.Info(ctx, w.Name()); catalog.ErrorKind(err) != catalog.KindNotFound {
			t.Errorf("Info after Abort = %v, want not found", err)
		}
		after, err := storage.DatastoreObjects(ds)
		if err != nil || !slices.Equal(before, after) {
			t.Errorf("Abort left %v (before %v), %v", after, before, err)
		}

		// Abort after Commit does nothing.
		w, err = ds.Create(ctx, dsCommunesFields)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Commit(); err != nil {
			t.Fatal(err)
		}
		w.Abort()
		if info, err := ds.Info(ctx, w.Name()); err != nil || info.Rows != 0 {
			t.Errorf("empty table: %v, %v", info, err)
		}
		if res, err := ds.Search(ctx, w.Name(), catalog.DatastoreQuery{Limit: 10, IncludeTotal: true, Q: "x"}); err != nil || res.Total != 0 || len(res.Records) != 0 {
			t.Errorf("search empty table: %v, %v", res, err)
		}

		// Drop, twice; the other table stays.
		if _, err := ds.Search(ctx, w.Name(), catalog.DatastoreQuery{Limit: 1}); err != nil { // opened, then dropped
			t.Fatal(err)
		}
		for range 2 {
			if err := ds.Drop(ctx, w.Name()); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := ds.Info(ctx, w.Name()); catalog.ErrorKind(err) != catalog.KindNotFound {
			t.Errorf("Info after Drop = %v, want not found", err)
		}
		if _, err := ds.Search(ctx, w.Name(), catalog.DatastoreQuery{Limit: 1}); catalog.ErrorKind(err) != catalog.KindNotFound {
			t.Errorf("Search after Drop = %v, want not found", err)
		}
		if after, _ := storage.DatastoreObjects(ds); !slices.Equal(before, after) {
			t.Errorf("Drop left %v (before %v)", after, before)
		}
		if err := ds.Drop(ctx, kept); err != nil {
			t.Fatal(err)
		}
		if after, _ := storage.DatastoreObjects(ds); len(after) != 0 {
			t.Errorf("after dropping everything: %v", after)
		}
	})
}

func TestDatastoreCancelledLoad(t *testing.T) {
	storagetest.Run(t, func(t *testing.T, db *storage.DB) {
		ds := dsOpen(t, db)
		ctx, cancel := context.WithCancel(context.Background())
		w, err := ds.Create(ctx, dsCommunesFields)
		if err != nil {
			t.Fatal(err)
		}
		defer w.Abort()
		for i := range 100 {
			if err := w.Append(dsCommunesRows[i%len(dsCommunesRows)]); err != nil {
				t.Fatal(err)
			}
		}
		cancel()
		for i := 0; i < 20000 && err == nil; i++ {
			err = w.Append(dsCommunesRows[0])
		}
		if err == nil {
			_, err = w.Commit()
		}
		if err == nil {
			t.Fatal("a cancelled load committed")
		}
		w.Abort()
		if objs, _ := storage.DatastoreObjects(ds); len(objs) != 0 {
			t.Errorf("left behind: %v", objs)
		}
	})
}

func TestDatastoreDump(t *testing.T) {
	storagetest.Run(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		ds := dsOpen(t, db)
		name := dsLoad(t, ds, dsCommunesFields, dsCommunesRows)
		var got [][]any
		if err := ds.Dump(ctx, name, nil, func(row []any) error { got = append(got, row); return nil }); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, dsCommunesRecords) {
			t.Errorf("Dump = %v", got)
		}
		got = nil
		if err := ds.Dump(ctx, name, []string{"montant", "_id"}, func(row []any) error { got = append(got, row); return nil }); err != nil {
			t.Fatal(err)
		}
		if want := [][]any{{3858.04, int64(1)}, {1500.0, int64(2)}, {250000.5, int64(3)}, {-12.75, int64(4)}, {nil, int64(5)}}; !reflect.DeepEqual(got, want) {
			t.Errorf("Dump(montant, _id) = %v", got)
		}
		stop := errors.New("stop")
		n := 0
		err := ds.Dump(ctx, name, nil, func([]any) error { n++; return stop })
		if !errors.Is(err, stop) || n != 1 {
			t.Errorf("Dump stopped: %v after %d rows", err, n)
		}
	})
}

// dsBenchFields are the columns of the benchmark generator's files
// (../shared/bench/gen), typed as inference types them.
var dsBenchFields = []catalog.DatastoreField{
	{ID: "id", Type: catalog.DatastoreInt},
	{ID: "code_insee", Type: catalog.DatastoreText},
	{ID: "commune", Type: catalog.DatastoreText},
	{ID: "date_decision", Type: catalog.DatastoreDate},
	{ID: "montant", Type: catalog.DatastoreNumeric},
	{ID: "beneficiaire", Type: catalog.DatastoreText},
	{ID: "siret", Type: catalog.DatastoreText},
	{ID: "renouvellement", Type: catalog.DatastoreBool},
	{ID: "nature", Type: catalog.DatastoreText},
}

var (
	dsBenchCommunes = [][2]string{
		{"01053", "Bourg-en-Bresse"}, {"01004", "Ambérieu-en-Bugey"}, {"03185", "Montluçon"},
		{"08105", "Charleville-Mézières"}, {"13055", "Marseille"}, {"2A004", "Ajaccio"},
		{"2B033", "Bastia"}, {"30189", "Nîmes"}, {"42218", "Saint-Étienne"}, {"69123", "Lyon"},
		{"75056", "Paris"}, {"88160", "Épinal"}, {"94038", "L'Haÿ-les-Roses"}, {"97411", "Saint-Denis"},
	}
	dsBenchPrefixes = []string{"Association", "Association", "Comité des fêtes", "Club", "Amicale", "SARL", "Œuvre", "Centre communal d'action sociale"}
	dsBenchNames    = []string{"Les Amis du Patrimoine", "Sœurs de la Charité", "Théâtre de l’Étoile", "Jeunesse & Éducation Populaire",
		"Cœur de Ville", "Maison des Jeunes et de la Culture (MJC)", "Ça Bouge !", "Union Sportive", "Restos du Cœur", "Parents d'Élèves"}
	dsBenchNatures = []string{"Fonctionnement", "Fonctionnement", "Investissement", "Projet", "Équipement", "Exceptionnelle", ""}
)

// dsBenchRow fills row with the normalised values of generated row i: the
// generator's shapes (accents, leading zeros, decimal amounts, a few
// missing values), not its exact data.
func dsBenchRow(i int, row []string) {
	h := uint64(i+1) * 0x9E3779B97F4A7C15
	pick := func(n int) int { h ^= h >> 29; h *= 0xBF58476D1CE4E5B9; return int(h>>33) % n }
	c := dsBenchCommunes[pick(len(dsBenchCommunes))]
	row[0] = strconv.Itoa(i + 1)
	row[1], row[2] = c[0], c[1]
	row[3] = time.Date(2015, 1, 1+pick(3650), 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	row[4] = strconv.Itoa(50+pick(250000)) + "." + strconv.Itoa(10+pick(90))
	row[5] = dsBenchPrefixes[pick(len(dsBenchPrefixes))] + " " + dsBenchNames[pick(len(dsBenchNames))]
	if pick(3) == 0 {
		row[5] += " de " + c[1]
	}
	row[6] = fmt.Sprintf("%014d", pick(1e9)*100000+pick(1e5))
	row[7] = [...]string{"true", "false", ""}[pick(3)]
	row[8] = dsBenchNatures[pick(len(dsBenchNatures))]
	if pick(100) == 0 {
		row[3], row[4], row[6] = "", "", ""
	}
}

// dsBenchRows returns n generated rows.
func dsBenchRows(n int) [][]string {
	rows := make([][]string, n)
	for i := range rows {
		rows[i] = make([]string, len(dsBenchFields))
		dsBenchRow(i, rows[i])
	}
	return rows
}

// TestDatastoreConcurrentSearches runs searches on one table while another
// loads.
func TestDatastoreConcurrentSearches(t *testing.T) {
	storagetest.Run(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		ds := dsOpen(t, db)
		name := dsLoad(t, ds, dsCommunesFields, dsCommunesRows)
		done := make(chan struct{})
		var wg sync.WaitGroup
		errs := make(chan error, 100)
		for g := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := 0; ; n++ {
					select {
					case <-done:
						if n == 0 {
							errs <- fmt.Errorf("searcher %d never ran", g)
						}
						return
					default:
					}
					res, err := ds.Search(ctx, name, catalog.DatastoreQuery{Q: "lyon", Limit: 10, IncludeTotal: true})
					if err != nil || res.Total != 1 {
						errs <- fmt.Errorf("search: %v, %v", res, err)
						return
					}
				}
			}()
		}
		w, err := ds.Create(ctx, dsBenchFields)
		if err != nil {
			t.Fatal(err)
		}
		row := make([]string, len(dsBenchFields))
		for i := range 20000 {
			dsBenchRow(i, row)
			if err := w.Append(row); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := w.Commit(); err != nil {
			t.Fatal(err)
		}
		close(done)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		res, err := ds.Search(ctx, w.Name(), catalog.DatastoreQuery{Limit: 1, Offset: 19999, IncludeTotal: true})
		if err != nil || res.Total != 20000 || res.Records[0][0] != int64(20000) {
			t.Errorf("loaded table: %v, %v", res, err)
		}
	})
}

// TestDatastoreLargeLoad loads 100k rows and checks that memory stays flat.
func TestDatastoreLargeLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("100k rows")
	}
	storagetest.Run(t, func(t *testing.T, db *storage.DB) {
		ds := dsOpen(t, db)
		w, err := ds.Create(context.Background(), dsBenchFields)
		if err != nil {
			t.Fatal(err)
		}
		defer w.Abort()
		const n = 100_000
		row := make([]string, len(dsBenchFields))
		var heap, rss []uint64
		for i := range n {
			dsBenchRow(i, row)
			if err := w.Append(row); err != nil {
				t.Fatal(err)
			}
			if (i+1)%20_000 == 0 {
				var ms runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&ms)
				heap = append(heap, ms.HeapAlloc)
				rss = append(rss, dsReadRSS())
			}
		}
		if got, err := w.Commit(); err != nil || got != n {
			t.Fatalf("Commit = %d, %v", got, err)
		}
		t.Logf("heap %v, rss %v", heap, rss)
		if grow := int64(slices.Max(heap)) - int64(heap[0]); grow > 8<<20 {
			t.Errorf("Go heap grew by %d bytes from 20k to 100k rows: %v", grow, heap)
		}
		if rss[0] > 0 {
			if grow := int64(slices.Max(rss)) - int64(rss[0]); grow > 16<<20 {
				t.Errorf("RSS grew by %d bytes from 20k to 100k rows: %v", grow, rss)
			}
		}
		res, err := ds.Search(context.Background(), w.Name(), catalog.DatastoreQuery{
			Limit: 5, IncludeTotal: true, Filters: map[string][]string{"code_insee": {"2A004"}}, Sort: []catalog.SortKey{{Field: "montant", Desc: true}},
		})
		if err != nil || res.Total < 1000 || len(res.Records) != 5 {
			t.Errorf("search: %v, %v", res, err)
		}
	})
}

// dsReadRSS returns the process's resident set size in bytes, 0 when unknown.
func dsReadRSS() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// TestDatastoreSQLiteFiles checks the SQLite layout: one committed file per
// table, opened read-only, and that a stale scratch file from a crash is
// removed at start-up.
func TestDatastoreSQLiteFiles(t *testing.T) {
	db := storagetest.OpenSQLite(t)
	dataDir := filepath.Join(t.TempDir(), "données ?#%20&x=1") // URI characters in the path
	ds, err := storage.NewDatastore(db, dataDir)
	if err != nil {
		t.Fatal(err)
	}
	name := dsLoad(t, ds, dsCommunesFields, dsCommunesRows)
	dir := storage.DatastoreDir(ds)
	if dir != filepath.Join(dataDir, "datastore") {
		t.Errorf("dir = %q", dir)
	}
	if _, err := os.Stat(filepath.Join(dir, name+".db")); err != nil {
		t.Error(err)
	}
	stale := filepath.Join(dir, "t_0123456789abcdef0123456789abcdef.db.tmp")
	fresh := filepath.Join(dir, "t_fedcba9876543210fedcba9876543210.db.tmp")
	for _, p := range []string{stale, fresh} {
		if err := os.WriteFile(p, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-2 * time.Hour)
	os.Chtimes(stale, old, old)
	ds.(interface{ Close() error }).Close()
	if _, err := ds.Info(context.Background(), name); err == nil {
		t.Error("Info after Close succeeded")
	}

	ds, err = storage.NewDatastore(db, dataDir)
	if err != nil {
		t.Fatal(err)
	}
	defer ds.(interface{ Close() error }).Close()
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale scratch file kept: %v", err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("scratch file of a running load removed: %v", err)
	}
	if info, err := ds.Info(context.Background(), name); err != nil || info.Rows != 5 {
		t.Errorf("after reopening: %v, %v", info, err)
	}
	// Many tables: the cache of open files stays bounded and every table
	// still answers.
	var names []string
	for range 40 {
		names = append(names, dsLoad(t, ds, dsCommunesFields[:2], [][]string{{"01053", "Bourg-en-Bresse"}}))
	}
	for _, n := range append(names, names...) {
		if res, err := ds.Search(context.Background(), n, catalog.DatastoreQuery{Limit: 1, Q: "bourg"}); err != nil || len(res.Records) != 1 {
			t.Fatalf("Search(%s) = %v, %v", n, res, err)
		}
	}
}

// TestDatastorePostgresSchemas checks that two catalogues on one server
// keep their tables apart, and the dedicated schema a catalogue in public
// gets.
func TestDatastorePostgresSchemas(t *testing.T) {
	dbA := storagetest.OpenPostgres(t)
	a, b := dsOpen(t, dbA), dsOpen(t, storagetest.OpenPostgres(t))
	if storage.DatastoreSchema(a) == storage.DatastoreSchema(b) || !strings.HasPrefix(storage.DatastoreSchema(a), "test_") {
		t.Errorf("schemas %q and %q", storage.DatastoreSchema(a), storage.DatastoreSchema(b))
	}
	name := dsLoad(t, a, dsCommunesFields, dsCommunesRows)
	if _, err := b.Info(context.Background(), name); catalog.ErrorKind(err) != catalog.KindNotFound {
		t.Errorf("table of catalogue a seen from b: %v", err)
	}
	if err := b.Drop(context.Background(), name); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Info(context.Background(), name); err != nil {
		t.Errorf("b dropped a's table: %v", err)
	}

	schema := storage.DatastoreSchema(a) + "_ds"
	for range 2 { // the second time finds the schema made
		ds, err := storage.OpenPostgresDatastore(dbA, schema)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := storage.DropDatastoreSchema(ds); err != nil {
				t.Error(err)
			}
		})
		name := dsLoad(t, ds, dsCommunesFields, dsCommunesRows)
		res, err := ds.Search(context.Background(), name, catalog.DatastoreQuery{Limit: 10, Q: "lyon", IncludeTotal: true})
		if err != nil || res.Total != 1 || res.Records[0][0] != int64(4) {
			t.Errorf("search in schema %s: %v, %v", schema, res, err)
		}
		if _, err := a.Info(context.Background(), name); catalog.ErrorKind(err) != catalog.KindNotFound {
			t.Errorf("table of schema %s seen from the catalogue's: %v", schema, err)
		}
	}
}

// TestDatastoreFold checks that the loader's row folding is foldText.
func TestDatastoreFold(t *testing.T) {
	for _, vals := range [][]string{
		{"Saint-Étienne", "  L'Haÿ-les-Roses "},
		{"Œuvre & cœur", "ÉNERGIE — 2024"},
		{"Straße", "déjà_vu%", "Ελληνικά"},
		{"", "", "x"},
		{"100% des écoles (2A/2B) !", "3858.04", "2021-03-15T10:30:00"},
		{"e\u0301te\u0301", "Å", "ǅ", "ﬁ", "日本語", "\xff\xfe"},
	} {
		if got, want := storage.FoldRow(vals...), storage.FoldText(strings.Join(vals, " ")); got != want {
			t.Errorf("FoldRow(%q) = %q, want %q", vals, got, want)
		}
	}
}

func FuzzDatastoreFold(f *testing.F) {
	f.Add("Saint-Étienne", "Cœur de ville")
	f.Add("e\u0301", "\u0301x")
	f.Fuzz(func(t *testing.T, a, b string) {
		if !utf8.ValidString(a) || !utf8.ValidString(b) {
			t.Skip("values are UTF-8 once normalised") // and norm treats invalid bytes its own way
		}
		if got, want := storage.FoldRow(a, b), storage.FoldText(a+" "+b); got != want {
			t.Errorf("FoldRow(%q, %q) = %q, want %q", a, b, got, want)
		}
	})
}

// TestDatastoreQFieldsFold checks that a field search finds every value
// from its own text, its upper case and its folded form.
func TestDatastoreQFieldsFold(t *testing.T) {
	values := []string{
		"Straße", "Œuvre d'art", "Ærø", "Ça Bouge !", "e\u0301te\u0301 decompose", "ÅNGSTRÖM",
		"Łódź", "Ελληνικά", "Théâtre de l’Étoile", "L'Haÿ-les-Roses", "100 % (2A/2B)", "x_y", "Ça",
	}
	storagetest.Run(t, func(t *testing.T, db *storage.DB) {
		ds := dsOpen(t, db)
		rows := make([][]string, len(values))
		for i, v := range values {
			rows[i] = []string{v}
		}
		name := dsLoad(t, ds, []catalog.DatastoreField{{ID: "v", Type: catalog.DatastoreText}}, rows)
		for i, v := range values {
			for _, text := range []string{v, strings.ToUpper(v), storage.FoldText(v)} {
				res, err := ds.Search(context.Background(), name, catalog.DatastoreQuery{
					QFields: map[string]string{"v": text}, Fields: []string{"_id"}, Limit: 100,
				})
				if err != nil {
					t.Fatal(err)
				}
				found := false
				for _, r := range res.Records {
					found = found || r[0] == int64(i+1)
				}
				if !found {
					t.Errorf("q {v: %q} does not find %q (found %v)", text, v, res.Records)
				}
			}
		}
	})
}
