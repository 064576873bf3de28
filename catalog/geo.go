package catalog

import (
	"slices"
	"strings"
)

// The official geographic code (COG) of départements and régions, as
// INSEE publishes it: a hundred entries that have not changed since the
// 2016 merger of régions, written here rather than fetched so that
// suggestions work offline. Communes (35,000, renamed and merged every
// year) are only known by their code.

// Place is an area of France a dataset covers.
type Place struct {
	// Level is commune, departement, region or country.
	Level string `json:"level"`
	Code  string `json:"code"`
	Name  string `json:"name,omitempty"`
	// URI names the place for dct:spatial: INSEE's URIs for French
	// areas, the EU country authority for France.
	URI string `json:"uri"`
}

// Place levels.
const (
	LevelCommune     = "commune"
	LevelDepartement = "departement"
	LevelRegion      = "region"
	LevelCountry     = "country"
)

// inseeGeo is the base of INSEE's geographic URIs.
const inseeGeo = "http://id.insee.fr/geo/"

// France is the EU authority's URI for the country.
const France = "http://publications.europa.eu/resource/authority/country/FRA"

type departement struct{ name, region string }

var regions = map[string]string{
	"01": "Guadeloupe",
	"02": "Martinique",
	"03": "Guyane",
	"04": "La Réunion",
	"06": "Mayotte",
	"11": "Île-de-France",
	"24": "Centre-Val de Loire",
	"27": "Bourgogne-Franche-Comté",
	"28": "Normandie",
	"32": "Hauts-de-France",
	"44": "Grand Est",
	"52": "Pays de la Loire",
	"53": "Bretagne",
	"75": "Nouvelle-Aquitaine",
	"76": "Occitanie",
	"84": "Auvergne-Rhône-Alpes",
	"93": "Provence-Alpes-Côte d'Azur",
	"94": "Corse",
}

var departements = map[string]departement{
	"01":  {"Ain", "84"},
	"02":  {"Aisne", "32"},
	"03":  {"Allier", "84"},
	"04":  {"Alpes-de-Haute-Provence", "93"},
	"05":  {"Hautes-Alpes", "93"},
	"06":  {"Alpes-Maritimes", "93"},
	"07":  {"Ardèche", "84"},
	"08":  {"Ardennes", "44"},
	"09":  {"Ariège", "76"},
	"10":  {"Aube", "44"},
	"11":  {"Aude", "76"},
	"12":  {"Aveyron", "76"},
	"13":  {"Bouches-du-Rhône", "93"},
	"14":  {"Calvados", "28"},
	"15":  {"Cantal", "84"},
	"16":  {"Charente", "75"},
	"17":  {"Charente-Maritime", "75"},
	"18":  {"Cher", "24"},
	"19":  {"Corrèze", "75"},
	"21":  {"Côte-d'Or", "27"},
	"22":  {"Côtes-d'Armor", "53"},
	"23":  {"Creuse", "75"},
	"24":  {"Dordogne", "75"},
	"25":  {"Doubs", "27"},
	"26":  {"Drôme", "84"},
	"27":  {"Eure", "28"},
	"28":  {"Eure-et-Loir", "24"},
	"29":  {"Finistère", "53"},
	"2A":  {"Corse-du-Sud", "94"},
	"2B":  {"Haute-Corse", "94"},
	"30":  {"Gard", "76"},
	"31":  {"Haute-Garonne", "76"},
	"32":  {"Gers", "76"},
	"33":  {"Gironde", "75"},
	"34":  {"Hérault", "76"},
	"35":  {"Ille-et-Vilaine", "53"},
	"36":  {"Indre", "24"},
	"37":  {"Indre-et-Loire", "24"},
	"38":  {"Isère", "84"},
	"39":  {"Jura", "27"},
	"40":  {"Landes", "75"},
	"41":  {"Loir-et-Cher", "24"},
	"42":  {"Loire", "84"},
	"43":  {"Haute-Loire", "84"},
	"44":  {"Loire-Atlantique", "52"},
	"45":  {"Loiret", "24"},
	"46":  {"Lot", "76"},
	"47":  {"Lot-et-Garonne", "75"},
	"48":  {"Lozère", "76"},
	"49":  {"Maine-et-Loire", "52"},
	"50":  {"Manche", "28"},
	"51":  {"Marne", "44"},
	"52":  {"Haute-Marne", "44"},
	"53":  {"Mayenne", "52"},
	"54":  {"Meurthe-et-Moselle", "44"},
	"55":  {"Meuse", "44"},
	"56":  {"Morbihan", "53"},
	"57":  {"Moselle", "44"},
	"58":  {"Nièvre", "27"},
	"59":  {"Nord", "32"},
	"60":  {"Oise", "32"},
	"61":  {"Orne", "28"},
	"62":  {"Pas-de-Calais", "32"},
	"63":  {"Puy-de-Dôme", "84"},
	"64":  {"Pyrénées-Atlantiques", "75"},
	"65":  {"Hautes-Pyrénées", "76"},
	"66":  {"Pyrénées-Orientales", "76"},
	"67":  {"Bas-Rhin", "44"},
	"68":  {"Haut-Rhin", "44"},
	"69":  {"Rhône", "84"},
	"70":  {"Haute-Saône", "27"},
	"71":  {"Saône-et-Loire", "27"},
	"72":  {"Sarthe", "52"},
	"73":  {"Savoie", "84"},
	"74":  {"Haute-Savoie", "84"},
	"75":  {"Paris", "11"},
	"76":  {"Seine-Maritime", "28"},
	"77":  {"Seine-et-Marne", "11"},
	"78":  {"Yvelines", "11"},
	"79":  {"Deux-Sèvres", "75"},
	"80":  {"Somme", "32"},
	"81":  {"Tarn", "76"},
	"82":  {"Tarn-et-Garonne", "76"},
	"83":  {"Var", "93"},
	"84":  {"Vaucluse", "93"},
	"85":  {"Vendée", "52"},
	"86":  {"Vienne", "75"},
	"87":  {"Haute-Vienne", "75"},
	"88":  {"Vosges", "44"},
	"89":  {"Yonne", "27"},
	"90":  {"Territoire de Belfort", "27"},
	"91":  {"Essonne", "11"},
	"92":  {"Hauts-de-Seine", "11"},
	"93":  {"Seine-Saint-Denis", "11"},
	"94":  {"Val-de-Marne", "11"},
	"95":  {"Val-d'Oise", "11"},
	"971": {"Guadeloupe", "01"},
	"972": {"Martinique", "02"},
	"973": {"Guyane", "03"},
	"974": {"La Réunion", "04"},
	"976": {"Mayotte", "06"},
}

