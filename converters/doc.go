// Package converters reads the tabular files municipal services produce (CSV,
// XLSX, ODS), detects their encoding, delimiter, header and column types, and
// streams normalised rows. It is pure: bytes in, rows out, no database and no
// HTTP.
package converters
