package storage

import (
	"strings"

	"gorm.io/gorm"

	"github.com/passerelle/passerelle/catalog"
)

// The facets of the whole public catalogue — what a portal's home page and
// a harvester's first request ask — are kept counted in facet_counts,
// updated in each dataset write's transaction: counting them from the
// tables joins every dataset to its tags and resources (half a second at
// 100 000 datasets), and any write would make the cached counts stale.
// Searches with a query, a filter or non-public datasets still count from
// the tables.

// countedFacets are the facet fields facet_counts holds.
var countedFacets = map[string]bool{"organization": true, "owner_org": true, "license_id": true, "tags": true, "res_format": true}

// facetValues returns the (field, value) pairs a dataset adds to the
// public catalogue's facets: none unless it is active and public. Owner
// organisations are stored under "organization" (their ids, as the query
// counts them).
func facetValues(d *catalog.Dataset) map[[2]string]bool {
	out := map[[2]string]bool{}
	if d == nil || d.State != catalog.StateActive || d.Private {
		return out
	}
	out[[2]string{publicCount, ""}] = true
	if d.OwnerOrg != "" {
		out[[2]string{"organization", d.OwnerOrg}] = true
	}
	if d.LicenseID != "" {
		out[[2]string{"license_id", d.LicenseID}] = true
	}
	for _, t := range d.Tags {
		if t.Name != "" {
			out[[2]string{"tags", t.Name}] = true
		}
	}
	for _, r := range d.Resources {
		if r.Format != "" && (r.State == "" || r.State == catalog.StateActive) {
			out[[2]string{"res_format", r.Format}] = true
		}
	}
	return out
}

// adjustFacetCounts moves the counts from what cur (nil: nothing) added to
// what d adds, in one statement.
func adjustFacetCounts(tx *gorm.DB, cur, d *catalog.Dataset) error {
	before, after := facetValues(cur), facetValues(d)
	var rows []string
	var args []any
	for k := range before {
		if !after[k] {
			rows, args = append(rows, "(?, ?, ?)"), append(args, k[0], k[1], -1)
		}
	}
	for k := range after {
		if !before[k] {
			rows, args = append(rows, "(?, ?, ?)"), append(args, k[0], k[1], 1)
		}
	}
	if len(rows) == 0 {
		return nil
	}
	return tx.Exec(`INSERT INTO facet_counts (field, value, n) VALUES `+strings.Join(rows, ", ")+`
		ON CONFLICT (field, value) DO UPDATE SET n = facet_counts.n + excluded.n`, args...).Error
}

// publicCount is the facet_counts field counting the public catalogue's
// datasets.
const publicCount = "#datasets"

// countedDatasets returns how many datasets the public catalogue holds.
func countedDatasets(tx *gorm.DB) (int, error) {
	var n []int
	err := tx.Table("facet_counts").Where("field = ? AND value = ''", publicCount).Pluck("n", &n).Error
	if err != nil || len(n) == 0 {
		return 0, err
	}
	return n[0], nil
}

// countedFacet reads a facet of the public catalogue from facet_counts, in
// the order facet() gives: count descending, then value.
func countedFacet(tx *gorm.DB, field string, limit, minCount int) ([]facetRow, error) {
	if field == "owner_org" {
		field = "organization"
	}
	q := tx.Table("facet_counts").Select("value AS name, n").
		Where("field = ? AND n >= ?", field, max(minCount, 1)).Order("n DESC, value")
	if limit >= 0 {
		q = q.Limit(limit)
	}
	var rows []facetRow
	err := q.Scan(&rows).Error
	return rows, err
}

// facetRow is one value of a facet and its count.
type facetRow struct {
	Name string
	N    int
}

// backfillFacetCounts counts the facets of the public catalogue from the
// tables, for the migration that creates facet_counts.
func backfillFacetCounts(tx *gorm.DB) error {
	const visible = " d.state = 'active' AND d.private = ? "
	for _, stmt := range []string{
		`INSERT INTO facet_counts (field, value, n) SELECT '` + publicCount + `', '', count(*) FROM datasets d WHERE` + visible,
		`INSERT INTO facet_counts (field, value, n) SELECT 'organization', d.owner_org, count(*) FROM datasets d
			WHERE` + visible + `AND d.owner_org <> '' GROUP BY d.owner_org`,
		`INSERT INTO facet_counts (field, value, n) SELECT 'license_id', d.license_id, count(*) FROM datasets d
			WHERE` + visible + `AND d.license_id <> '' GROUP BY d.license_id`,
		`INSERT INTO facet_counts (field, value, n) SELECT 'tags', t.name, count(*) FROM datasets d
			JOIN dataset_tags dt ON dt.dataset_id = d.id JOIN tags t ON t.id = dt.tag_id
			WHERE` + visible + `AND t.name <> '' GROUP BY t.name`,
		`INSERT INTO facet_counts (field, value, n) SELECT 'res_format', r.format, count(DISTINCT d.id) FROM datasets d
			JOIN resources r ON r.dataset_id = d.id AND r.state = 'active'
			WHERE` + visible + `AND r.format <> '' GROUP BY r.format`,
	} {
		if err := tx.Exec(stmt, false).Error; err != nil {
			return err
		}
	}
	return nil
}
