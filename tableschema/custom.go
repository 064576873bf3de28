package tableschema

import (
	"encoding/json"
	"fmt"
	"strings"
)

// CustomCheck is a Validata custom check declared by a schema
// ("custom_checks"): its name and parameters.
type CustomCheck struct {
	Name   string         `json:"name"`
	Params map[string]any `json:"params,omitempty"`
}

// The Validata custom checks this package runs, and their issue codes.
const (
	CheckFrenchSIRET   = "french-siret-value" // the column holds valid SIRET numbers
	CheckFrenchSIREN   = "french-siren-value" // the column holds valid SIREN numbers
	CheckOneOfRequired = "one-of-required"    // each row fills column1 or column2
)

func (p *parser) customChecks(raw json.RawMessage) {
	var checks []CustomCheck
	if err := decodeJSON(raw, &checks); err != nil {
		p.note("\"custom_checks\" is not a list of checks; ignored", "\"custom_checks\" n'est pas une liste de contrôles ; ignoré")
		return
	}
	var unknown []string
	for _, c := range checks {
		switch c.Name {
		case CheckFrenchSIRET, CheckFrenchSIREN:
			if col, _ := c.Params["column"].(string); col == "" {
				p.note("custom check %s has no column; ignored", "le contrôle spécifique %s n'a pas de colonne ; ignoré", c.Name)
				continue
			}
		case CheckOneOfRequired:
			c1, _ := c.Params["column1"].(string)
			c2, _ := c.Params["column2"].(string)
			if c1 == "" || c2 == "" {
				p.note("custom check %s needs column1 and column2; ignored", "le contrôle spécifique %s demande column1 et column2 ; ignoré", c.Name)
				continue
			}
		default:
			if !containsString(unknown, c.Name) {
				unknown = append(unknown, c.Name)
			}
			continue
		}
		p.s.CustomChecks = append(p.s.CustomChecks, c)
	}
	if len(unknown) > 0 {
		p.note("Validata custom checks not run: %s", "contrôles spécifiques de Validata non exécutés : %s", strings.Join(unknown, ", "))
	}
}

// luhn reports whether a string of digits passes the Luhn checksum.
func luhn(d string) bool {
	sum := 0
	double := false
	for i := len(d) - 1; i >= 0; i-- {
		n := int(d[i] - '0')
		if double {
			n *= 2
			if n > 9 {
				n -= 9
			}
		}
		sum += n
		double = !double
	}
	return sum%10 == 0
}

// compactNumber drops the spaces and dots people put in identifiers, as
// python-stdnum does.
func compactNumber(s string) string {
	if !strings.ContainsAny(s, " .") {
		return strings.TrimSpace(s)
	}
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '.' {
			return -1
		}
		return r
	}, s)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

// validSIREN checks a SIREN number: 9 digits with a Luhn checksum.
func validSIREN(s string) bool {
	s = compactNumber(s)
	return len(s) == 9 && allDigits(s) && luhn(s)
}

// validSIRET checks a SIRET number as python-stdnum (and so Validata)
// does: 14 digits with a Luhn checksum and a valid SIREN; La Poste's
// establishments (SIREN 356000000) use a sum of digits that is a multiple
// of 5 instead.
func validSIRET(s string) bool {
	s = compactNumber(s)
	if len(s) != 14 || !allDigits(s) {
		return false
	}
	if strings.HasPrefix(s, "356000000") && s != "35600000000048" {
		sum := 0
		for i := 0; i < len(s); i++ {
			sum += int(s[i] - '0')
		}
		return sum%5 == 0
	}
	return luhn(s) && luhn(s[:9])
}

// customCheck is a custom check ready to run on rows.
type customCheck struct {
	name       string
	col        int // french-siret/siren: the column, -1 when absent
	field      int
	col1, col2 int // one-of-required: the columns, -1 when absent
	f1, f2     int // and their fields (-1 when not in the schema)
	n1, n2     string
}

