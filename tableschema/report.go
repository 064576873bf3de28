package tableschema

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Issue is one error or warning: where it is, what rule it breaks and how
// to fix it, in English and French.
type Issue struct {
	// Code is the frictionless code of the issue (CodeTypeError…).
	Code string `json:"code"`
	// Constraint names the broken constraint of a constraint-error
	// ("required", "pattern", "enum", "arrayItem.enum"…).
	Constraint string `json:"constraint,omitempty"`
	// Row is the line (text) or row (sheet) as the file shows it; for
	// label issues, the header's.
	Row int `json:"row,omitempty"`
	// Column is the 1-based position of the column in the file.
	Column int `json:"column,omitempty"`
	// Label is the column's label as found, Field the schema field.
	Label string `json:"label,omitempty"`
	Field string `json:"field,omitempty"`
	// Value is the cell (cut at 200 characters).
	Value string `json:"value,omitempty"`
	// Suggestion is a corrected value, when one can be guessed.
	Suggestion string `json:"suggestion,omitempty"`
	// Title names the kind of issue in a few words, as Validata does.
	Title     string `json:"title"`
	TitleFR   string `json:"title_fr"`
	Message   string `json:"message"`
	MessageFR string `json:"message_fr"`
}

// SchemaInfo names the schema a report is about.
type SchemaInfo struct {
	ID      string `json:"id,omitempty"`
	Name    string `json:"name,omitempty"`
	Title   string `json:"title,omitempty"`
	Version string `json:"version,omitempty"`
	Path    string `json:"path,omitempty"`
}

// Report is the result of a validation. Valid is true when there is no
// error (warnings do not count, as in Validata).
type Report struct {
	Valid  bool       `json:"valid"`
	Schema SchemaInfo `json:"schema"`
	// Rows is the number of data rows checked.
	Rows       int `json:"rows"`
	HeaderLine int `json:"header_line,omitempty"`
	// Columns says which field each column was read as.
	Columns []Column `json:"columns"`
	// Mapping gives, for labels read as a field they do not exactly name,
	// the field: {"NOM_Beneficiaire": "nomBeneficiaire"}. Renaming the
	// columns so removes the incorrect-label errors.
	Mapping      map[string]string `json:"mapping,omitempty"`
	ErrorCount   int               `json:"error_count"`
	WarningCount int               `json:"warning_count"`
	// ErrorCounts and WarningCounts count issues by code, beyond the
	// listed ones.
	ErrorCounts   map[string]int `json:"error_counts"`
	WarningCounts map[string]int `json:"warning_counts,omitempty"`
	// Errors and Warnings list the first issues (Validator.MaxErrors of
	// each); Truncated says some were left out.
	Errors    []Issue `json:"errors"`
	Warnings  []Issue `json:"warnings"`
	Truncated bool    `json:"truncated,omitempty"`
	// Unsupported lists the parts of the schema that were not checked.
	Unsupported []Note `json:"unsupported,omitempty"`
}

// Lang selects the language of WriteText.
type Lang int

// Languages of WriteText.
const (
	Both    Lang = iota // French, then English
	French              // French only
	English             // English only
)

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

// WriteText writes the report for people, in French, English or both
// (French first).
func (r *Report) WriteText(w io.Writer, lang Lang) error {
	var b strings.Builder
	if lang != English {
		r.text(&b, true)
	}
	if lang == Both {
		b.WriteString("\n---\n\n")
	}
	if lang != French {
		r.text(&b, false)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func (r *Report) text(b *strings.Builder, fr bool) {
	t := func(en, f string) string {
		if fr {
			return f
		}
		return en
	}
	name := r.Schema.ID
	if name == "" {
		name = r.Schema.Name
	}
	if name == "" {
		name = r.Schema.Path
	}
	if r.Schema.Version != "" {
		name += " " + r.Schema.Version
	}
	if r.Schema.Title != "" && r.Schema.Title != r.Schema.Name {
		name += " (" + r.Schema.Title + ")"
	}
	fmt.Fprintf(b, "%s %s\n", t("Schema:", "Schéma :"), name)
	verdict := t("VALID", "VALIDE")
	if !r.Valid {
		verdict = t("INVALID", "NON VALIDE")
	}
	fmt.Fprintf(b, "%s %s — %s, %s, %s\n", t("Result:", "Résultat :"), verdict,
		plural(r.ErrorCount, fr, t("error", "erreur"), t("errors", "erreurs")),
		plural(r.WarningCount, fr, t("warning", "avertissement"), t("warnings", "avertissements")),
		plural(r.Rows, fr, t("row checked", "ligne contrôlée"), t("rows checked", "lignes contrôlées")))
	if len(r.ErrorCounts) > 0 {
		fmt.Fprintf(b, "%s %s\n", t("Errors by type:", "Erreurs par type :"), countList(r.ErrorCounts))
	}
	if len(r.WarningCounts) > 0 {
		fmt.Fprintf(b, "%s %s\n", t("Warnings by type:", "Avertissements par type :"), countList(r.WarningCounts))
	}
	if len(r.Mapping) > 0 {
		var pairs []string
		for _, c := range r.Columns {
			if f, ok := r.Mapping[c.Label]; ok && c.Field == f {
				pairs = append(pairs, fmt.Sprintf("`%s` → `%s`", c.Label, f))
			}
		}
		fmt.Fprintf(b, "%s %s\n", t("Columns read under the schema's name (rename them):",
			"Colonnes lues sous le nom du schéma (à renommer) :"), strings.Join(pairs, ", "))
	}
	section := func(title string, list []Issue, total int) {
		if len(list) == 0 {
			return
		}
		fmt.Fprintf(b, "\n%s\n", title)
		for _, is := range list {
			msg := is.Message
			head := is.Title
			if fr {
				msg, head = is.MessageFR, is.TitleFR
			}
			fmt.Fprintf(b, "- %s : %s\n", head, msg)
		}
		if total > len(list) {
			fmt.Fprintf(b, t("… and %d more\n", "… et %d de plus\n"), total-len(list))
		}
	}
	section(t("Errors:", "Erreurs :"), r.Errors, r.ErrorCount)
	section(t("Warnings:", "Avertissements :"), r.Warnings, r.WarningCount)
	if len(r.Unsupported) > 0 {
		fmt.Fprintf(b, "\n%s\n", t("Not checked:", "Non vérifié :"))
		for _, n := range r.Unsupported {
			fmt.Fprintf(b, "- %s\n", t(n.Message, n.MessageFR))
		}
	}
}

// plural writes a count with its noun; French puts 0 in the singular.
func plural(n int, fr bool, one, many string) string {
	if n == 1 || (fr && n == 0) {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

func countList(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}
