package tableschema_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/passerelle/passerelle/tableschema"
)

func ExampleNewValidator() {
	schema, err := tableschema.Parse([]byte(`{
		"name": "subventions",
		"fields": [
			{"name": "nomBeneficiaire", "constraints": {"required": true}},
			{"name": "montant", "type": "number", "constraints": {"required": true}}
		]
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	v := tableschema.NewValidator(schema, []string{"NOM_Beneficiaire", "montant"})
	v.HeaderLine = 1
	v.Row(2, []string{"Association Les Écureuils", "1500"})
	v.Row(3, []string{"Comité des fêtes", "1.234,5 €"})
	report := v.Report()
	fmt.Println("valid:", report.Valid, report.ErrorCounts, report.Mapping)
	for _, is := range report.Errors {
		fmt.Println(is.MessageFR)
	}
	// Output:
	// valid: false map[incorrect-label:1 type-error:1] map[NOM_Beneficiaire:nomBeneficiaire]
	// la colonne `NOM_Beneficiaire` (colonne 1) doit s'appeler `nomBeneficiaire` : son libellé n'en diffère que par la casse, les accents, les espaces ou la ponctuation ; elle a été contrôlée comme `nomBeneficiaire`
	// la colonne `montant` attend un nombre ; la ligne 3 contient `1.234,5 €` ; écrivez `1234.5` (chiffres seuls, sans unité ni séparateur de milliers)
}

func ExampleRegistry_Suggest() {
	reg := tableschema.NewRegistry()
	if err := reg.LoadDir("testdata/registry"); err != nil {
		// testdata/registry holds a broken file on purpose.
		fmt.Println(strings.Contains(err.Error(), "broken.json"))
	}
	for _, s := range reg.Suggest([]string{"annee", "montant", "section"}) {
		fmt.Printf("%s@%s %.2f missing %v\n", s.ID, s.Version, s.Confidence, s.Missing)
	}
	// Output:
	// true
	// demo/budget@1.0.0 1.00 missing []
}

func ExampleReport_WriteText() {
	schema, _ := tableschema.Parse([]byte(`{"name": "demo", "fields": [{"name": "actif", "type": "boolean", "trueValues": ["oui"], "falseValues": ["non"]}]}`))
	v := tableschema.NewValidator(schema, []string{"actif"})
	v.Row(2, []string{"Oui"})
	_ = v.Report().WriteText(os.Stdout, tableschema.English)
	// Output:
	// Schema: demo
	// Result: INVALID — 1 error, 0 warnings, 1 row checked
	// Errors by type: type-error 1
	//
	// Errors:
	// - Incorrect boolean value : column `actif` expects one of `oui` (true) or `non` (false); row 2 has `Oui`; write it `oui`
}
