package tableschema

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// cut shortens a value to n characters for a message or an issue.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

// q quotes a value for a message.
func q(s string) string { return "`" + cut(s, 80) + "`" }

// typeDesc says what a field expects, in English and French.
func typeDesc(fc *fieldCheck) (string, string) {
	f := fc.f
	switch fc.kind {
	case kString:
		switch fc.strFormat {
		case fmtEmail:
			return "an email address", "une adresse électronique"
		case fmtURI:
			return "a full web address (URL) such as https://…", "une adresse web (URL) complète, par exemple https://…"
		case fmtUUID:
			return "a UUID", "un UUID"
		case fmtBinary:
			return "base64-encoded data", "des données encodées en base64"
		}
		return "text", "du texte"
	case kNumber:
		en, fr := "a number", "un nombre"
		var xe, xf []string
		if fc.nf.decimal != "." {
			xe = append(xe, "decimal separator "+q(fc.nf.decimal))
			xf = append(xf, "séparateur décimal "+q(fc.nf.decimal))
		}
		if fc.nf.group != "" {
			xe = append(xe, "thousands separator "+q(fc.nf.group))
			xf = append(xf, "séparateur de milliers "+q(fc.nf.group))
		}
		if len(xe) > 0 {
			en += " (" + strings.Join(xe, ", ") + ")"
			fr += " (" + strings.Join(xf, ", ") + ")"
		}
		return en, fr
	case kInteger:
		return "a whole number", "un nombre entier"
	case kBoolean:
		return "one of " + valueList(fc.trueVals, "or") + " (true) or " + valueList(fc.falseVals, "or") + " (false)",
			"l'une des valeurs " + valueList(fc.trueVals, "ou") + " (vrai) ou " + valueList(fc.falseVals, "ou") + " (faux)"
	case kDate:
		switch {
		case fc.anyFormat:
			return "a date", "une date"
		case fc.layout != nil:
			en, fr := humanLayout(fc.layout.src)
			return "a date written " + en, "une date au format " + fr
		}
		return "a date written YYYY-MM-DD", "une date au format AAAA-MM-JJ"
	case kDatetime:
		switch {
		case fc.anyFormat:
			return "a date and time", "une date et heure"
		case fc.layout != nil:
			en, fr := humanLayout(fc.layout.src)
			return "a date and time written " + en, "une date et heure au format " + fr
		}
		return "a date and time written YYYY-MM-DDThh:mm:ss", "une date et heure au format AAAA-MM-JJThh:mm:ss"
	case kTime:
		switch {
		case fc.anyFormat:
			return "a time", "une heure"
		case fc.layout != nil:
			en, fr := humanLayout(fc.layout.src)
			return "a time written " + en, "une heure au format " + fr
		}
		return "a time written hh:mm:ss", "une heure au format hh:mm:ss"
	case kYear:
		return "a year of 4 digits", "une année sur 4 chiffres"
	case kYearmonth:
		return "a year and month written YYYY-MM", "une année et un mois au format AAAA-MM"
	case kDuration:
		return "an ISO 8601 duration such as P1Y2M or PT30M", "une durée ISO 8601, par exemple P1Y2M ou PT30M"
	case kGeopoint:
		switch fc.geoFormat {
		case "array":
			return "a point written [lon, lat]", "un point au format [lon, lat]"
		case "object":
			return `a point written {"lon": …, "lat": …}`, `un point au format {"lon": …, "lat": …}`
		}
		return "a point written `lon, lat`", "un point au format `lon, lat`"
	case kGeojson:
		if fc.geoFormat == "topojson" {
			return "a TopoJSON object", "un objet TopoJSON"
		}
		return "a GeoJSON object", "un objet GeoJSON"
	case kObject:
		return "a JSON object", "un objet JSON"
	case kArray:
		return "a JSON array", "un tableau JSON"
	}
	return f.Type, f.Type
}

