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
// Validata's custom checks french-siret-value, french-siren-value and
// one-of-required run too. Not checked (and listed in Schema.Unsupported
// when a schema asks for them): foreign keys, uniqueKeys, rowConstraints,
// the jsonSchema constraint, other custom checks, fieldsMatch other than
// matching by name, unknown types and string formats. Approximations:
// numbers are float64 (Python's Decimal keeps every digit); the "any"
// date format tries a list of common layouts (day first, French month
// names) instead of dateutil; strptime knows the English C locale only;
// geojson checks the "type" member, not the whole GeoJSON profile; RE2
// reads \d as ASCII digits where Python also takes other scripts' digits,
// and refuses look-arounds and back-references (such a pattern is not
// checked, and says so). Unique, primary-key and duplicate-row errors
// name the rows but not the value: only hashes are kept.
//
// Rows read through the converters never show blank rows, repeated
// headers or ragged rows (the converters skip, drop or pad them and say so
// in their warnings), so blank-row, missing-cell and extra-cell come only
// from rows given to Validator.Row directly.
//
// Fuzz targets (FuzzParse, FuzzValue, FuzzPattern) run one at a time, e.g.
//
//	go test -run '^$' -fuzz '^FuzzValue$' -fuzztime 60s -fuzzminimizetime 5s ./tableschema
package tableschema
