package storage

import (
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/passerelle/passerelle/catalog"
)

// Full-text search of datasets (package_search's free text).
//
// SQLite: an FTS4 table, datasets_fts, with one row per dataset (docid =
// datasets.search_seq) and four columns: title, tags, notes, other. FTS4
// rather than FTS5: mattn/go-sqlite3 compiles FTS4 in by default, while
// FTS5 needs the sqlite_fts5 build tag on every build, test and image —
// one more way for `go run` on a newcomer's machine to fail. FTS4 has what
// we need: prefix queries (with prefix indexes), phrases, column filters
// and matchinfo() for ranking.
//
// PostgreSQL: a tsvector column, datasets.search_vector, with a GIN index;
// the four columns become the weights A (title), B (tags), C (notes) and
// D (other).
//
// Both index text folded by foldText (lowercase, accents and ligatures
// stripped) with the 'simple' tokenizer / configuration, and query terms
// are folded the same way: "energie" finds "Énergie". Words are matched as
// prefixes ("subvention" finds "subventions"); quoted phrases exactly.

// ftsColumns are the indexed fields, in FTS column order, with their rank
// weights and PostgreSQL weight letters.
var ftsColumns = []struct {
	name   string
	weight int
	letter string
}{{"title", 8, "A"}, {"tags", 4, "B"}, {"notes", 2, "C"}, {"other", 1, "D"}}

// ftsColumnOf maps a search field to the FTS column holding it; "" is
// every column.
var ftsColumnOf = map[string]string{
	"text": "", "title": "title", "notes": "notes", "author": "other", "maintainer": "other",
	"res_name": "other", "res_description": "other",
}

// ftsDoc is what the index holds of a dataset.
type ftsDoc struct{ title, tags, notes, other string }

func ftsDocOf(d *catalog.Dataset, org *catalog.Organization) ftsDoc {
	tags := make([]string, len(d.Tags))
	for i, t := range d.Tags {
		tags[i] = t.Name
	}
	other := []string{d.Name, d.Author, d.Maintainer}
	if org != nil {
		other = append(other, org.Name, org.Title)
	}
	for _, r := range d.Resources {
		other = append(other, r.Name, r.Description, r.Format)
	}
	return ftsDoc{
		title: foldText(d.Title), tags: foldText(strings.Join(tags, " ")),
		notes: foldText(d.Notes), other: foldText(strings.Join(other, " ")),
	}
}

// indexDataset writes the dataset's full-text entry, in the transaction
// that writes the dataset: a search right after a write finds it.
func indexDataset(tx *gorm.DB, dialect Dialect, d *catalog.Dataset) error {
	var org *catalog.Organization
	if d.OwnerOrg != "" {
		var row organizationRow
		if err := tx.Where("id = ?", d.OwnerOrg).Take(&row).Error; err == nil {
			org = row.toCatalog()
		}
	}
	doc := ftsDocOf(d, org)
	if dialect == Postgres {
		return tx.Exec(`UPDATE datasets SET search_vector =
			setweight(to_tsvector('simple', ?), 'A') || setweight(to_tsvector('simple', ?), 'B') ||
			setweight(to_tsvector('simple', ?), 'C') || setweight(to_tsvector('simple', ?), 'D')
			WHERE id = ?`, doc.title, doc.tags, doc.notes, doc.other, d.ID).Error
	}
	var seq int64
	if err := tx.Raw("SELECT COALESCE(search_seq, 0) FROM datasets WHERE id = ?", d.ID).Scan(&seq).Error; err != nil {
		return err
	}
	if seq == 0 {
		if err := tx.Raw("SELECT COALESCE(MAX(search_seq), 0) + 1 FROM datasets").Scan(&seq).Error; err != nil {
			return err
		}
		if err := tx.Exec("UPDATE datasets SET search_seq = ? WHERE id = ?", seq, d.ID).Error; err != nil {
			return err
		}
	}
	if err := tx.Exec("DELETE FROM datasets_fts WHERE docid = ?", seq).Error; err != nil {
		return err
	}
	return tx.Exec("INSERT INTO datasets_fts (docid, title, tags, notes, other) VALUES (?, ?, ?, ?, ?)",
		seq, doc.title, doc.tags, doc.notes, doc.other).Error
}

// reindexOrganization rewrites the entries of an organisation's datasets,
// whose "other" column holds the organisation's name and title.
func reindexOrganization(tx *gorm.DB, dialect Dialect, orgID string) error {
	var rows []datasetRow
	if err := tx.Where("owner_org = ?", orgID).Find(&rows).Error; err != nil {
		return err
	}
	for i := 0; i < len(rows); i += 200 {
		ds, err := loadDatasets(tx, rows[i:min(i+200, len(rows))])
		if err != nil {
			return err
		}
		for _, d := range ds {
			if err := indexDataset(tx, dialect, d); err != nil {
				return err
			}
		}
	}
	return nil
}

// ftsQuery is one free-text term turned into the match syntax of the
// dialect: FTS4's MATCH string, or a PostgreSQL tsquery.
type ftsQuery struct {
	column string   // "" for every column
	words  []string // folded
	phrase bool
}