// valueList writes `a`, `b` or `c`.
func valueList(vals []string, or string) string {
	parts := make([]string, len(vals))
	for i, v := range vals {
		parts[i] = q(v)
	}
	if len(parts) <= 1 {
		return strings.Join(parts, "")
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " " + or + " " + parts[len(parts)-1]
}

// typeTitle is Validata's name for a type error.
func typeTitle(k kind) (string, string) {
	switch k {
	case kDate, kDatetime:
		return "Incorrect date format", "Format de date incorrect"
	case kTime:
		return "Incorrect time format", "Format d'heure incorrect"
	case kYear:
		return "Incorrect year format", "Format d'année incorrect"
	case kNumber:
		return "Incorrect number format", "Format de nombre incorrect"
	case kInteger:
		return "Incorrect integer format", "Format entier incorrect"
	case kString:
		return "Incorrect string format", "Format de chaîne incorrect"
	case kBoolean:
		return "Incorrect boolean value", "Valeur booléenne incorrecte"
	}
	return "Incorrect type", "Type incorrect"
}

var constraintTitles = map[string][2]string{
	"required":         {"Empty cell", "Cellule vide"},
	"unique":           {"Value already present", "Valeur déjà présente"},
	"minLength":        {"Value too short", "Valeur trop courte"},
	"maxLength":        {"Value too long", "Valeur trop longue"},
	"minimum":          {"Value too small", "Valeur trop petite"},
	"maximum":          {"Value too large", "Valeur trop grande"},
	"exclusiveMinimum": {"Value too small", "Valeur trop petite"},
	"exclusiveMaximum": {"Value too large", "Valeur trop grande"},
	"pattern":          {"Incorrect format", "Format incorrect"},
	"enum":             {"Incorrect value", "Valeur incorrecte"},
}

func (v *Validator) cellBase(line int, cc colCheck, s string) Issue {
	return Issue{
		Row:    line,
		Column: cc.col + 1,
		Label:  v.header[cc.col],
		Field:  cc.fc.f.Name,
		Value:  cut(s, maxValue),
	}
}

// cellIssue describes a failed cell: what the column expects, what the
// row has, and how to fix it when that can be guessed.
func (v *Validator) cellIssue(line int, cc colCheck, s string, f failure) Issue {
	fc := cc.fc
	is := v.cellBase(line, cc, s)
	is.Code, is.Constraint = f.code, f.constraint
	col := "`" + fc.f.Name + "`"
	row := strconv.Itoa(line)
	has, hasFR := "; row "+row+" has "+q(s), " ; la ligne "+row+" contient "+q(s)
	var hint, hintFR string
	switch {
	case f.code == CodeTypeError:
		is.Title, is.TitleFR = typeTitle(fc.kind)
		en, fr := typeDesc(fc)
		is.Message = "column " + col + " expects " + en + has
		is.MessageFR = "la colonne " + col + " attend " + fr + hasFR
		is.Suggestion, hint, hintFR = typeHint(fc, s)
	case f.constraint == "required":
		is.Title, is.TitleFR = "Empty cell", "Cellule vide"
		is.Message = "column " + col + " requires a value; row " + row + " is empty"
		is.MessageFR = "la colonne " + col + " est obligatoire ; la ligne " + row + " n'a pas de valeur"
	case f.constraint == "minLength":
		is.Title, is.TitleFR = "Value too short", "Valeur trop courte"
		is.Message = fmt.Sprintf("column %s expects at least %s characters; row %s has %d", col, f.bound, row, f.n)
		is.MessageFR = fmt.Sprintf("la colonne %s attend au moins %s caractères ; la ligne %s en a %d", col, f.bound, row, f.n)
		if fc.kind != kString {
			is.Message = fmt.Sprintf("column %s expects at least %s items; row %s has %d", col, f.bound, row, f.n)
			is.MessageFR = fmt.Sprintf("la colonne %s attend au moins %s éléments ; la ligne %s en a %d", col, f.bound, row, f.n)
		}
	case f.constraint == "maxLength":
		is.Title, is.TitleFR = "Value too long", "Valeur trop longue"
		is.Message = fmt.Sprintf("column %s accepts at most %s characters; row %s has %d", col, f.bound, row, f.n)
		is.MessageFR = fmt.Sprintf("la colonne %s accepte au plus %s caractères ; la ligne %s en a %d", col, f.bound, row, f.n)
		if fc.kind != kString {
			is.Message = fmt.Sprintf("column %s accepts at most %s items; row %s has %d", col, f.bound, row, f.n)
			is.MessageFR = fmt.Sprintf("la colonne %s accepte au plus %s éléments ; la ligne %s en a %d", col, f.bound, row, f.n)
		}
	case f.constraint == "minimum" || f.constraint == "exclusiveMinimum":
		t := constraintTitles[f.constraint]
		is.Title, is.TitleFR = t[0], t[1]
		least, leastFR := "at least", "au moins égale à"
		if f.constraint == "exclusiveMinimum" {
			least, leastFR = "greater than", "strictement supérieure à"
		}
		is.Message = "column " + col + " expects a value " + least + " " + q(f.bound) + has
		is.MessageFR = "la colonne " + col + " attend une valeur " + leastFR + " " + q(f.bound) + hasFR
	case f.constraint == "maximum" || f.constraint == "exclusiveMaximum":
		t := constraintTitles[f.constraint]
		is.Title, is.TitleFR = t[0], t[1]
		most, mostFR := "at most", "au plus égale à"
		if f.constraint == "exclusiveMaximum" {
			most, mostFR = "less than", "strictement inférieure à"
		}
		is.Message = "column " + col + " expects a value " + most + " " + q(f.bound) + has
		is.MessageFR = "la colonne " + col + " attend une valeur " + mostFR + " " + q(f.bound) + hasFR
		is.Suggestion, hint, hintFR = percentHint(fc, s)
	case f.constraint == "pattern":
		is.Title, is.TitleFR = "Incorrect format", "Format incorrect"
		is.Message = "column " + col + " expects values matching " + q(f.bound)
		is.MessageFR = "la colonne " + col + " attend des valeurs conformes au motif " + q(f.bound)
		if fc.f.Example != "" {
			is.Message += " (e.g. " + q(fc.f.Example) + ")"
			is.MessageFR += " (par exemple " + q(fc.f.Example) + ")"
		}
		is.Message += has
		is.MessageFR += hasFR
		is.Suggestion, hint, hintFR = patternHint(fc, s)
	case f.constraint == "enum":
		is.Title, is.TitleFR = "Incorrect value", "Valeur incorrecte"
		if len(fc.enumList) == 1 {
			is.Message = "column " + col + " accepts only " + q(fc.enumList[0]) + has
			is.MessageFR = "la colonne " + col + " n'accepte que " + q(fc.enumList[0]) + hasFR
		} else {
			is.Message = "column " + col + " accepts only " + valueList(fc.enumList, "or") + has
			is.MessageFR = "la colonne " + col + " n'accepte que " + valueList(fc.enumList, "ou") + hasFR
		}
		is.Suggestion, hint, hintFR = closest(s, fc.enumList)
	case strings.HasPrefix(f.constraint, "arrayItem."):
		is.Title, is.TitleFR = "Incorrect array item", "Élément de tableau incorrect"
		item := fc.item
		rule := strings.TrimPrefix(f.constraint, "arrayItem.")
		var en, fr string
		switch rule {
		case "type":
			en, fr = typeDesc(item)
			en, fr = "items that are "+en, "des éléments de type "+fr
		case "enum":
			en, fr = "items among "+valueList(item.enumList, "or"), "des éléments parmi "+valueList(item.enumList, "ou")
		case "required":
			en, fr = "no empty item", "aucun élément vide"
		default:
			en, fr = "items that meet "+rule, "des éléments conformes à "+rule
		}
		is.Message = "column " + col + " expects a JSON array of " + en + has
		is.MessageFR = "la colonne " + col + " attend un tableau JSON d'" + strings.TrimPrefix(fr, "des ") + hasFR
		if strings.HasPrefix(fr, "aucun") {
			is.MessageFR = "la colonne " + col + " attend un tableau JSON sans élément vide" + hasFR
		}
	default:
		is.Title, is.TitleFR = "Constraint not met", "Contrainte non respectée"
		is.Message = "column " + col + " breaks constraint " + f.constraint + has
		is.MessageFR = "la colonne " + col + " ne respecte pas la contrainte " + f.constraint + hasFR
	}
	if hint != "" {
		is.Message += "; " + hint
		is.MessageFR += " ; " + hintFR
	}
	return is
}

// typeHint guesses the value a mistyped cell meant, in the field's format.
func typeHint(fc *fieldCheck, s string) (sugg, en, fr string) {
	switch fc.kind {
	case kNumber:
		n, ok := looseNumber(s)
		if !ok {
			return "", "", ""
		}
		out := strings.Replace(n, ".", fc.nf.decimal, 1)
		if out == s {
			return "", "", ""
		}
		if fc.nf.decimal == "." && strings.Contains(s, ",") && !strings.Contains(s, ".") && strings.Count(s, ",") == 1 {
			return out, "use a point as the decimal separator: " + q(out), "le séparateur décimal est le point : " + q(out)
		}
		return out, "write it " + q(out) + " (digits only, no unit or thousands separator)", "écrivez " + q(out) + " (chiffres seuls, sans unité ni séparateur de milliers)"
	case kInteger:
		n, ok := looseNumber(s)
		if !ok {
			return "", "", ""
		}
		f, err := strconv.ParseFloat(n, 64)
		if err != nil {
			return "", "", ""
		}
		if f != math.Trunc(f) || math.Abs(f) > 1e15 {
			return "", "a whole number has no decimals", "un nombre entier n'a pas de décimales"
		}
		out := strconv.FormatFloat(f, 'f', 0, 64)
		if out == s {
			return "", "", ""
		}
		return out, "write it " + q(out), "écrivez " + q(out)
	case kDate, kDatetime:
		c, ok := parseAnyDate(s)
		if !ok {
			return "", "", ""
		}
		var out string
		switch {
		case fc.anyFormat:
			return "", "", ""
		case fc.layout != nil:
			out = formatLayout(fc.layout.src, c)
		case fc.kind == kDate:
			out = formatLayout("%Y-%m-%d", c)
		default:
			out = formatLayout("%Y-%m-%dT%H:%M:%S", c)
			if c.tz {
				out += formatOffset(c.offset)
			}
		}
		if out == s {
			return "", "", ""
		}
		if _, ok := fc.read(out, false); !ok {
			return "", "", ""
		}
		return out, "write it " + q(out), "écrivez " + q(out)
	case kYear:
		if c, ok := parseAnyDate(s); ok {
			out := strconv.Itoa(c.year)
			return out, "write it " + q(out), "écrivez " + q(out)
		}
	case kBoolean:
		t := strings.ToLower(strings.TrimSpace(s))
		var want []string
		switch t {
		case "oui", "o", "yes", "y", "true", "vrai", "v", "1", "x":
			want = fc.trueVals
		case "non", "n", "no", "false", "faux", "f", "0":
			want = fc.falseVals
		}
		if len(want) > 0 && want[0] != s {
			return want[0], "write it " + q(want[0]), "écrivez " + q(want[0])
		}
	case kString:
		t := strings.TrimSpace(s)
		var out string
		switch fc.strFormat {
		case fmtURI:
			if !strings.Contains(t, "://") {
				out = "https://" + t
			} else {
				out = t
			}
		case fmtEmail:
			out = strings.TrimPrefix(strings.TrimPrefix(t, "mailto:"), "MAILTO:")
		case fmtUUID:
			out = t
		}
		if out != "" && out != s {
			if _, ok := fc.read(out, false); ok {
				return out, "write it " + q(out), "écrivez " + q(out)
			}
		}
	}
	return "", "", ""
}

func formatOffset(off int) string {
	if off == 0 {
		return "Z"
	}
	sign := "+"
	if off < 0 {
		sign, off = "-", -off
	}
	return fmt.Sprintf("%s%02d:%02d", sign, off/3600, off/60%60)
}

// looseNumber reads a number the way people write it ("1.234,5 €",
// "40 000,00", "12,5 %", "1,234.5") and returns it with a point for
// decimals and no grouping, or false.
func looseNumber(s string) (string, bool) {
	var b strings.Builder
	digits := false
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits = true
			b.WriteRune(r)
		case r == ',', r == '.', r == '-', r == '+':
			b.WriteRune(r)
		case unicode.IsSpace(r), r == '\'', r == '’', r == '€', r == '$', r == '£':
		case (unicode.IsLetter(r) || r == '%') && digits:
			// A unit after the number ("EUR", "HT", "habitants") is
			// dropped; letters before it are not a number.
			b.WriteByte('~')
		default:
			return "", false
		}
	}
	t := strings.Trim(b.String(), "~")
	if strings.Contains(t, "~") || t == "" {
		return "", false
	}
	lastComma, lastPoint := strings.LastIndexByte(t, ','), strings.LastIndexByte(t, '.')
	switch {
	case lastComma >= 0 && lastPoint >= 0:
		if lastComma > lastPoint {
			t = strings.ReplaceAll(t, ".", "")
			t = strings.Replace(t, ",", ".", 1)
		} else {
			t = strings.ReplaceAll(t, ",", "")
		}
	case lastComma >= 0:
		if strings.Count(t, ",") == 1 {
			t = strings.Replace(t, ",", ".", 1)
		} else {
			t = strings.ReplaceAll(t, ",", "")
		}
	case strings.Count(t, ".") > 1:
		t = strings.ReplaceAll(t, ".", "")
	}
	if strings.Count(t, ".") > 1 || !scanDecimal(t) || isSpecial(strings.TrimLeft(t, "+-")) {
		return "", false
	}
	return t, true
}

