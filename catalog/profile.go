package catalog

// FieldProfile describes the values of one column of an ingested table,
// computed while it loads: what suggestions (temporal and spatial
// coverage) and pages (a column's range and fill rate) need without
// reading the table again.
type FieldProfile struct {
	Field string `json:"field"`
	// Filled counts non-empty values.
	Filled int64 `json:"filled"`
	// Min and Max are the smallest and largest values of a date,
	// date-time, integer or number column, as normalised (ISO 8601 dates,
	// dot decimals).
	Min string `json:"min,omitempty"`
	Max string `json:"max,omitempty"`
	// Distinct counts the different values, exactly up to MaxDistinct;
	// DistinctCapped says there are more.
	Distinct       int64 `json:"distinct"`
	DistinctCapped bool  `json:"distinct_capped,omitempty"`
	// Histogram spreads a date or number column's values over bins of
	// equal width between Min and Max, counted on a sample of the rows
	// and scaled to Filled.
	Histogram []HistogramBin `json:"histogram,omitempty"`
	// Geo is set on a column of commune, postal or département codes.
	Geo *GeoCoverage `json:"geo,omitempty"`
}

// HistogramBin is one bar of a histogram: values in [Lo, Hi) (the last
// bin includes Hi), written as the column's values are.
type HistogramBin struct {
	Lo    string `json:"lo"`
	Hi    string `json:"hi"`
	Count int64  `json:"count"`
}

// MaxDistinct bounds the values a profile remembers to count distinct
// ones.
const MaxDistinct = 5000

// GeoCoverage is the area a column of place codes covers.
type GeoCoverage struct {
	// Kind is commune (INSEE code), postal_code or departement.
	Kind string `json:"kind"`
	// Distinct counts the different codes (up to MaxGeoCodes), Commune
	// is the only commune code when there is one.
	Distinct int    `json:"distinct"`
	Commune  string `json:"commune,omitempty"`
	// Departements are the départements the codes are in, sorted.
	Departements []string `json:"departements"`
}

// Kinds of place-code columns.
const (
	GeoCommune     = "commune"
	GeoPostalCode  = "postal_code"
	GeoDepartement = "departement"
)

// MaxGeoCodes bounds the distinct codes a profile keeps while it counts:
// more than France has communes.
const MaxGeoCodes = 40_000