// newFTSQuery folds a term; ok is false when nothing is left to look for.
// A wildcard is accepted only at the end of a word (prefix search).
func newFTSQuery(t catalog.Term) (ftsQuery, bool, error) {
	v := t.Value
	if t.Wildcard {
		trimmed := strings.TrimRight(v, "*")
		if strings.ContainsAny(trimmed, "*?") {
			return ftsQuery{}, false, catalog.SearchQueryf("in free text, * is only allowed at the end of a word (%q)", t.Value)
		}
		v = trimmed
	}
	words := strings.Fields(foldText(strings.ReplaceAll(v, `\`, "")))
	return ftsQuery{column: ftsColumnOf[t.Field], words: words, phrase: t.Phrase}, len(words) > 0, nil
}

// match is the FTS4 MATCH string: column-restricted prefix words, ANDed,
// or a phrase.
func (q ftsQuery) match() string { return q.matchIn(q.column) }

// matchIn is match restricted to one column ("" for all).
func (q ftsQuery) matchIn(column string) string {
	col := ""
	if column != "" {
		col = column + ":"
	}
	if q.phrase {
		return col + `"` + strings.Join(q.words, " ") + `"`
	}
	parts := make([]string, len(q.words))
	for i, w := range q.words {
		parts[i] = col + w + "*"
	}
	return strings.Join(parts, " ")
}

// tsquery is the PostgreSQL query text: prefix words (restricted to the
// column's weight) ANDed, or a phrase.
func (q ftsQuery) tsquery() string {
	label := ""
	for _, c := range ftsColumns {
		if c.name == q.column {
			label = c.letter
		}
	}
	if q.phrase {
		parts := make([]string, len(q.words))
		for i, w := range q.words {
			parts[i] = w
			if label != "" {
				parts[i] += ":" + label
			}
		}
		return strings.Join(parts, " <-> ")
	}
	parts := make([]string, len(q.words))
	for i, w := range q.words {
		parts[i] = w + ":*" + label
	}
	return strings.Join(parts, " & ")
}

// ftsCondition returns the SQL condition of a free-text term.
func (b *searchBuilder) ftsCondition(q ftsQuery) string {
	if b.dialect == Postgres {
		return b.bind("d.search_vector @@ to_tsquery('simple', ?)", q.tsquery())
	}
	return b.bind("d.search_seq IN (SELECT docid FROM datasets_fts WHERE datasets_fts MATCH ?)", q.match())
}

// score returns the ranking expression for "score desc", from the
// positive free-text terms: 0 when there are none. A term found in the
// title weighs 8, in the tags 4, in the notes 2, elsewhere 1.
//
// On SQLite each weight is a membership test in the set of documents
// matching the term in that column: plain SQL, which SQLite evaluates once
// per set. (A rank function over matchinfo() would be a Go callback per
// matching row, ten times slower.) On PostgreSQL, ts_rank with the same
// proportions.
func (b *searchBuilder) score() (expr string, args []any) {
	if len(b.scoreTerms) == 0 {
		return "0", nil
	}
	if b.dialect == Postgres {
		parts := make([]string, len(b.scoreTerms))
		for i, q := range b.scoreTerms {
			parts[i] = "(" + q.tsquery() + ")"
		}
		return "ts_rank('{0.125, 0.25, 0.5, 1.0}', d.search_vector, to_tsquery('simple', ?))", []any{strings.Join(parts, " | ")}
	}
	var parts []string
	for _, q := range b.scoreTerms {
		for _, c := range ftsColumns {
			// Every result matches somewhere: "other" would only add a
			// constant, and its set is the largest to build.
			if c.name == "other" || (q.column != "" && q.column != c.name) {
				continue
			}
			parts = append(parts, fmt.Sprintf("CASE WHEN d.search_seq IN (SELECT docid FROM datasets_fts WHERE datasets_fts MATCH ?) THEN %d ELSE 0 END", c.weight))
			args = append(args, q.matchIn(c.name))
		}
	}
	if len(parts) == 0 {
		return "0", nil
	}
	return "(" + strings.Join(parts, " + ") + ")", args
}

// backfillSearch indexes every dataset; for the migration that creates the
// index.
func backfillSearch(tx *gorm.DB, dialect Dialect) error {
	var ids []string
	if err := tx.Model(&datasetRow{}).Order("metadata_created").Pluck("id", &ids).Error; err != nil {
		return err
	}
	for i := 0; i < len(ids); i += 200 {
		var rows []datasetRow
		if err := tx.Where("id IN ?", ids[i:min(i+200, len(ids))]).Find(&rows).Error; err != nil {
			return err
		}
		ds, err := loadDatasets(tx, rows)
		if err != nil {
			return err
		}
		for _, d := range ds {
			if err := indexDataset(tx, dialect, d); err != nil {
				return fmt.Errorf("index dataset %s: %w", d.ID, err)
			}
		}
	}
	return nil
}

// dialect tells which database a transaction talks to.
func dialect(tx *gorm.DB) Dialect {
	if tx.Dialector.Name() == "postgres" {
		return Postgres
	}
	return SQLite
}