// percentHint notices a percentage written out of 100 in a field whose
// maximum is 1 (pourcentageSubvention: 80 for 0.8).
func percentHint(fc *fieldCheck, s string) (string, string, string) {
	if fc.kind != kNumber || fc.max == nil || fc.max.f != 1 {
		return "", "", ""
	}
	f, ok := parseNumber(s, fc.nf, true)
	if !ok || f <= 1 || f > 100 {
		return "", "", ""
	}
	out := strings.Replace(strconv.FormatFloat(f/100, 'f', -1, 64), ".", fc.nf.decimal, 1)
	return out, "a percentage is written here as a fraction of 1: " + q(out) + " for " + s + " %",
		"un pourcentage s'écrit ici en fraction de 1 : " + q(out) + " pour " + s + " %"
}

// patternHint tries the usual repairs of a code (spaces, a ".0" left by
// a spreadsheet) and offers the first that matches.
func patternHint(fc *fieldCheck, s string) (string, string, string) {
	t := strings.TrimSpace(s)
	cands := []string{t, strings.TrimSuffix(t, ".0"), strings.ReplaceAll(t, "_", "/")}
	if strings.ContainsAny(t, " .-\u00a0") && strings.IndexFunc(t, unicode.IsLetter) < 0 {
		cands = append(cands, strings.Map(func(r rune) rune {
			if r == ' ' || r == '.' || r == '-' || r == '\u00a0' {
				return -1
			}
			return r
		}, strings.TrimSuffix(t, ".0")))
	}
	for _, c := range cands {
		if c != s && c != "" && fc.pattern.match(c) {
			return c, "write it " + q(c), "écrivez " + q(c)
		}
	}
	return "", "", ""
}

