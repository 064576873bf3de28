package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/passerelle/passerelle/storage/storagetest"
)

// datastoreAnswer is a datastore_search or datastore_info envelope, lists
// of records.
type datastoreAnswer struct {
	Success bool `json:"success"`
	Result  struct {
		Fields  []struct{ ID string } `json:"fields"`
		Records [][]any               `json:"records"`
		Total   int                   `json:"total"`
		Meta    struct{ Count int }   `json:"meta"`
	} `json:"result"`
	Error map[string]any `json:"error"`
}

// callAction posts a JSON body to an action straight to the router (no
// OpenAPI check: fuzzing wants speed) and decodes the answer.
func callAction(t testing.TB, h *harness, action string, body map[string]any) (int, []byte, datastoreAnswer) {
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, "/api/3/action/"+action, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.srv.Handler().ServeHTTP(rec, req)
	var a datastoreAnswer
	if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil {
		t.Fatalf("%s: the answer is not JSON (%v): %.300s", action, err, rec.Body.Bytes())
	}
	return rec.Code, rec.Body.Bytes(), a
}

// jsonOrText sends a fuzzed parameter as JSON when it is JSON (filters as
// an object, q as an object, fields and sort as lists), else as text.
func jsonOrText(s string) any {
	if json.Valid([]byte(s)) {
		return json.RawMessage(s)
	}
	return s
}

// FuzzDatastoreSearch sends fuzzed q, filters, fields and sort through
// datastore_search, from the request's JSON to the real SQLite table of
// an ingested file: the answer is a Validation or Search Query Error or
// rows of the table, never an SQL error or a 500, and the table and
// another one are unchanged.
func FuzzDatastoreSearch(f *testing.F) {
	h := newHarness(f, storagetest.OpenSQLite(f))
	h.createDataset("subventions", nil)
	upload := func(name, csv string) string {
		r := mustOK(f, h.upload("resource_create", h.editorA, map[string]string{"package_id": "subventions"}, name, []byte(csv)))
		return r.resultMap()["id"].(string)
	}
	table := upload("subventions.csv", subventionsCSV+"21860194600013;01/01/2018;'; DROP TABLE canary; --;x\" OR 1=1 --;;75056;non\r\n")
	other := upload("temoin.csv", "nom;valeur\r\ntémoin;1\r\n")
	h.runJobs()
	_, _, full := callAction(f, h, "datastore_search", map[string]any{"resource_id": table, "limit": 1000, "records_format": "lists"})
	if !full.Success || len(full.Result.Records) != 4 {
		f.Fatalf("the table was not ingested: %+v", full)
	}
	column := map[string]int{}
	for i, fd := range full.Result.Fields {
		column[fd.ID] = i
	}
	counts := map[string]int{table: 4, other: 1}

	for _, s := range [][4]string{
		{"Musée", "", "", ""},
		{`{"nom_beneficiaire": "écureuils"}`, `{"verse": true}`, `["montant", "nom_beneficiaire"]`, "montant desc"},
		{"", `{"code_insee": ["2A004", "86194"]}`, "_id,code_insee", `"code_insee" asc, _id desc`},
		{`x" OR 1=1 --`, `{"montant\" OR 1=1 --": "1"}`, `nom_beneficiaire"; DROP TABLE canary; --`, "montant; DROP TABLE canary"},
		{"'", `{"date_convention": "2017-12-21' OR '1'='1"}`, "*", `"_full_text" desc`},
		{`{"_full_text": "1"}`, `{"_id": 1}`, `["_id"]`, `["_id desc", "montant"]`},
		{"100%_", `{"montant": "3858.04"}`, "", `""`},
		{"", `{"nom_beneficiaire": "x\" OR 1=1 --"}`, "nom_beneficiaire", "nom_beneficiaire"},
	} {
		f.Add(s[0], s[1], s[2], s[3], false)
		f.Add(s[0], s[1], s[2], s[3], true)
	}
	f.Fuzz(func(t *testing.T, q, filters, fields, sort string, distinct bool) {
		body := map[string]any{"resource_id": table, "records_format": "lists", "limit": 50, "distinct": distinct}
		for k, v := range map[string]string{"q": q, "filters": filters, "fields": fields, "sort": sort} {
			if v != "" {
				body[k] = jsonOrText(v)
			}
		}
		input := fmt.Sprintf("q=%q filters=%q fields=%q sort=%q distinct=%v", q, filters, fields, sort, distinct)
		status, raw, a := callAction(t, h, "datastore_search", body)
		if storagetest.LeaksSQL(string(raw)) {
			t.Fatalf("%s: input reached SQL text: %s", input, raw)
		}
		switch {
		case status == http.StatusOK && a.Success:
			if a.Result.Total < len(a.Result.Records) || a.Result.Total > counts[table] {
				t.Fatalf("%s: total %d for %d records", input, a.Result.Total, len(a.Result.Records))
			}
			for _, rec := range a.Result.Records {
				if !isProjection(rec, a.Result.Fields, full.Result.Records, column) {
					t.Fatalf("%s: record %v is no row of the table", input, rec)
				}
			}
		case status == http.StatusConflict && a.Error["__type"] == "Validation Error",
			status == http.StatusBadRequest && (a.Error["__type"] == "Search Query Error" || strings.HasPrefix(fmt.Sprint(a.Error["message"]), "JSON Error")):
		default:
			t.Fatalf("%s: %d %s", input, status, raw)
		}
		for id, n := range counts {
			if _, _, info := callAction(t, h, "datastore_info", map[string]any{"resource_id": id}); !info.Success || info.Result.Meta.Count != n {
				t.Fatalf("%s: table of %s after the search: %+v", input, id, info)
			}
		}
	})
}

// isProjection reports whether rec, with these fields, is the projection
// of one of rows (the whole table, column giving a field's place in it).
func isProjection(rec []any, fields []struct{ ID string }, rows [][]any, column map[string]int) bool {
	if len(rec) != len(fields) {
		return false
	}
next:
	for _, row := range rows {
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
