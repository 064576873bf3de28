package storage

import "testing"

// BenchmarkRowFolder folds a row of the benchmark generator's shape, as
// loading does for every row's _full_text.
func BenchmarkRowFolder(b *testing.B) {
	row := []string{"123456", "01053", "Bourg-en-Bresse", "2021-03-15", "3858.04",
		"Association Théâtre de l’Étoile de Bourg-en-Bresse", "02308228659079", "true", "Fonctionnement"}
	n := 0
	for _, v := range row {
		n += len(v)
	}
	b.SetBytes(int64(n))
	var f rowFolder
	for b.Loop() {
		f.reset()
		for _, v := range row {
			f.add(v)
		}
		_ = f.text()
	}
}

// BenchmarkFoldText is the same row through foldText, for comparison.
func BenchmarkFoldText(b *testing.B) {
	row := "123456 01053 Bourg-en-Bresse 2021-03-15 3858.04 Association Théâtre de l’Étoile de Bourg-en-Bresse 02308228659079 true Fonctionnement"
	b.SetBytes(int64(len(row)))
	for b.Loop() {
		_ = foldText(row)
	}
}
