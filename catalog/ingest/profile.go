package ingest

import (
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/passerelle/passerelle/catalog"
	"github.com/passerelle/passerelle/converters"
	"github.com/passerelle/passerelle/tableschema"
)

// profiler computes each column's catalog.FieldProfile from the
// normalised values of the rows as they load.
type profiler struct {
	fields []fieldStats
	rng    *rand.Rand
}

type fieldStats struct {
	name       string
	typ        converters.Type
	filled     int64
	min, max   string
	minF, maxF float64
	// Values seen, until there are more than MaxDistinct.
	distinct map[string]struct{}
	capped   bool
	// A uniform sample of the values of a date or number column, as
	// numbers (dates: days since 1970), for the histogram.
	sample []float64
	seen   int64
	// A column whose name says it holds place codes: its codes, the
	// départements they are in, and how many values were not codes.
	geo                string
	codes              map[string]struct{}
	deps               map[string]struct{}
	matched, unmatched int64
}

// sampleSize is how many values of a column make its histogram; bins how
// many bars it has.
const (
	sampleSize = 2048
	bins       = 20
)

func newProfiler(schema *converters.Schema) *profiler {
	p := &profiler{fields: make([]fieldStats, len(schema.Fields)), rng: rand.New(rand.NewPCG(1, 2))}
	for i, f := range schema.Fields {
		fs := &p.fields[i]
		fs.name, fs.typ = f.Name, f.Type
		fs.distinct = map[string]struct{}{}
		if f.Type != converters.TypeDate && f.Type != converters.TypeDatetime && f.Type != converters.TypeBoolean && f.Type != converters.TypeNumber {
			fs.geo = geoKind(f.Name, f.Title)
		}
		if fs.geo != "" {
			fs.codes, fs.deps = map[string]struct{}{}, map[string]struct{}{}
		}
	}
	return p
}

// add takes one row of normalised values.
func (p *profiler) add(vals []string) {
	for i := range p.fields {
		v := vals[i]
		if v == "" {
			continue
		}
		fs := &p.fields[i]
		fs.filled++
		if !fs.capped {
			if _, ok := fs.distinct[v]; !ok {
				if len(fs.distinct) == catalog.MaxDistinct {
					fs.capped, fs.distinct = true, nil
				} else {
					fs.distinct[strings.Clone(v)] = struct{}{}
				}
			}
		}
		switch fs.typ {
		case converters.TypeDate, converters.TypeDatetime:
			// ISO 8601 values order as strings.
			if fs.filled == 1 || v < fs.min {
				fs.min = v
			}
			if fs.filled == 1 || v > fs.max {
				fs.max = v
			}
			if k := p.slot(fs); k >= 0 {
				if d, ok := daysOf(v); ok {
					fs.put(k, d)
				}
			}
		case converters.TypeInteger, converters.TypeNumber:
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				break // a value kept as read
			}
			if fs.min == "" || f < fs.minF {
				fs.min, fs.minF = v, f
			}
			if fs.max == "" || f > fs.maxF {
				fs.max, fs.maxF = v, f
			}
			if k := p.slot(fs); k >= 0 {
				fs.put(k, f)
			}
		}
		if fs.geo != "" {
			fs.addCode(v)
		}
	}
}

// slot says where the value just seen goes in the column's sample
// (reservoir sampling: each value has the same chance to be kept), or -1.
func (p *profiler) slot(fs *fieldStats) int {
	fs.seen++
	if fs.seen <= sampleSize {
		return int(fs.seen - 1)
	}
	if k := p.rng.Int64N(fs.seen); k < sampleSize {
		return int(k)
	}
	return -1
}

func (fs *fieldStats) put(k int, f float64) {
	if k == len(fs.sample) {
		fs.sample = append(fs.sample, f)
	} else if k < len(fs.sample) {
		fs.sample[k] = f
	}
}

// dateLayouts are the forms normalised dates and date-times take.
var dateLayouts = []string{"2006-01-02", "2006-01-02T15:04:05", "2006-01-02T15:04:05Z07:00", "2006-01-02T15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999"}

// daysOf reads a normalised date or date-time as days since 1970.
func daysOf(v string) (float64, bool) {
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, v); err == nil {
			return float64(t.Unix()) / 86400, true
		}
	}
	return 0, false
}

