package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// The generator makes the same catalogue for a given seed: dataset i is
// drawn from its own random stream, so that any worker can make any
// dataset and a 10k catalogue is the first tenth of the 100k one.
//
// Words follow Zipf-like frequencies: a few topics ("données", "commune",
// "liste"…) appear everywhere, most are rare, as in a real portal. The
// topic list is ordered by rank; "budget" sits where it matches a few per
// cent of the datasets (data.gouv.fr: about 2 %), not a third.

// topics are the subjects of datasets, most frequent first. Each is a
// short noun phrase used in titles, notes and (folded) tags.
var topics = []string{
	// 0–19: everywhere
	"données", "commune", "liste", "équipements", "services publics", "population", "territoire",
	"adresses", "localisation", "statistiques", "associations", "transports", "logements",
	"écoles", "voirie", "entreprises", "environnement", "santé", "culture", "emploi",
	// 20–59: common, budget among them
	"bâtiments", "parkings", "stationnement", "déchets", "eau potable", "énergie", "espaces verts",
	"arbres", "élections", "subventions", "marchés publics", "délibérations", "sport", "budget", "tourisme",
	"bibliothèques", "piscines", "pistes cyclables", "vélos", "circulation", "accidents",
	"collecte", "qualité de l'air", "bruit", "patrimoine", "urbanisme", "permis de construire",
	"cadastre", "parcelles", "commerces", "marchés", "crèches", "restauration scolaire", "collèges",
	"lycées", "effectifs", "agents", "horaires", "arrêts de bus", "gares", "tramway",
	// 60–119
	"dépenses", "recettes", "comptes administratifs", "dette", "fiscalité", "impôts locaux",
	"investissements", "dotations", "consommation électrique", "consommation de gaz", "chauffage urbain",
	"assainissement", "tri sélectif", "recyclage", "compostage", "pollution", "inondations",
	"risques naturels", "climat", "émissions de gaz à effet de serre", "photovoltaïque", "éolien",
	"biodiversité", "jardins partagés", "parcs", "naissances", "décès", "mariages", "état civil",
	"chômage", "revenus", "pauvreté", "aides sociales", "logement social", "seniors", "petite enfance",
	"handicap", "hôpitaux", "pharmacies", "médecins", "défibrillateurs", "police municipale",
	"vidéoprotection", "incendies", "sécurité routière", "wifi public", "fibre optique",
	"couverture mobile", "quartiers", "limites administratives", "cantons", "IRIS", "musées",
	"théâtres", "cinémas", "festivals", "monuments historiques", "archives",
	// 120–: rare
	"médiathèques", "gymnases", "stades", "clubs sportifs", "hébergements touristiques", "hôtels",
	"campings", "restaurants", "artisanat", "agriculture", "exploitations agricoles",
	"zones d'activité", "bornes de recharge", "covoiturage", "autopartage", "taxis", "métro",
	"ponts", "routes départementales", "trafic routier", "comptages", "vitesse", "radars",
	"conseil municipal", "arrêtés", "actes administratifs", "organigramme", "mairies annexes",
	"annuaire", "bureaux de vote", "résultats électoraux", "listes électorales", "recensement",
	"démographie", "migrations", "étudiants", "universités", "formation professionnelle",
	"apprentissage", "périscolaire", "cantines", "menus", "allergènes", "aires de jeux",
	"toilettes publiques", "fontaines", "bancs", "éclairage public", "signalisation", "travaux",
	"chantiers", "nuisances", "déneigement", "propreté", "encombrants", "déchèteries",
	"conteneurs à verre", "points d'apport volontaire", "eaux pluviales", "nappes phréatiques",
	"rivières", "zones humides", "forêts", "chasse", "pêche", "faune", "flore", "espèces protégées",
	"sites naturels", "sentiers de randonnée", "itinéraires cyclables", "véloroutes", "ports",
	"aéroports", "fret", "logistique", "foncier", "friches", "zonage", "plan local d'urbanisme",
	"lotissements", "copropriétés", "loyers", "vacance", "habitat indigne", "rénovation énergétique",
	"diagnostics de performance énergétique", "précarité énergétique", "gaz", "électricité",
	"réseaux de chaleur", "hydrogène", "biomasse", "géothermie", "marchés de plein vent",
	"foires", "brocantes", "associations sportives", "jumelages", "coopération", "culte",
	"cimetières", "concessions funéraires", "animaux", "fourrière", "vétérinaires", "noms de rues",
	"numérotation", "points d'intérêt", "bornes incendie", "réserves d'eau", "séismes",
	"mouvements de terrain", "canicule", "îlots de chaleur", "ombrages", "végétalisation",
}