// closest finds the allowed value a cell meant, ignoring case, accents,
// spaces and punctuation.
func closest(s string, allowed []string) (string, string, string) {
	n := normalize(s)
	if n == "" {
		return "", "", ""
	}
	for _, a := range allowed {
		if normalize(a) == n {
			return a, "did you mean " + q(a) + "?", "vouliez-vous dire " + q(a) + " ?"
		}
	}
	return "", "", ""
}

// uniqueIssue reports a repeated value. The value itself is not kept
// (only its hash is), so the message points at both rows.
func (v *Validator) uniqueIssue(line int, cc colCheck, first int) Issue {
	is := v.cellBase(line, cc, "")
	is.Code = CodeUniqueError
	is.Constraint = "unique"
	is.Title, is.TitleFR = "Value already present", "Valeur déjà présente"
	col := "`" + cc.fc.f.Name + "`"
	is.Message = fmt.Sprintf("column %s must hold unique values; row %d repeats the value of row %d", col, line, first)
	is.MessageFR = fmt.Sprintf("la colonne %s doit contenir des valeurs toutes différentes ; la ligne %d reprend la valeur de la ligne %d", col, line, first)
	return is
}

func (v *Validator) primaryKeyIssue(line int, first int) Issue {
	names := make([]string, len(v.comp.pk))
	for i, f := range v.comp.pk {
		names[i] = "`" + v.schema.Fields[f].Name + "`"
	}
	key := strings.Join(names, ", ")
	is := Issue{Code: CodePrimaryKeyError, Row: line}
	if len(v.comp.pk) == 1 {
		f := v.comp.pk[0]
		is.Field = v.schema.Fields[f].Name
		is.Column = v.match.fieldCol[f] + 1
		is.Label = v.header[v.match.fieldCol[f]]
	}
	is.Title, is.TitleFR = "Duplicate primary key", "Clé primaire en double"
	is.Message = fmt.Sprintf("the primary key (%s) must identify each row; row %d repeats the key of row %d", key, line, first)
	is.MessageFR = fmt.Sprintf("la clé primaire (%s) doit identifier chaque ligne ; la ligne %d reprend la clé de la ligne %d", key, line, first)
	return is
}

