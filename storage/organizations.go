package storage

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/passerelle/passerelle/catalog"
	"gorm.io/gorm"
)

// OrganizationService implements catalog.OrganizationService.
type OrganizationService struct{ db *DB }

var _ catalog.OrganizationService = (*OrganizationService)(nil)

// NewOrganizationService returns the organisation store of db.
func NewOrganizationService(db *DB) *OrganizationService { return &OrganizationService{db: db} }

// CreateOrganization implements catalog.OrganizationService.
func (s *OrganizationService) CreateOrganization(ctx context.Context, o *catalog.Organization) (*catalog.Organization, error) {
	p := catalog.PrincipalFrom(ctx)
	if !p.IsSysadmin() {
		return nil, p.ErrorNotAuthorized("create organizations (sysadmins only)")
	}
	o = cloneOrganization(o)
	if o.State == "" {
		o.State = catalog.StateActive
	}
	if o.ID == "" {
		o.ID = uuid.NewString()
	} else if err := uuid.Validate(o.ID); err != nil {
		return nil, catalog.Invalid("id", "Must be a UUID")
	}
	if err := o.Validate(); err != nil {
		return nil, err
	}
	now := s.db.now()
	o.Created = now
	err := s.db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if taken, err := orgNameTaken(tx, o.Name, ""); err != nil {
			return err
		} else if taken {
			return catalog.Invalid("name", msgOrgNameTaken)
		}
		var n int64
		if err := tx.Model(&organizationRow{}).Where("id = ?", o.ID).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return catalog.Invalid("id", "An organization with this id already exists")
		}
		row := orgToRow(o, now)
		if err := tx.Create(&row).Error; err != nil {
			return duplicateAs(err, "name", msgOrgNameTaken)
		}
		return writeOrgExtras(tx, o)
	})
	if err != nil {
		return nil, internal("create organization", err)
	}
	return s.FindOrganization(ctx, o.ID)
}

// UpdateOrganization implements catalog.OrganizationService.
func (s *OrganizationService) UpdateOrganization(ctx context.Context, idOrName string, update func(*catalog.Organization) error) (*catalog.Organization, error) {
	p := catalog.PrincipalFrom(ctx)
	var id string
	err := s.db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		cur, err := findOrganization(tx, idOrName)
		if err != nil {
			return err
		}
		if !p.CanWriteOrg(cur.ID) {
			return p.ErrorNotAuthorized("edit organization " + cur.Name)
		}
		o := cloneOrganization(cur)
		if err := update(o); err != nil {
			return err
		}
		o.ID, o.Created = cur.ID, cur.Created
		if err := o.Validate(); err != nil {
			return err
		}
		if o.Name != cur.Name {
			if taken, err := orgNameTaken(tx, o.Name, o.ID); err != nil {
				return err
			} else if taken {
				return catalog.Invalid("name", msgOrgNameTaken)
			}
		}
		now := s.db.now()
		row := orgToRow(o, now)
		if err := tx.Model(&organizationRow{ID: o.ID}).Select("*").Omit("id", "created").Updates(&row).Error; err != nil {
			return duplicateAs(err, "name", msgOrgNameTaken)
		}
		if visibleChange(cur, o) {
			// The organisation shows in its datasets' dicts and feeds
			// (organization, publisher): incremental harvesters must see
			// them change (harvest-contract.md §7, pitfall 10).
			if err := tx.Model(&datasetRow{}).Where("owner_org = ?", o.ID).Update("metadata_modified", now).Error; err != nil {
				return err
			}
			if err := reindexOrganization(tx, s.db.dialect, o.ID); err != nil {
				return err
			}
			if err := bumpVersion(tx); err != nil {
				return err
			}
		}
		if err := tx.Where("organization_id = ?", o.ID).Delete(&organizationExtraRow{}).Error; err != nil {
			return err
		}
		id = o.ID
		return writeOrgExtras(tx, o)
	})
	if err != nil {
		return nil, internal("update organization", err)
	}
	return s.FindOrganization(ctx, id)
}

// FindOrganization implements catalog.OrganizationService.
func (s *OrganizationService) FindOrganization(ctx context.Context, idOrName string) (*catalog.Organization, error) {
	tx := s.db.gorm.WithContext(ctx)
	o, err := findOrganization(tx, idOrName)
	if err != nil {
		return nil, internal("find organization", err)
	}
	counts, err := packageCounts(tx, catalog.PrincipalFrom(ctx), []string{o.ID})
	if err != nil {
		return nil, internal("count datasets", err)
	}
	o.PackageCount = counts[o.ID]
	return o, nil
}

// ListOrganizations implements catalog.OrganizationService.
func (s *OrganizationService) ListOrganizations(ctx context.Context, f catalog.OrganizationFilter) ([]*catalog.Organization, error) {
	tx := s.db.gorm.WithContext(ctx)
	q := tx.Model(&organizationRow{}).Where("state = ?", catalog.StateActive)
	if len(f.Names) > 0 {
		q = q.Where("name IN ? OR id IN ?", f.Names, f.Names)
	}
	var rows []organizationRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, internal("list organizations", err)
	}
	orgs := make([]*catalog.Organization, len(rows))
	ids := make([]string, len(rows))
	for i := range rows {
		orgs[i] = rows[i].toCatalog()
		ids[i] = rows[i].ID
	}
	counts, err := packageCounts(tx, catalog.PrincipalFrom(ctx), ids)
	if err != nil {
		return nil, internal("count datasets", err)
	}
	for _, o := range orgs {
		o.PackageCount = counts[o.ID]
	}
	if err := sortOrganizations(orgs, f.Sort); err != nil {
		return nil, err
	}
	if f.Offset >= len(orgs) {
		return []*catalog.Organization{}, nil
	}
	orgs = orgs[f.Offset:]
	if f.Limit >= 0 && f.Limit < len(orgs) {
		orgs = orgs[:f.Limit]
	}
	if err := loadOrgExtras(tx, orgs); err != nil {
		return nil, internal("list organizations", err)
	}
	return orgs, nil
}

