package converters

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fixtureDir holds the real files of shared/fixtures/tabular, whose facts
// are listed in shared/fixtures/SOURCES.md.
const fixtureDir = "../../shared/fixtures/tabular"

func fixture(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(fixtureDir, name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared fixtures not found (%s): the tests in testdata_test.go cover the same cases", fixtureDir)
	}
	return p
}

// numericWidening accepts integer where the facts say number: the column
// holds only whole amounts (helios MONTANT_PAIEMENT: 105, 132, 1000…;
// Vendée montant: 292000 … 1.35e6), and integer is the narrower true type.
func numericWidening(_ string, want, got Type) bool {
	return want == TypeNumber && got == TypeInteger
}

// knownDeviations are facts of SOURCES.md that read otherwise, with why.
var knownDeviations = map[string]map[string]Type{
	// Xlongitude holds "à définir", "-0.I101419912", "6?07'44.1\"E"
	// besides numbers: a column gets a type only if every value fits.
	"bornes_irve_20190805.csv": {"Xlongitude": TypeString},
}

func TestFixtures(t *testing.T) {
	type fileFacts struct {
		file      string
		format    Format
		encoding  string
		bom       bool
		delimiter string
		tables    []tableFacts
		warnings  []string
	}
	siret := TypeString
	tests := []fileFacts{
		{file: "subventions_lot_2017_cp1252.csv", format: FormatCSV, encoding: EncodingCP1252, delimiter: ";",
			tables: []tableFacts{{headerLine: 1, rows: 13, types: map[string]Type{
				"idAttribuant": siret, "dateConvention": TypeDate, "montant": TypeNumber, "idBeneficiaire": siret}}}},
		{file: "subventions_somme_20180302_bom_cp1252.csv", format: FormatCSV, encoding: EncodingCP1252, bom: true, delimiter: ";",
			tables: []tableFacts{{headerLine: 1, rows: 41, types: map[string]Type{
				"idAttribuant": siret, "dateConvention": TypeDate, "montant": TypeNumber}}},
			warnings: []string{"byte-order mark but its text is windows-1252"}},
		{file: "subventions_poitiers_2017_multiline.csv", format: FormatCSV, encoding: EncodingUTF8, delimiter: ";",
			tables: []tableFacts{{headerLine: 1, rows: 562, types: map[string]Type{
				"COLL_SIRET": siret, "ATTRIB_SIRET": siret, "ACTE_DATE": TypeDate, "SUB_MONTANT": TypeNumber, "ANNEE": TypeInteger}}}},
		{file: "subventions_haute_garonne_roques.csv", format: FormatCSV, encoding: EncodingUTF8, delimiter: ";",
			tables: []tableFacts{{headerLine: 1, rows: 69, types: map[string]Type{
				"idAttribuant": siret, "dateConvention": TypeDate, "montant": TypeNumber, "idBeneficiaire": siret}}}},
		{file: "subventions_charente_maritime.xlsx", format: FormatXLSX,
			tables: []tableFacts{{sheet: "Subventions", headerLine: 1, rows: 101, types: map[string]Type{
				"idBeneficiaire": siret, "dateConvention": TypeDate, "montant": TypeNumber, "pourcentageSubvention": TypeInteger}}}},
		{file: "subventions_vendee_2018.xlsx", format: FormatXLSX,
			tables: []tableFacts{{sheet: "Rapport 1", headerLine: 1, rows: 4, types: map[string]Type{
				"idAttribuant": siret, "dateConvention": TypeDate, "montant": TypeNumber, "IdRAE": TypeString}}}},
		{file: "rei_dgfip_1987_two_sheets.xlsx", format: FormatXLSX, tables: []tableFacts{
			{sheet: "Notice", headerLine: 1, rows: 6},
			{sheet: "REI_1987", headerLine: 2, rows: 5, types: map[string]Type{
				"dep": TypeString, "DEPCOM": TypeString, "COM": TypeString, "B11": TypeInteger}}}},
		{file: "couverture_communes_repeated_header.csv", format: FormatCSV, encoding: EncodingUTF8, delimiter: ";",
			tables: []tableFacts{{headerLine: 1, rows: 404, types: map[string]Type{
				"NUMCOM": TypeString, "NUMEPCI": TypeString, "TXCOUVGLO_COM_2014": TypeNumber, "STRUCTURED_INFO": TypeString}}},
			warnings: []string{"2 copies of the header"}},
		{file: "dataconnexions_laureats.ods", format: FormatODS,
			tables: []tableFacts{{sheet: "Laureats du concours Dataconnexions_anonyme", headerLine: 1, rows: 3, types: map[string]Type{
				"Année": TypeInteger, "Date de la cérémonie": TypeDate, "Projet": TypeString}}}},
		{file: "dvf_valeurs_foncieres_2024_extrait.txt", format: FormatCSV, encoding: EncodingUTF8, delimiter: "|",
			tables: []tableFacts{{headerLine: 1, rows: 100, types: map[string]Type{
				"Date mutation": TypeDate, "Valeur fonciere": TypeNumber, "Code departement": TypeString,
				"No disposition": TypeString, "Code postal": TypeString}}}},
		{file: "irve_driveco_201215_latin1.csv", format: FormatCSV, encoding: EncodingLatin1, delimiter: ";",
			tables: []tableFacts{{headerLine: 1, rows: 882, types: map[string]Type{
				"code_insee": TypeString, "Xlongitude": TypeNumber, "nbre_pdc": TypeInteger, "date_maj": TypeDate}}}},
		{file: "ipc_afghanistan_title_rows_merged_header.xlsx", format: FormatXLSX,
			tables: []tableFacts{{sheet: "IPC", headerLine: 12, headerRows: 3, rows: 46, types: map[string]Type{
				"Area ID": TypeString, "Area Phase": TypeInteger, "Date of Analysis": TypeString}}},
			warnings: []string{"3 title lines", "2 footnote lines"}},
		{file: "formulas_cached_values.xlsx", format: FormatXLSX,
			tables: []tableFacts{{sheet: "Sheet1", headerLine: 1, rows: 5, types: map[string]Type{
				"peak PO4": TypeNumber, "actual PO4 (formula)": TypeNumber, "Sample Name": TypeString}}}},
		{file: "two_sheets.ods", format: FormatODS, tables: []tableFacts{
			{sheet: "Лист1", headerLine: 1, rows: 2, types: map[string]Type{"id": TypeInteger, "name": TypeString}},
			{sheet: "Tabelle2", headerLine: 1, rows: 1, types: map[string]Type{"a": TypeInteger, "b": TypeInteger, "c": TypeInteger}}}},
		{file: "minimal.tsv", format: FormatCSV, encoding: EncodingUTF8, delimiter: "tab",
			tables: []tableFacts{{headerLine: 1, rows: 3, types: map[string]Type{"id": TypeInteger, "name": TypeString}}}},
		{file: "laposte_hexasmal.csv", format: FormatCSV, encoding: EncodingUTF8, delimiter: ";",
			tables: []tableFacts{{headerLine: 1, rows: 39192, types: map[string]Type{
				"Code_commune_INSEE": TypeString, "Code_postal": TypeString, "coordonnees_gps": TypeString, "Nom_commune": TypeString}}}},
		{file: "bornes_irve_20190805.csv", format: FormatCSV, encoding: EncodingUTF8, delimiter: ";",
			tables: []tableFacts{{headerLine: 1, rows: 9687, types: map[string]Type{
				"code_insee": TypeString, "puiss_max": TypeString, "date_maj": TypeDate, "Xlongitude": TypeNumber}}}},
		{file: "arbres_utf8_bom.csv", format: FormatCSV, encoding: EncodingUTF8, bom: true, delimiter: ";",
			tables: []tableFacts{{headerLine: 1, rows: 4, types: map[string]Type{
				"code_postal": TypeString, "code_insee": TypeString, "date_plantation": TypeDate, "arbre_remarquable": TypeBoolean}}}},
		{file: "menus_collectifs_utf16_invalide.csv", format: FormatCSV, encoding: EncodingUTF16LE, bom: true, delimiter: ",",
			tables: []tableFacts{{headerLine: 1, rows: 1, types: map[string]Type{
				"menuCollSiret": TypeString, "menuRestaurantInsee": TypeString, "menuDate": TypeDate, "menuPlatPrix": TypeNumber}}},
			warnings: []string{"invalid UTF-16"}},
		{file: "helios_mandats_subventions.ods", format: FormatODS,
			tables: []tableFacts{{sheet: "data_subv_2025_SL5M_Jet4", headerLine: 1, rows: 7, types: map[string]Type{
				"ID": TypeString, "DATE_EMISSION": TypeDate, "MONTANT_PAIEMENT": TypeNumber, "IMMATRICULATION": TypeString}}}},
		{file: "subventions_numbers_export_title_rows.xlsx", format: FormatXLSX,
			tables: []tableFacts{{sheet: "Du 01-01-2023 au 30-06-2023", headerLine: 4, rows: 10, types: map[string]Type{
				"Identification de l'attributaire": TypeString, "Date de la convention": TypeDate,
				"N° SIRET": TypeString, "Montant total de la subvention": TypeInteger}}}},
		{file: "chorus_export_trailing_empty.xlsx", format: FormatXLSX, tables: []tableFacts{
			{sheet: "1. Extraction", headerLine: 1, rows: 7, types: map[string]Type{
				"N° EJ": TypeString, "Code taxe 1": TypeString, "Date de dernière opération sur la DP": TypeDate, "Montant payé": TypeNumber}},
			{sheet: "2. Extraction FEHBE", headerLine: 1, rows: 5, types: map[string]Type{
				"N° EJ": TypeString, "Code taxe 1": TypeString, "Date de dernière opération sur la DP": TypeDate, "Montant payé": TypeNumber}}}},
		{file: "subventions_dilcrah_2019_messy_header.csv", format: FormatCSV, encoding: EncodingUTF8, delimiter: ";",
			tables: []tableFacts{{headerLine: 1, rows: 4, types: map[string]Type{
				"Identification de l'attributaire*": TypeString, "Date de convention*": TypeDate,
				"Montant total de la subvention*":                                   TypeInteger,
				"Pourcentage du montant de la subvention attribué au bénéficiaire*": TypeNumber}}},
			warnings: []string{"mojibake"}},
		{file: "bdpm_cis_specialites_noheader.txt", format: FormatCSV, encoding: EncodingUTF8, delimiter: "tab",
			tables: []tableFacts{{headerLine: 0, rows: 15756, types: map[string]Type{
				"column_1": TypeInteger, "column_8": TypeDate, "column_12": TypeBoolean}}}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			rep, err := Inspect(fixture(t, tc.file), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Format != tc.format {
				t.Errorf("format %s, want %s", rep.Format, tc.format)
			}
			if rep.Encoding != tc.encoding || rep.BOM != tc.bom || rep.Delimiter != tc.delimiter {
				t.Errorf("encoding %s bom %v delimiter %q, want %s %v %q", rep.Encoding, rep.BOM, rep.Delimiter, tc.encoding, tc.bom, tc.delimiter)
			}
			if len(rep.Tables) != len(tc.tables) {
				t.Errorf("%d tables, want %d", len(rep.Tables), len(tc.tables))
			}
			known := knownDeviations[tc.file]
			for _, want := range tc.tables {
				checkTable(t, rep, want, func(col string, want, got Type) bool {
					if k, ok := known[col]; ok {
						return got == k
					}
					return numericWidening(col, want, got)
				})
			}
			for _, w := range tc.warnings {
				if !hasWarning(allWarnings(rep), w) {
					t.Errorf("no warning %q in %q", w, allWarnings(rep))
				}
			}
			checkWarningsFR(t, rep)
		})
	}
}

// The legacy Excel 97-2003 fixture is refused with a message telling the
// agent to save it as XLSX or ODS: no maintained Go reader handles it
// (shakinm/xlsReader v0.9.12, last released in 2022, panics on it).
func TestFixtureLegacyXLS(t *testing.T) {
	_, err := Inspect(fixture(t, "subventions_deux_sevres_legacy.xls"), Options{})
	e, ok := AsError(err)
	if !ok || e.Kind != KindUnsupported {
		t.Fatalf("err = %v, want an unsupported-format *Error", err)
	}
	if want := "save it as XLSX or ODS"; !strings.Contains(e.Msg, want) {
		t.Errorf("message %q does not say %q", e.Msg, want)
	}
	checkFrench(t, e)
}

// An ODS file named .xls is read as ODS: the format comes from the content.
func TestFixtureODSNamedXLS(t *testing.T) {
	data, err := os.ReadFile(fixture(t, "two_sheets.ods"))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "export.xls")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := Inspect(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Format != FormatODS || len(rep.Tables) != 2 {
		t.Errorf("format %s with %d tables, want ods with 2", rep.Format, len(rep.Tables))
	}
}