// emptyKeyIssue reports a row without a value in any field of the
// primary key.
func (v *Validator) emptyKeyIssue(line int) Issue {
	names := make([]string, len(v.comp.pk))
	for i, f := range v.comp.pk {
		names[i] = "`" + v.schema.Fields[f].Name + "`"
	}
	key := strings.Join(names, ", ")
	is := Issue{Code: CodePrimaryKeyError, Row: line, Title: "Empty primary key", TitleFR: "Clé primaire vide"}
	if len(v.comp.pk) == 1 {
		f := v.comp.pk[0]
		is.Field, is.Column, is.Label = v.schema.Fields[f].Name, v.match.fieldCol[f]+1, v.header[v.match.fieldCol[f]]
	}
	is.Message = fmt.Sprintf("the primary key (%s) must identify each row; row %d has no value for it", key, line)
	is.MessageFR = fmt.Sprintf("la clé primaire (%s) doit identifier chaque ligne ; la ligne %d n'en a pas de valeur", key, line)
	return is
}

func blankRowIssue(line int) Issue {
	return Issue{
		Code: CodeBlankRow, Row: line,
		Title: "Blank row", TitleFR: "Ligne vide",
		Message:   fmt.Sprintf("row %d is empty; remove it", line),
		MessageFR: fmt.Sprintf("la ligne %d est vide ; supprimez-la", line),
	}
}

