package api

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
)

// objectRecords writes what encoding/json writes for the same values, with
// the keys in the fields' order.
func TestObjectRecords(t *testing.T) {
	rec := objectRecords{keys: []string{"_id", "nom", "montant", "ok", "vide", "<html>"}, rows: [][]any{
		{int64(1), "Association « Écureuils »\n\t\"cités\" \\ \x01 \u2028 \xff", 3858.04, true, nil, "<b>&</b>"},
		{int64(-9007199254740993), "", 1e21, false, nil, ""},
		{int64(0), "x", 1e-7, false, 0.000001, 123456789.125},
	}}
	got, err := rec.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(got) || !bytes.HasPrefix(got, []byte(`[{"_id":1,"nom":`)) {
		t.Fatalf("output %s", got)
	}
	for i, row := range rec.rows {
		for j, v := range row {
			want := marshalNoHTML(v)
			b, err := appendJSONValue(nil, v)
			if err != nil || !bytes.Equal(b, want) {
				t.Errorf("row %d field %d: %s, want %s", i, j, b, want)
			}
		}
	}
	if b, _ := appendJSONValue(nil, math.NaN()); string(b) != "null" {
		t.Errorf("NaN → %s", b)
	}
}

func FuzzJSONString(f *testing.F) {
	for _, s := range []string{"", "abc", "é\u2028\u2029", "\x00\x1f\"\\", "\xff\xfe", "<>&"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := appendJSONString(nil, s)
		if want := marshalNoHTML(s); !bytes.Equal(got, want) {
			t.Fatalf("%q → %s, want %s", s, got, want)
		}
	})
}

func FuzzJSONFloat(f *testing.F) {
	for _, v := range []float64{0, 1, -1.5, 1e21, 1e20, 1e-6, 1e-7, 123456789.125, math.MaxFloat64, math.SmallestNonzeroFloat64} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v float64) {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return
		}
		want, _ := json.Marshal(v)
		got, _ := appendJSONValue(nil, v)
		if !bytes.Equal(got, want) {
			t.Fatalf("%v → %s, want %s", v, got, want)
		}
	})
}

// marshalNoHTML encodes v as the response encoder does: without escaping
// <, > and & (SetEscapeHTML(false)).
func marshalNoHTML(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}