// histogram spreads the sample over bins of equal width between the
// column's smallest and largest values, counts scaled to all its values.
func (fs *fieldStats) histogram() []catalog.HistogramBin {
	if len(fs.sample) == 0 {
		return nil
	}
	lo, hi := slices.Min(fs.sample), slices.Max(fs.sample)
	if fs.typ == converters.TypeInteger || fs.typ == converters.TypeNumber {
		lo, hi = fs.minF, fs.maxF // exact, the sample's may not be
	} else if a, ok := daysOf(fs.min); ok {
		if b, ok := daysOf(fs.max); ok {
			lo, hi = a, b
		}
	}
	n := bins
	if fs.typ == converters.TypeInteger || fs.typ == converters.TypeDate {
		// Bins of a whole unit at least: no two bars with one label.
		n = min(n, int(hi-lo))
	}
	if hi <= lo || n < 1 {
		n = 1
	}
	counts := make([]int64, n)
	for _, f := range fs.sample {
		k := 0
		if n > 1 {
			k = min(n-1, max(0, int((f-lo)/(hi-lo)*float64(n))))
		}
		counts[k]++
	}
	scale := float64(fs.seen) / float64(len(fs.sample))
	out := make([]catalog.HistogramBin, n)
	width := (hi - lo) / float64(n)
	for k := range out {
		a, b := lo+float64(k)*width, lo+float64(k+1)*width
		if k == n-1 {
			b = hi
		}
		out[k] = catalog.HistogramBin{Lo: fs.format(a), Hi: fs.format(b), Count: int64(math.Round(float64(counts[k]) * scale))}
	}
	return out
}

// format writes a bin edge as the column writes its values.
func (fs *fieldStats) format(f float64) string {
	switch fs.typ {
	case converters.TypeDate:
		return time.Unix(int64(math.Round(f*86400)), 0).UTC().Format("2006-01-02")
	case converters.TypeDatetime:
		return time.Unix(int64(math.Round(f*86400)), 0).UTC().Format("2006-01-02T15:04:05")
	case converters.TypeInteger:
		return strconv.FormatFloat(math.Round(f), 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'g', 6, 64)
}

func (fs *fieldStats) addCode(v string) {
	var dep string
	var ok bool
	switch fs.geo {
	case catalog.GeoCommune:
		dep, ok = catalog.DepartementOfCommune(v)
	case catalog.GeoPostalCode:
		dep, ok = catalog.DepartementOfPostalCode(v)
	default:
		dep, ok = catalog.NormalizeDepartement(v)
	}
	if !ok {
		fs.unmatched++
		return
	}
	fs.matched++
	fs.deps[dep] = struct{}{}
	if _, seen := fs.codes[v]; !seen && len(fs.codes) < catalog.MaxGeoCodes {
		fs.codes[strings.Clone(v)] = struct{}{}
	}
}

// profiles returns the columns' profiles.
func (p *profiler) profiles() []catalog.FieldProfile {
	out := make([]catalog.FieldProfile, len(p.fields))
	for i := range p.fields {
		fs := &p.fields[i]
		out[i] = catalog.FieldProfile{Field: fs.name, Filled: fs.filled, Min: strings.Clone(fs.min), Max: strings.Clone(fs.max),
			Distinct: int64(len(fs.distinct)), DistinctCapped: fs.capped, Histogram: fs.histogram()}
		if fs.capped {
			out[i].Distinct = catalog.MaxDistinct
		}
		// Place codes when nine values in ten at least are codes: a
		// column named so but holding names or other things says nothing.
		if fs.geo == "" || fs.matched == 0 || fs.matched*10 < (fs.matched+fs.unmatched)*9 {
			continue
		}
		g := &catalog.GeoCoverage{Kind: fs.geo, Distinct: len(fs.codes), Departements: slices.Sorted(maps.Keys(fs.deps))}
		if fs.geo == catalog.GeoCommune && len(fs.codes) == 1 {
			for c := range fs.codes {
				g.Commune = strings.ToUpper(c)
			}
		}
		out[i].Geo = g
	}
	return out
}

// geoKind tells from a column's name or label whether it holds commune
// (INSEE), postal or département codes, as French tables name them
// (codeInsee, COG, depcom, code_postal, CP, num_dep…).
func geoKind(names ...string) string {
	for _, n := range names {
		k := tableschema.NormalizeLabel(n)
		switch {
		case k == "":
		case strings.Contains(k, "postal") || k == "cp":
			return catalog.GeoPostalCode
		case strings.Contains(k, "siren") || strings.Contains(k, "siret"):
		case strings.Contains(k, "insee") || strings.Contains(k, "codecommune") || strings.Contains(k, "codecom") ||
			k == "depcom" || k == "cog" || k == "codegeo" || k == "comcode":
			return catalog.GeoCommune
		case strings.Contains(k, "departement") || k == "dep" || k == "dept" || k == "codedep" || k == "coddep" ||
			k == "numdep" || k == "numdept" || k == "codedept":
			return catalog.GeoDepartement
		}
	}
	return ""
}