func duplicateRowIssue(line, first int) Issue {
	return Issue{
		Code: CodeDuplicateRow, Row: line,
		Title: "Duplicate row", TitleFR: "Ligne en double",
		Message:   fmt.Sprintf("row %d repeats row %d exactly; remove it if it is a copy", line, first),
		MessageFR: fmt.Sprintf("la ligne %d est identique à la ligne %d ; supprimez-la s'il s'agit d'une copie", line, first),
	}
}

func (v *Validator) cellCountIssue(code string, line, c int, field, value string) Issue {
	is := Issue{Code: code, Row: line, Column: c + 1, Field: field, Value: cut(value, maxValue)}
	if c < len(v.header) {
		is.Label = v.header[c]
	}
	if code == CodeMissingCell {
		is.Title, is.TitleFR = "Missing cell", "Cellule manquante"
		is.Message = fmt.Sprintf("row %d stops before column %d (`%s`); it has fewer values than the header has columns", line, c+1, is.Label)
		is.MessageFR = fmt.Sprintf("la ligne %d s'arrête avant la colonne %d (`%s`) : elle a moins de valeurs que l'en-tête n'a de colonnes", line, c+1, is.Label)
		return is
	}
	is.Title, is.TitleFR = "Extra cell", "Valeur surnuméraire"
	is.Message = fmt.Sprintf("row %d has a value in column %d, beyond the header: %s", line, c+1, q(value))
	is.MessageFR = fmt.Sprintf("la ligne %d a une valeur en colonne %d, au-delà de l'en-tête : %s", line, c+1, q(value))
	return is
}