// DepartementOfCommune returns the département of an INSEE commune code
// (five characters: 86194, 2A004, 97411), or false.
func DepartementOfCommune(code string) (string, bool) {
	code = strings.ToUpper(strings.TrimSpace(code))
	if len(code) != 5 || !digits(code[2:]) {
		return "", false
	}
	d := code[:2]
	if d == "97" {
		d = code[:3]
	} else if !digits(d) && d != "2A" && d != "2B" {
		return "", false
	}
	_, ok := departements[d]
	return d, ok
}

// DepartementOfPostalCode returns the département a postal code is in
// (86000 → 86, 97400 → 974, 20000 → 2A), or false. Postal codes follow
// départements except in Corsica, split by the third digit, and a few
// communes served from a neighbouring département's office: a covering
// area, not an address.
func DepartementOfPostalCode(code string) (string, bool) {
	code = strings.TrimSpace(code)
	if len(code) != 5 || !digits(code) {
		return "", false
	}
	d := code[:2]
	switch d {
	case "97":
		d = code[:3]
	case "20":
		d = "2B"
		if code[2] < '2' {
			d = "2A"
		}
	}
	_, ok := departements[d]
	return d, ok
}

// NormalizeDepartement returns a département code as the COG writes it
// ("1" → "01", "2a" → "2A"), or false.
func NormalizeDepartement(code string) (string, bool) {
	code = strings.ToUpper(strings.TrimSpace(code))
	if len(code) == 1 && digits(code) {
		code = "0" + code
	}
	_, ok := departements[code]
	return code, ok
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// Cover returns the smallest area holding every département given, or the
// commune when communes names exactly one. It returns false for none.
func Cover(deps []string, communes []string) (Place, bool) {
	if len(communes) == 1 {
		if d, ok := DepartementOfCommune(communes[0]); ok && (len(deps) == 0 || (len(deps) == 1 && deps[0] == d)) {
			c := strings.ToUpper(communes[0])
			return Place{Level: LevelCommune, Code: c, URI: inseeGeo + "commune/" + c}, true
		}
	}
	deps = slices.Compact(slices.Sorted(slices.Values(deps)))
	switch len(deps) {
	case 0:
		return Place{}, false
	case 1:
		d := departements[deps[0]]
		return Place{Level: LevelDepartement, Code: deps[0], Name: d.name, URI: inseeGeo + "departement/" + deps[0]}, true
	}
	region := departements[deps[0]].region
	for _, d := range deps[1:] {
		if departements[d].region != region {
			return Place{Level: LevelCountry, Code: "FRA", Name: "France", URI: France}, true
		}
	}
	return Place{Level: LevelRegion, Code: region, Name: regions[region], URI: inseeGeo + "region/" + region}, true
}
