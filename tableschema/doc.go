// Package tableschema validates tables against frictionless Table Schemas
// (https://specs.frictionlessdata.io/table-schema/), such as the SCDL schemas
// of schema.data.gouv.fr, and reports errors the way Validata does, in
// French and English. It is pure: no database, no HTTP server.
//
// The pieces:
//
//   - Load and Parse read a schema descriptor into a Schema; what the
//     package cannot check (foreign keys, Validata custom checks, a pattern
//     RE2 refuses…) is listed in Schema.Unsupported rather than failing.
//   - NewValidator matches a header to the schema's fields — by name, then
//     ignoring case, accents, spacing and punctuation, then by field title —
//     and Validator.Row checks one data row at a time: types and formats,
//     constraints, missing values, unique and primary key values, blank and
//     duplicate rows. Memory stays flat except for the hashes kept for
//     unique values, primary keys and duplicate rows (12 bytes a row each).
//   - Report gives the verdict, counts by error code and the first errors,
//     each with a message that says how to fix the cell; it is JSON with
//     stable field names and prints as text (WriteText).
//   - Validate runs all of it over a converters.Reader.
//   - Registry holds schemas loaded from a directory, by id and version
//     ("scdl/subventions", "scdl/subventions@2.0.1"), resolves references
//     (id, URL, file) and suggests the schemas a header most likely follows.
//
// Header findings follow Validata (which validates with frictionless'
// schema_sync): a missing required column is an error; a missing optional
// column, an extra column or columns out of order are warnings; duplicate
// and blank labels are errors. A label matched to a field only after
// normalisation ("NOM_Beneficiaire" for nomBeneficiaire) is an error
// ("incorrect-label", the column must be renamed) but the column is still
// checked under that field, so cell errors are all found at once.
//
// Fuzz targets (FuzzParse, FuzzValue, FuzzPattern) run one at a time, e.g.
//
//	go test -run '^$' -fuzz '^FuzzValue$' -fuzztime 60s -fuzzminimizetime 5s ./tableschema
package tableschema
