package ingest

import (
	"strconv"
	"testing"

	"github.com/passerelle/passerelle/catalog"
	"github.com/passerelle/passerelle/converters"
)

// On a long column the distinct count stops at MaxDistinct and the
// histogram, counted on a sample, still sums to the values and follows
// their spread.
func TestProfileLongColumn(t *testing.T) {
	p := newProfiler(&converters.Schema{Fields: []converters.Field{{Name: "n", Type: converters.TypeInteger}, {Name: "c", Type: converters.TypeString}}})
	const rows = 100_000
	for i := range rows {
		p.add([]string{strconv.Itoa(i), strconv.Itoa(i % 7)})
	}
	prof := p.profiles()
	n, c := prof[0], prof[1]
	if n.Min != "0" || n.Max != "99999" || !n.DistinctCapped || n.Distinct != catalog.MaxDistinct || c.Distinct != 7 || c.DistinctCapped {
		t.Fatalf("profiles = %+v, %+v", n, c)
	}
	var total int64
	for _, b := range n.Histogram {
		total += b.Count
		// Uniform values: each of 20 bins holds about 5 000 (the sample
		// is 2 048 values, so a bin's count varies by ~20 %).
		if b.Count < 3000 || b.Count > 7000 {
			t.Errorf("bin %+v", b)
		}
	}
	if len(n.Histogram) != 20 || total < rows-20 || total > rows+20 {
		t.Errorf("histogram %+v sums to %d", n.Histogram, total)
	}
}
