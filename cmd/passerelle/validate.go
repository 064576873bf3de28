package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/passerelle/passerelle/converters"
	"github.com/passerelle/passerelle/tableschema"
)

type validateCmd struct {
	File       string `arg:"" help:"CSV, TSV, XLSX or ODS file to check."`
	Schema     string `help:"Table Schema: a registry id (scdl/subventions, scdl/subventions@2.0.1), a URL or a file. Without it, the schemas the file most likely follows are suggested."`
	SchemasDir string `help:"Directory of Table Schemas (JSON) the ids refer to."`
	Format     string `help:"Output format: text or json." default:"text" enum:"text,json"`
	Lang       string `help:"Language of the text report: fr, en or both." default:"both" enum:"fr,en,both"`
	Offline    bool   `help:"Never fetch a schema over the network."`
}

// errInvalidFile makes validate exit with status 1 after printing a report
// that says the file does not follow the schema.
var errInvalidFile = errors.New("the file does not follow the schema")

// Run prints what the converters find in the file and how it fares against
// the schema. Cells are checked as the file holds them once decoded and its
// header found, not as normalised for the datastore: the schema governs
// their written form (oui/non, dd/mm/yyyy…), and the agent fixes the file,
// not our copy of it. The exit status is 1 when a table breaks the schema.
func (c *validateCmd) Run(e *env) error {
	reg := tableschema.NewRegistry()
	reg.AllowFiles = true
	if !c.Offline {
		reg.Client = &http.Client{Timeout: 10 * time.Second}
	}
	if c.SchemasDir != "" {
		if err := reg.LoadDir(c.SchemasDir); err != nil {
			return fmt.Errorf("load schemas from %s: %w", c.SchemasDir, err)
		}
	}
	var schema *tableschema.Schema
	if c.Schema != "" {
		s, err := reg.Resolve(e.ctx, c.Schema)
		if err != nil {
			var te *tableschema.Error
			if errors.As(err, &te) {
				return fmt.Errorf("schema %s: %s / %s", c.Schema, te.Msg, te.MsgFR)
			}
			return err
		}
		schema = s
	}
	rep, err := converters.Inspect(c.File, converters.Options{})
	if err != nil {
		return (&inspectCmd{File: c.File}).explain(err)
	}
	f, err := converters.Open(c.File, converters.Options{})
	if err != nil {
		return (&inspectCmd{File: c.File}).explain(err)
	}
	defer f.Close()

	type tableResult struct {
		Sheet       string                   `json:"sheet,omitempty"`
		Validation  *tableschema.Report      `json:"validation,omitempty"`
		Suggestions []tableschema.Suggestion `json:"suggestions,omitempty"`
	}
	var results []tableResult
	invalid := 0
	for i := range f.Sheets {
		res := tableResult{}
		if f.Format != converters.FormatCSV {
			res.Sheet = f.Sheets[i].Name
		}
		r, err := f.Table(i)
		if errors.Is(err, converters.ErrNoTable) {
			continue
		}
		if err != nil {
			return (&inspectCmd{File: c.File}).explain(err)
		}
		if schema == nil {
			res.Suggestions = reg.Suggest(r.Header())
		} else {
			res.Validation, err = tableschema.Validate(schema, r)
		}
		r.Close()
		if err != nil {
			return (&inspectCmd{File: c.File}).explain(err)
		}
		if res.Validation != nil && !res.Validation.Valid {
			invalid++
		}
		results = append(results, res)
	}
	if c.Format == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(map[string]any{"file": rep, "tables": results}); err != nil {
			return err
		}
	} else {
		if err := rep.WriteText(e.stdout); err != nil {
			return err
		}
		lang := map[string]tableschema.Lang{"fr": tableschema.French, "en": tableschema.English, "both": tableschema.Both}[c.Lang]
		for _, res := range results {
			fmt.Fprintln(e.stdout)
			if res.Sheet != "" {
				fmt.Fprintf(e.stdout, "Sheet %q\n", res.Sheet)
			}
			if res.Validation != nil {
				if err := res.Validation.WriteText(e.stdout, lang); err != nil {
					return err
				}
				continue
			}
			if len(res.Suggestions) == 0 {
				fmt.Fprintln(e.stdout, "No known schema matches this table (give --schemas-dir to know more schemas).")
			}
			for _, s := range res.Suggestions {
				fmt.Fprintf(e.stdout, "May follow %s %s (%s): %.0f%% of its fields found\n", s.ID, s.Version, s.Title, 100*s.Confidence)
			}
		}
	}
	if invalid > 0 {
		return errInvalidFile
	}
	return nil
}
