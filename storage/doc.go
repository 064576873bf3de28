// Package storage implements the catalog's service interfaces on GORM:
// SQLite (the zero-setup default, one file in the data directory) or
// PostgreSQL. Schema changes are versioned migrations run at start-up.
// Row structs stay here and are converted to catalog types at the boundary;
// driver errors become catalog errors.
package storage
