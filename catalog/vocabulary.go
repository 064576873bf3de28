package catalog

import "strings"

// EU controlled vocabularies (publications.europa.eu authority tables) used
// by DCAT-AP for dct:accrualPeriodicity and dcat:theme.
const (
	FrequencyBase = "http://publications.europa.eu/resource/authority/frequency/"
	DataThemeBase = "http://publications.europa.eu/resource/authority/data-theme/"
)

// frequencyCodes are the EU frequency authority codes we accept.
var frequencyCodes = []string{
	"1MIN", "5MIN", "10MIN", "15MIN", "30MIN", "HOURLY", "BIHOURLY", "TRIHOURLY", "12HRS",
	"CONT", "UPDATE_CONT", "DAILY", "DAILY_2", "WEEKLY", "WEEKLY_2", "WEEKLY_3",
	"BIWEEKLY", "MONTHLY", "MONTHLY_2", "MONTHLY_3", "BIMONTHLY", "QUARTERLY",
	"ANNUAL", "ANNUAL_2", "ANNUAL_3", "BIENNIAL", "TRIENNIAL", "QUADRENNIAL",
	"QUINQUENNIAL", "DECENNIAL", "IRREG", "NEVER", "OTHER", "UNKNOWN", "OP_DATPRO",
}

// udataFrequencies maps udata's frequency ids to EU codes, the way udata's
// own RDF mapping reads them back (udata/core/dataset/rdf.py).
var udataFrequencies = map[string]string{
	"unknown": "UNKNOWN", "punctual": "NEVER", "continuous": "UPDATE_CONT",
	"hourly": "HOURLY", "fourtimesaday": "DAILY", "threetimesaday": "DAILY",
	"semidaily": "DAILY_2", "daily": "DAILY", "fourtimesaweek": "WEEKLY_3",
	"threetimesaweek": "WEEKLY_3", "semiweekly": "WEEKLY_2", "weekly": "WEEKLY",
	"biweekly": "BIWEEKLY", "threetimesamonth": "MONTHLY_3", "semimonthly": "MONTHLY_2",
	"monthly": "MONTHLY", "bimonthly": "BIMONTHLY", "quarterly": "QUARTERLY",
	"threetimesayear": "ANNUAL_3", "semiannual": "ANNUAL_2", "annual": "ANNUAL",
	"biennial": "BIENNIAL", "triennial": "TRIENNIAL", "quinquennial": "QUINQUENNIAL",
	"irregular": "IRREG",
}

// NormalizeFrequency turns a frequency given as an EU frequency URI, an EU
// code ("MONTHLY") or a udata id ("monthly") into the EU URI. It returns
// false when the value names no known frequency.
func NormalizeFrequency(v string) (string, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", true
	}
	code := v
	if rest, ok := strings.CutPrefix(v, FrequencyBase); ok {
		code = rest
	} else if rest, ok := strings.CutPrefix(v, "https://publications.europa.eu/resource/authority/frequency/"); ok {
		code = rest
	} else if c, ok := udataFrequencies[strings.ToLower(v)]; ok {
		code = c
	}
	for _, c := range frequencyCodes {
		if strings.EqualFold(c, code) {
			return FrequencyBase + c, true
		}
	}
	return "", false
}

// DataTheme is one concept of the EU data-theme vocabulary.
type DataTheme struct {
	Code    string // "ECON"
	LabelFR string
	LabelEN string
}

// URI returns the concept's URI in the EU data-theme vocabulary.
func (t DataTheme) URI() string { return DataThemeBase + t.Code }

var dataThemes = []DataTheme{
	{"AGRI", "Agriculture, pêche, sylviculture et alimentation", "Agriculture, fisheries, forestry and food"},
	{"ECON", "Économie et finances", "Economy and finance"},
	{"EDUC", "Éducation, culture et sport", "Education, culture and sport"},
	{"ENER", "Énergie", "Energy"},
	{"ENVI", "Environnement", "Environment"},
	{"GOVE", "Gouvernement et secteur public", "Government and public sector"},
	{"HEAL", "Santé", "Health"},
	{"INTR", "Questions internationales", "International issues"},
	{"JUST", "Justice, système juridique et sécurité publique", "Justice, legal system and public safety"},
	{"REGI", "Régions et villes", "Regions and cities"},
	{"SOCI", "Population et société", "Population and society"},
	{"TECH", "Science et technologie", "Science and technology"},
	{"TRAN", "Transports", "Transport"},
	{"OP_DATPRO", "Données provisoires", "Provisional data"},
}

// DataThemes returns the EU data themes in vocabulary order.
func DataThemes() []DataTheme { return append([]DataTheme(nil), dataThemes...) }

// NormalizeTheme turns a data theme given as its EU URI or its code ("ECON")
// into the URI. It returns false when the value is not an EU data theme.
func NormalizeTheme(v string) (string, bool) {
	v = strings.TrimSpace(v)
	code := v
	if rest, ok := strings.CutPrefix(v, DataThemeBase); ok {
		code = rest
	} else if rest, ok := strings.CutPrefix(v, "https://publications.europa.eu/resource/authority/data-theme/"); ok {
		code = rest
	}
	for _, t := range dataThemes {
		if strings.EqualFold(t.Code, code) {
			return t.URI(), true
		}
	}
	return "", false
}