// sortOrganizations orders in memory: organisations number in the hundreds,
// and package_count is computed per caller.
func sortOrganizations(orgs []*catalog.Organization, spec string) error {
	field, dir := "title", "asc"
	if f := strings.Fields(spec); len(f) > 0 {
		field = f[0]
		if len(f) > 1 {
			dir = strings.ToLower(f[1])
		}
		if len(f) > 2 || (dir != "asc" && dir != "desc") {
			return catalog.Invalid("sort", fmt.Sprintf("Cannot sort by %q: use a field then asc or desc", spec))
		}
	}
	var less func(a, b *catalog.Organization) int
	switch field {
	case "name":
		less = func(a, b *catalog.Organization) int { return strings.Compare(a.Name, b.Name) }
	case "title":
		less = func(a, b *catalog.Organization) int {
			return strings.Compare(foldText(a.DisplayTitle()), foldText(b.DisplayTitle()))
		}
	case "package_count", "packages":
		less = func(a, b *catalog.Organization) int { return a.PackageCount - b.PackageCount }
	default:
		return catalog.Invalid("sort", fmt.Sprintf("Cannot sort by field `%s`", field))
	}
	sort.SliceStable(orgs, func(i, j int) bool {
		c := less(orgs[i], orgs[j])
		if c == 0 {
			return orgs[i].Name < orgs[j].Name
		}
		if dir == "desc" {
			return c > 0
		}
		return c < 0
	})
	return nil
}

func findOrganization(tx *gorm.DB, idOrName string) (*catalog.Organization, error) {
	if idOrName == "" {
		return nil, catalog.Invalid("id", "Missing value")
	}
	var row organizationRow
	err := tx.Where("(id = ? OR name = ?) AND state = ?", idOrName, idOrName, catalog.StateActive).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, catalog.NotFoundf("Organization was not found")
	}
	if err != nil {
		return nil, err
	}
	o := row.toCatalog()
	if err := loadOrgExtras(tx, []*catalog.Organization{o}); err != nil {
		return nil, err
	}
	return o, nil
}

func orgNameTaken(tx *gorm.DB, name, exceptID string) (bool, error) {
	var n int64
	err := tx.Model(&organizationRow{}).Where("name = ? AND id <> ?", name, exceptID).Count(&n).Error
	return n > 0, err
}

func orgToRow(o *catalog.Organization, now time.Time) organizationRow {
	return organizationRow{
		ID: o.ID, Name: o.Name, Title: o.Title, Description: o.Description,
		ImageURL: o.ImageURL, SIREN: o.SIREN, Email: o.Email, State: string(o.State),
		Created: o.Created, Modified: now,
	}
}

func writeOrgExtras(tx *gorm.DB, o *catalog.Organization) error {
	if len(o.Extras) == 0 {
		return nil
	}
	rows := make([]organizationExtraRow, len(o.Extras))
	for i, e := range o.Extras {
		rows[i] = organizationExtraRow{OrganizationID: o.ID, Key: e.Key, Value: e.Value}
	}
	return tx.Create(&rows).Error
}

func loadOrgExtras(tx *gorm.DB, orgs []*catalog.Organization) error {
	if len(orgs) == 0 {
		return nil
	}
	byID := make(map[string]*catalog.Organization, len(orgs))
	ids := make([]string, len(orgs))
	for i, o := range orgs {
		byID[o.ID] = o
		ids[i] = o.ID
	}
	var rows []organizationExtraRow
	if err := tx.Where("organization_id IN ?", ids).Order("key").Find(&rows).Error; err != nil {
		return err
	}
	for _, r := range rows {
		o := byID[r.OrganizationID]
		o.Extras = append(o.Extras, catalog.Extra{Key: r.Key, Value: r.Value})
	}
	return nil
}

// packageCounts counts, per organisation, the active datasets p can see.
func packageCounts(tx *gorm.DB, p *catalog.Principal, orgIDs []string) (map[string]int, error) {
	counts := make(map[string]int, len(orgIDs))
	if len(orgIDs) == 0 {
		return counts, nil
	}
	q := tx.Model(&datasetRow{}).Select("owner_org, count(*) AS n").
		Where("owner_org IN ? AND state = ?", orgIDs, catalog.StateActive)
	if readable, all := p.ReadableOrgs(); !all {
		if len(readable) > 0 {
			q = q.Where("private = ? OR owner_org IN ?", false, readable)
		} else {
			q = q.Where("private = ?", false)
		}
	}
	var rows []struct {
		OwnerOrg string
		N        int
	}
	if err := q.Group("owner_org").Scan(&rows).Error; err != nil {
		return nil, err
	}
	for _, r := range rows {
		counts[r.OwnerOrg] = r.N
	}
	return counts, nil
}

func cloneOrganization(o *catalog.Organization) *catalog.Organization {
	c := *o
	c.Extras = append([]catalog.Extra(nil), o.Extras...)
	return &c
}

// visibleChange reports whether a change of organisation shows in its
// datasets.
func visibleChange(a, b *catalog.Organization) bool {
	return a.Name != b.Name || a.Title != b.Title || a.Description != b.Description ||
		a.ImageURL != b.ImageURL || a.Email != b.Email || a.SIREN != b.SIREN
}
