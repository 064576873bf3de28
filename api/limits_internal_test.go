package api

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestLimiterMemory checks that a limiter forgets the buckets that have
// refilled and never holds more than maxBuckets.
func TestLimiterMemory(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := newLimiter(Rate{PerSecond: 10, Burst: 20}, func() time.Time { return now })
	for i := range 1000 {
		l.allow(fmt.Sprint("idle ", i))
	}
	now = now.Add(30 * time.Second)
	l.allow("recent")
	if n := l.size(); n != 1001 {
		t.Fatalf("%d buckets before the sweep interval, want 1001", n)
	}
	// A minute on, the idle ones have refilled (2 s) and go; the recent
	// one has too. Only the new client stays.
	now = now.Add(61 * time.Second)
	l.allow("new")
	if n := l.size(); n != 1 {
		t.Errorf("%d buckets after the sweep, want 1", n)
	}
	// A bucket still refilling is kept, with its debt.
	for range 20 {
		l.allow("busy")
	}
	if ok, _ := l.allow("busy"); ok {
		t.Fatal("21st request of a burst of 20 allowed")
	}
	now = now.Add(61 * time.Second)
	l.allow("busy") // refilled by now: allowed, and the bucket is swept on the next new key
	l.allow("other")
	if ok, _ := l.allow("busy"); !ok {
		t.Error("a refilled client refused")
	}
	// However many clients at once, at most maxBuckets are held.
	for i := range maxBuckets + 100 {
		l.allow(fmt.Sprint("many ", i))
	}
	if n := l.size(); n > maxBuckets {
		t.Errorf("%d buckets held, want at most %d", n, maxBuckets)
	}
}

// TestJSONTooDeep checks the byte scan against encoding/json's own view of
// nesting, on valid documents.
func TestJSONTooDeep(t *testing.T) {
	for _, tc := range []struct {
		doc   string
		depth int // levels of arrays and objects
	}{
		{`1`, 0},
		{`"[[[{{{"`, 0},
		{`{}`, 1},
		{`{"a": [1, {"b": []}]}`, 4},
		{`["\"[", "\\", "\\\"{{{", {"x": "]]]"}]`, 2},
		{`[[[[]]], [[[[]]]]]`, 5},
		{strings.Repeat("[", 40) + strings.Repeat("]", 40), 40},
	} {
		if !json.Valid([]byte(tc.doc)) {
			t.Fatalf("%s is not JSON", tc.doc)
		}
		for _, max := range []int{0, 1, 2, 3, 5, 32, 39, 40} {
			if got, want := jsonTooDeep([]byte(tc.doc), max), tc.depth > max; got != want {
				t.Errorf("jsonTooDeep(%s, %d) = %v, want %v", tc.doc, max, got, want)
			}
		}
	}
}

// FuzzJSONTooDeep checks that the byte scan agrees with a walk of
// json.Decoder tokens on every valid document, and never panics.
func FuzzJSONTooDeep(f *testing.F) {
	for _, s := range []string{`{}`, `[[["\\\""]]]`, `{"a": [{"b": "]"}]}`, `"\u005b"`, `[1, [2, [3]]]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		deep := jsonTooDeep(b, 3)
		if !json.Valid(b) {
			return
		}
		dec := json.NewDecoder(strings.NewReader(string(b)))
		depth, most := 0, 0
		for {
			tok, err := dec.Token()
			if err != nil {
				break
			}
			switch tok {
			case json.Delim('['), json.Delim('{'):
				depth++
				most = max(most, depth)
			case json.Delim(']'), json.Delim('}'):
				depth--
			}
		}
		if deep != (most > 3) {
			t.Errorf("jsonTooDeep(%q, 3) = %v, but it nests %d levels", b, deep, most)
		}
	})
}
