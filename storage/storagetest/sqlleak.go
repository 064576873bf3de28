package storagetest

import "strings"

// sqlLeaks are what SQLite or PostgreSQL say when input reached SQL text.
var sqlLeaks = []string{"SQL logic error", "syntax error", "SQLSTATE", "no such column", "unrecognized token", "unterminated"}

// LeaksSQL reports whether an error or an answer holds a database's
// complaint about SQL text: what no input may ever cause, since every
// value is bound (the fuzz targets of storage and api check it).
func LeaksSQL(text string) bool {
	for _, leak := range sqlLeaks {
		if strings.Contains(text, leak) {
			return true
		}
	}
	return false
}