// fields are column names that notes say a file holds.
var fields = []string{
	"la date", "le montant", "le code INSEE", "l'adresse", "la latitude", "la longitude", "le nom",
	"la catégorie", "le nombre", "la surface", "le statut", "le type", "la commune", "le quartier",
	"l'année", "le mois", "le bénéficiaire", "l'objet", "la durée", "le numéro SIRET",
}

var services = []string{
	"des finances", "de l'urbanisme", "de l'environnement", "des systèmes d'information",
	"de la communication", "des ressources humaines", "de la mobilité", "de la culture",
	"des sports", "de l'éducation", "des affaires sociales", "de la voirie", "de l'état civil",
	"du développement économique", "de la propreté", "des espaces verts",
}

var frequencies = []string{"ANNUAL", "MONTHLY", "IRREG", "DAILY", "QUARTERLY", "WEEKLY", "NEVER", "CONT", "BIENNIAL"}
var themes = []string{"GOVE", "ECON", "ENVI", "SOCI", "TRAN", "EDUC", "HEAL", "ENER", "REGI", "AGRI", "TECH", "JUST", "INTR"}
var granularities = []string{"commune", "iris", "département", "région", "pays", "adresse", "bâtiment"}

// formats are resource formats with their weights (per cent).
var formats = []struct {
	name, ext, mime string
	weight          int
}{
	{"CSV", "csv", "text/csv", 35}, {"PDF", "pdf", "application/pdf", 15},
	{"XLSX", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", 14},
	{"JSON", "json", "application/json", 10}, {"GeoJSON", "geojson", "application/geo+json", 6},
	{"ODS", "ods", "application/vnd.oasis.opendocument.spreadsheet", 5}, {"XML", "xml", "application/xml", 4},
	{"ZIP", "zip", "application/zip", 4}, {"SHP", "zip", "application/zip", 3}, {"HTML", "html", "text/html", 4},
}

var licences = []struct {
	id     string
	weight int
}{
	{"lov2", 55}, {"odc-odbl", 15}, {"fr-lo", 10}, {"cc-by", 8}, {"notspecified", 5},
	{"cc-by-sa", 3}, {"cc-zero", 2}, {"other-open", 2},
}

var communes = []string{
	"Paris", "Marseille", "Lyon", "Toulouse", "Nice", "Nantes", "Montpellier", "Strasbourg", "Bordeaux",
	"Lille", "Rennes", "Reims", "Toulon", "Saint-Étienne", "Le Havre", "Grenoble", "Dijon", "Angers",
	"Nîmes", "Villeurbanne", "Clermont-Ferrand", "Le Mans", "Aix-en-Provence", "Brest", "Tours",
	"Amiens", "Limoges", "Annecy", "Perpignan", "Boulogne-Billancourt", "Metz", "Besançon", "Orléans",
	"Saint-Denis", "Argenteuil", "Rouen", "Mulhouse", "Montreuil", "Caen", "Nancy", "Saint-Paul",
	"Roubaix", "Tourcoing", "Nanterre", "Vitry-sur-Seine", "Avignon", "Créteil", "Poitiers",
	"Dunkerque", "Aubervilliers", "Versailles", "Aulnay-sous-Bois", "Asnières-sur-Seine", "Colombes",
	"Pau", "Rueil-Malmaison", "La Rochelle", "Champigny-sur-Marne", "Antibes", "Saint-Maur-des-Fossés",
	"Cannes", "Calais", "Béziers", "Colmar", "Bourges", "Drancy", "Mérignac", "Saint-Nazaire",
	"Valence", "Ajaccio", "Issy-les-Moulineaux", "Levallois-Perret", "Quimper", "La Seyne-sur-Mer",
	"Noisy-le-Grand", "Villeneuve-d'Ascq", "Neuilly-sur-Seine", "Troyes", "Antony", "Cergy",
	"Sarcelles", "Niort", "Chambéry", "Lorient", "Les Abymes", "Hyères", "Vénissieux", "Pessac",
	"Ivry-sur-Seine", "Cholet", "Beauvais", "Clichy", "Villejuif", "Montauban", "Fréjus", "Chelles",
	"Épinay-sur-Seine", "Évry-Courcouronnes", "Meaux", "Arles", "Bayonne", "Vannes", "Narbonne",
	"Blois", "Brive-la-Gaillarde", "Laval", "Albi", "Carcassonne", "Belfort", "Gap", "Auxerre",
	"Mâcon", "Chartres", "Angoulême", "Périgueux", "Tarbes", "Agen", "Châteauroux", "Nevers",
	"Saint-Brieuc", "Alès", "Montluçon", "Lannion", "Sète",
}

var departements = []string{
	"de l'Ain", "de l'Aisne", "de l'Allier", "de l'Ardèche", "des Ardennes", "de l'Ariège", "de l'Aube",
	"de l'Aude", "de l'Aveyron", "des Bouches-du-Rhône", "du Calvados", "du Cantal", "de la Charente",
	"du Cher", "de la Corrèze", "de la Côte-d'Or", "des Côtes-d'Armor", "de la Creuse", "de la Dordogne",
	"du Doubs", "de la Drôme", "de l'Eure", "du Finistère", "du Gard", "du Gers", "de la Gironde",
	"de l'Hérault", "d'Ille-et-Vilaine", "de l'Indre", "de l'Isère", "du Jura", "des Landes",
	"de la Loire-Atlantique", "du Loiret", "du Lot", "de la Manche", "de la Marne", "du Morbihan",
	"du Nord", "de l'Oise",
}

var regions = []string{
	"Auvergne-Rhône-Alpes", "Bourgogne-Franche-Comté", "Bretagne", "Centre-Val de Loire", "Corse",
	"Grand Est", "Hauts-de-France", "Île-de-France", "Normandie", "Nouvelle-Aquitaine", "Occitanie",
	"Pays de la Loire", "Provence-Alpes-Côte d'Azur",
}

// org is one publisher.
type org struct {
	Name, Title, Place string
}

// organizations returns the 200 publishers, largest first: 120 cities,
// 40 départements, 13 régions and 27 métropoles.
func organizations() []org {
	var out []org
	for _, c := range communes {
		out = append(out, org{Title: "Ville de " + c, Place: c})
	}
	for _, d := range departements {
		out = append(out, org{Title: "Département " + d, Place: "le département " + d})
	}
	for _, r := range regions {
		out = append(out, org{Title: "Région " + r, Place: "la région " + r})
	}
	for _, c := range communes[:200-len(out)] {
		out = append(out, org{Title: "Métropole de " + c, Place: "la métropole de " + c})
	}
	for i := range out {
		out[i].Name = slug(out[i].Title, 100)
	}
	// Interleave so that big cities, départements and régions all rank
	// high: rank order is a fixed shuffle.
	rng := rand.New(rand.NewPCG(7, 7))
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// zipf draws ranks 0…n-1 with probability proportional to 1/(rank+1)^s.
type zipf struct{ cdf []float64 }

func newZipf(n int, s float64) *zipf {
	z := &zipf{cdf: make([]float64, n)}
	sum := 0.0
	for i := range n {
		sum += 1 / math.Pow(float64(i+1), s)
		z.cdf[i] = sum
	}
	for i := range z.cdf {
		z.cdf[i] /= sum
	}
	return z
}

func (z *zipf) draw(rng *rand.Rand) int {
	return min(sort.SearchFloat64s(z.cdf, rng.Float64()), len(z.cdf)-1)
}

// Generator makes datasets.
type Generator struct {
	Seed   uint64
	orgs   []org
	topic  *zipf
	orgZ   *zipf
	field  *zipf
	format []int // format index per weight unit
	lic    []int
}

// NewGenerator returns the generator of seed.
func NewGenerator(seed uint64) *Generator {
	g := &Generator{
		Seed: seed, orgs: organizations(),
		topic: newZipf(len(topics), 1.0), orgZ: newZipf(200, 0.8), field: newZipf(len(fields), 0.8),
	}
	for i, f := range formats {
		for range f.weight {
			g.format = append(g.format, i)
		}
	}
	for i, l := range licences {
		for range l.weight {
			g.lic = append(g.lic, i)
		}
	}
	return g
}

// Orgs returns the organisations to create before the datasets.
func (g *Generator) Orgs() []map[string]any {
	out := make([]map[string]any, len(g.orgs))
	for i, o := range g.orgs {
		out[i] = map[string]any{
			"name": o.Name, "title": o.Title,
			"description": "Données ouvertes publiées par " + o.Title + ".",
		}
	}
	return out
}

// OrgName returns the name of the organisation of rank i (0: the largest
// publisher).
func (g *Generator) OrgName(i int) string { return g.orgs[i].Name }

// Dataset returns the package_create body of dataset i.
func (g *Generator) Dataset(i int) map[string]any {
	rng := rand.New(rand.NewPCG(g.Seed, uint64(i)))
	o := g.orgs[g.orgZ.draw(rng)]
	t := func() string { return topics[g.topic.draw(rng)] }
	year := 2010 + rng.IntN(16)
	main, second := t(), t()
	var title string
	switch rng.IntN(7) {
	case 0:
		title = fmt.Sprintf("%s %d", capitalize(main), year)
	case 1:
		title = fmt.Sprintf("%s de %s", capitalize(main), o.Place)
	case 2:
		title = fmt.Sprintf("Liste des %s", main)
	case 3:
		title = fmt.Sprintf("%s et %s en %d", capitalize(main), second, year)
	case 4:
		title = fmt.Sprintf("Localisation : %s", main)
	case 5:
		title = fmt.Sprintf("%s – %s (%d)", capitalize(main), second, year)
	default:
		title = fmt.Sprintf("%s par quartier", capitalize(main))
	}
	var notes strings.Builder
	for s := range 2 + rng.IntN(4) {
		if s > 0 {
			notes.WriteByte(' ')
		}
		switch rng.IntN(6) {
		case 0:
			fmt.Fprintf(&notes, "Ce jeu de données présente %s de %s pour l'année %d.", main, o.Place, year)
		case 1:
			fmt.Fprintf(&notes, "Les données sont produites par le service %s et mises à jour régulièrement.", services[rng.IntN(len(services))])
		case 2:
			fmt.Fprintf(&notes, "Il recense %s et %s sur le territoire.", t(), t())
		case 3:
			fmt.Fprintf(&notes, "Chaque ligne indique %s, %s et %s.", fields[g.field.draw(rng)], fields[g.field.draw(rng)], fields[g.field.draw(rng)])
		case 4:
			fmt.Fprintf(&notes, "Voir aussi les données sur %s.", t())
		default:
			fmt.Fprintf(&notes, "Ces informations concernent %s, dans le cadre de la politique de %s.", second, t())
		}
	}
	seen := map[string]bool{}
	var tags []map[string]any
	for _, topic := range append([]string{main}, tagDraws(rng, t)...) {
		tag := slug(topic, 100)
		if !seen[tag] && len([]rune(tag)) >= 2 {
			seen[tag] = true
			tags = append(tags, map[string]any{"name": tag})
		}
	}
	name := slug(title, 80) + "-" + strconv.FormatInt(int64(i), 36)
	d := map[string]any{
		"name": name, "title": title, "notes": notes.String(), "owner_org": o.Name,
		"license_id": licences[g.lic[rng.IntN(len(g.lic))]].id, "tags": tags,
	}
	if rng.IntN(3) == 0 {
		d["author"] = "Service " + services[rng.IntN(len(services))]
		d["author_email"] = "opendata@" + o.Name + ".fr"
	}
	if rng.IntN(2) == 0 {
		d["frequency"] = frequencies[rng.IntN(len(frequencies))]
	}
	if rng.IntN(3) > 0 {
		d["temporal_start"] = fmt.Sprintf("%d-01-01", year)
		d["temporal_end"] = fmt.Sprintf("%d-12-31", year)
	}
	if rng.IntN(3) == 0 {
		d["theme"] = []string{themes[rng.IntN(len(themes))]}
	}
	var extras []map[string]any
	if rng.IntN(2) == 0 {
		extras = append(extras, map[string]any{"key": "granularite", "value": granularities[rng.IntN(len(granularities))]})
	}
	if rng.IntN(4) == 0 {
		extras = append(extras, map[string]any{"key": "source", "value": "Service " + services[rng.IntN(len(services))]})
	}
	if len(extras) > 0 {
		d["extras"] = extras
	}
	n := 1 + min(rng.IntN(5), rng.IntN(5)) // 1–5, mostly 1 or 2
	res := make([]map[string]any, n)
	for r := range n {
		f := formats[g.format[rng.IntN(len(g.format))]]
		rd := map[string]any{
			"name":   fmt.Sprintf("%s (%s)", capitalize(main), f.name),
			"url":    fmt.Sprintf("https://data.%s.fr/fichiers/%d/%d.%s", o.Name, i, r, f.ext),
			"format": f.name, "mimetype": f.mime,
		}
		if rng.IntN(3) == 0 {
			rd["description"] = fmt.Sprintf("Fichier de %s, %d.", t(), year)
		}
		if rng.IntN(2) == 0 {
			rd["size"] = 1000 + rng.IntN(5_000_000)
		}
		res[r] = rd
	}
	d["resources"] = res
	return d
}

// tagDraws returns 0–5 more topics for tags.
func tagDraws(rng *rand.Rand, t func() string) []string {
	out := make([]string, rng.IntN(6))
	for i := range out {
		out[i] = t()
	}
	return out
}

func capitalize(s string) string {
	for i, r := range s {
		return string(unicode.ToUpper(r)) + s[i+len(string(r)):]
	}
	return s
}

// slug folds accents, lowercases and joins words with "-", as CKAN names
// and data.gouv.fr tags are made.
func slug(s string, max int) string {
	var b strings.Builder
	dash := false
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		default:
			dash = true
		}
	}
	out := b.String()
	if len(out) > max {
		out = strings.TrimRight(out[:max], "-")
	}
	return out
}
