package ingest

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/passerelle/passerelle/catalog"
	"github.com/passerelle/passerelle/converters"
)

// profiler computes each column's catalog.FieldProfile from the
// normalised values of the rows as they load.
type profiler struct {
	fields []fieldStats
}

type fieldStats struct {
	name       string
	typ        converters.Type
	filled     int64
	min, max   string
	minF, maxF float64
	// A column whose name says it holds place codes: its codes, the
	// départements they are in, and how many values were not codes.
	geo                string
	codes              map[string]struct{}
	deps               map[string]struct{}
	matched, unmatched int64
}

func newProfiler(schema *converters.Schema) *profiler {
	p := &profiler{fields: make([]fieldStats, len(schema.Fields))}
	for i, f := range schema.Fields {
		fs := &p.fields[i]
		fs.name, fs.typ = f.Name, f.Type
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
		switch fs.typ {
		case converters.TypeDate, converters.TypeDatetime:
			// ISO 8601 values order as strings.
			if fs.filled == 1 || v < fs.min {
				fs.min = v
			}
			if fs.filled == 1 || v > fs.max {
				fs.max = v
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
		}
		if fs.geo != "" {
			fs.addCode(v)
		}
	}
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
		out[i] = catalog.FieldProfile{Field: fs.name, Filled: fs.filled, Min: strings.Clone(fs.min), Max: strings.Clone(fs.max)}
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
		k := squash(n)
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

// squash lower-cases a name and drops accents, spaces and punctuation.
func squash(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}