// startCustom prepares the schema's custom checks against the header and
// reports what can be told from it alone.
func (v *Validator) startCustom() {
	fieldIndex := func(name string) int {
		for i := range v.schema.Fields {
			if v.schema.Fields[i].Name == name {
				return i
			}
		}
		return -1
	}
	colOf := func(f int) int {
		if f < 0 {
			return -1
		}
		return v.match.fieldCol[f]
	}
	for _, c := range v.schema.CustomChecks {
		switch c.Name {
		case CheckFrenchSIRET, CheckFrenchSIREN:
			name, _ := c.Params["column"].(string)
			f := fieldIndex(name)
			if colOf(f) < 0 {
				continue // Validata ignores the check when the column is absent
			}
			v.custom = append(v.custom, customCheck{name: c.Name, field: f, col: colOf(f)})
		case CheckOneOfRequired:
			n1, _ := c.Params["column1"].(string)
			n2, _ := c.Params["column2"].(string)
			f1, f2 := fieldIndex(n1), fieldIndex(n2)
			cc := customCheck{name: c.Name, f1: f1, f2: f2, col1: colOf(f1), col2: colOf(f2), n1: n1, n2: n2}
			if cc.col1 < 0 && cc.col2 < 0 {
				is := Issue{Code: CheckOneOfRequired, Row: v.HeaderLine, Title: "One of two columns required", TitleFR: "Une des deux colonnes requises"}
				is.Message = fmt.Sprintf("columns `%s` and `%s` are both missing; at least one is needed", n1, n2)
				is.MessageFR = fmt.Sprintf("les colonnes `%s` et `%s` sont toutes deux manquantes ; au moins l'une est nécessaire", n1, n2)
				v.add(false, is)
				continue
			}
			v.custom = append(v.custom, cc)
		}
	}
}

// runCustom applies the custom checks to a row.
func (v *Validator) runCustom(line int, cells []string) {
	for _, c := range v.custom {
		switch c.name {
		case CheckFrenchSIRET, CheckFrenchSIREN:
			if c.col >= len(cells) {
				continue
			}
			s := cells[c.col]
			fc := v.comp.fields[c.field]
			if fc.isMissing(s) {
				continue
			}
			ok := validSIRET(s)
			if c.name == CheckFrenchSIREN {
				ok = validSIREN(s)
			}
			if ok {
				continue
			}
			v.nErrs++
			v.errCount[c.name]++
			if v.full() {
				continue
			}
			is := v.cellBase(line, colCheck{col: c.col, fc: fc}, s)
			is.Code = c.name
			what, whatFR, digits := "SIRET", "SIRET", 14
			if c.name == CheckFrenchSIREN {
				what, whatFR, digits = "SIREN", "SIREN", 9
			}
			is.Title, is.TitleFR = "Invalid "+what+" number", "Numéro "+whatFR+" invalide"
			is.Message = fmt.Sprintf("column `%s` expects a valid %s number (%d digits whose checksum holds); row %d has %s", fc.f.Name, what, digits, line, q(s))
			is.MessageFR = fmt.Sprintf("la colonne `%s` attend un numéro %s valide (%d chiffres dont la clé de contrôle est juste) ; la ligne %d contient %s", fc.f.Name, whatFR, digits, line, q(s))
			if t := strings.TrimSuffix(strings.TrimSpace(s), ".0"); t != s && (c.name == CheckFrenchSIRET && validSIRET(t) || c.name == CheckFrenchSIREN && validSIREN(t)) {
				is.Suggestion = t
				is.Message += "; write it " + q(t)
				is.MessageFR += " ; écrivez " + q(t)
			}
			v.errs = append(v.errs, is)
		case CheckOneOfRequired:
			if v.valued(c.f1, c.col1, cells) || v.valued(c.f2, c.col2, cells) {
				continue
			}
			v.nErrs++
			v.errCount[c.name]++
			if v.full() {
				continue
			}
			is := Issue{Code: c.name, Row: line, Title: "One of two columns required", TitleFR: "Une des deux colonnes requises"}
			is.Message = fmt.Sprintf("row %d needs a value in `%s` or `%s`", line, c.n1, c.n2)
			is.MessageFR = fmt.Sprintf("la ligne %d doit renseigner `%s` ou `%s`", line, c.n1, c.n2)
			v.errs = append(v.errs, is)
		}
	}
}

// valued reports whether a row has a value for field f in column col.
func (v *Validator) valued(f, col int, cells []string) bool {
	if f < 0 || col < 0 || col >= len(cells) {
		return false
	}
	return !v.comp.fields[f].isMissing(cells[col])
}