// labelIssue describes a header problem with column c.
func (v *Validator) labelIssue(code string, line, c int, field string) Issue {
	label := v.header[c]
	is := Issue{Code: code, Row: line, Column: c + 1, Label: label, Field: field}
	switch code {
	case CodeBlankLabel:
		is.Title, is.TitleFR = "Blank label", "En-tête manquant"
		is.Message = fmt.Sprintf("column %d has no label; name it after a field of the schema or remove it", c+1)
		is.MessageFR = fmt.Sprintf("la colonne %d n'a pas d'en-tête ; nommez-la d'après un champ du schéma ou supprimez-la", c+1)
	case CodeDuplicateLabel:
		is.Title, is.TitleFR = "Duplicate label", "En-tête en double"
	case CodeIncorrectLabel:
		is.Title, is.TitleFR = "Incorrect column name", "Nom de colonne incorrect"
		how, howFR := "differs from it only by case, accents, spacing or punctuation", "n'en diffère que par la casse, les accents, les espaces ou la ponctuation"
		if v.match.columns[c].Match == MatchTitle {
			how, howFR = "is the field's title", "est le titre de ce champ"
		}
		is.Suggestion = field
		is.Message = fmt.Sprintf("column `%s` (column %d) must be named `%s`: its label %s; it was checked as `%s`", label, c+1, field, how, field)
		is.MessageFR = fmt.Sprintf("la colonne `%s` (colonne %d) doit s'appeler `%s` : son libellé %s ; elle a été contrôlée comme `%s`", label, c+1, field, howFR, field)
	}
	return is
}

func (v *Validator) missingLabelIssue(line int, f *Field, extras []int) Issue {
	is := Issue{Code: CodeMissingLabel, Row: line, Field: f.Name}
	if f.Constraints.Required {
		is.Title, is.TitleFR = "Missing required column", "Colonne obligatoire manquante"
		is.Message = fmt.Sprintf("the required column `%s` is missing", f.Name)
		is.MessageFR = fmt.Sprintf("la colonne obligatoire `%s` est manquante", f.Name)
	} else {
		is.Title, is.TitleFR = "Missing column", "Colonne manquante"
		is.Message = fmt.Sprintf("the column `%s` is missing; add it (its cells may stay empty)", f.Name)
		is.MessageFR = fmt.Sprintf("la colonne `%s` est manquante ; ajoutez-la (ses cellules peuvent rester vides)", f.Name)
	}
	for _, c := range extras {
		if similar(v.header[c], f.Name) || (f.Title != "" && similar(v.header[c], f.Title)) {
			is.Suggestion = v.header[c]
			is.Message += fmt.Sprintf("; is column `%s` (column %d) meant to be it? Then rename it `%s`", v.header[c], c+1, f.Name)
			is.MessageFR += fmt.Sprintf(" ; la colonne `%s` (colonne %d) est-elle celle-ci ? Renommez-la alors `%s`", v.header[c], c+1, f.Name)
			break
		}
	}
	return is
}

func (v *Validator) extraLabelIssue(line, c int) Issue {
	label := v.header[c]
	is := Issue{Code: CodeExtraLabel, Row: line, Column: c + 1, Label: label}
	is.Title, is.TitleFR = "Extra column", "Colonne surnuméraire"
	is.Message = fmt.Sprintf("column `%s` (column %d) is not in the schema; remove it or rename it after a field of the schema", label, c+1)
	is.MessageFR = fmt.Sprintf("la colonne `%s` (colonne %d) n'est pas définie dans le schéma ; retirez-la ou renommez-la d'après un champ du schéma", label, c+1)
	return is
}

func (v *Validator) disorderIssue(line int, moved []int) Issue {
	is := Issue{Code: CodeDisorderedHeader, Row: line}
	is.Title, is.TitleFR = "Columns out of order", "Colonnes désordonnées"
	var names []string
	for _, c := range moved {
		names = append(names, "`"+v.header[c]+"`")
	}
	var order []string
	for f, c := range v.match.fieldCol {
		if c >= 0 {
			order = append(order, v.schema.Fields[f].Name)
		}
	}
	if len(moved) == 1 {
		is.Column, is.Label = moved[0]+1, v.header[moved[0]]
	}
	is.Message = fmt.Sprintf("the columns do not follow the schema's order (%s out of place); expected order: %s", strings.Join(names, ", "), strings.Join(order, ", "))
	is.MessageFR = fmt.Sprintf("les colonnes ne suivent pas l'ordre du schéma (%s mal placée(s)) ; ordre attendu : %s", strings.Join(names, ", "), strings.Join(order, ", "))
	return is
}
