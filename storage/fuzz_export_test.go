package storage

// ExecSQL runs a statement on the catalogue database, for tests that
// plant a canary table.
func ExecSQL(db *DB, sql string) error {
	return db.gorm.Exec(sql).Error
}

// CountRows counts the rows of a catalogue table, for tests.
func CountRows(db *DB, table string) (int64, error) {
	var n int64
	err := db.gorm.Table(table).Count(&n).Error
	return n, err
}
