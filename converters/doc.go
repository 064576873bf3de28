// Package converters reads the tabular files municipal services produce (CSV,
// XLSX, ODS), detects their encoding, delimiter, header and column types, and
// streams normalised rows. It is pure: bytes in, rows out, no database and no
// HTTP.
//
// The pieces, in the order of SPEC §4:
//
//   - DetectFormat tells the format from the content (an ODS named .xls is
//     ODS) and refuses PDF, images, legacy XLS, HTML and other non-tables
//     with an *Error whose message, in English (Msg) and French (MsgFR),
//     tells the agent what to do.
//   - Open prepares a file: for text, encoding (UTF-8, UTF-16, Windows-1252,
//     ISO-8859-1/15; a BOM is not trusted blindly) and delimiter (, ; tab |);
//     for workbooks, the list of sheets. File.Table returns a Reader for one
//     table; NewCSVReader does the same for a text stream.
//   - Reader is shaped like encoding/csv: Header, then Read one row at a time
//     until io.EOF. It finds the header line below title lines, joins
//     multi-row (merged) headers, skips blank rows, repeated header lines and
//     footnotes, and reports ragged rows. XLSX and ODS sheets are streamed
//     from their zip entries; spreadsheet dates become ISO 8601 through the
//     cell's number format.
//   - Inferrer infers a frictionless Table Schema (French decimals and
//     dates, oui/non, codes kept as strings); Writer and Normalize write the
//     normalised CSV it describes.
//   - Inspect runs all of it on a file and returns a Report, printable as
//     text or JSON (passerelle inspect FILE [--format json]).
//
// Limits (Options) keep hostile files from growing the process: total and
// per-part uncompressed size of zip containers, record size of CSV files,
// cells a table may expand to.
//
// Fuzz targets (FuzzCSVSniff, FuzzCSVParser, FuzzInfer, FuzzXLSX, FuzzODS)
// run one at a time, e.g.
//
//	go test -run '^$' -fuzz '^FuzzXLSX$' -fuzztime 60s -fuzzminimizetime 5s ./converters
package converters
