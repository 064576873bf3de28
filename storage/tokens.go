package storage

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"github.com/passerelle/passerelle/catalog"
	"gorm.io/gorm"
)

// TokenService implements catalog.TokenService.
type TokenService struct{ db *DB }

var _ catalog.TokenService = (*TokenService)(nil)

// NewTokenService returns the token store of db.
func NewTokenService(db *DB) *TokenService { return &TokenService{db: db} }

// CreateToken implements catalog.TokenService. An editor token names its
// organisation by id or name in t.OrgID.
func (s *TokenService) CreateToken(ctx context.Context, t *catalog.Token) (string, error) {
	fe := catalog.FieldErrors{}
	if t.Name == "" {
		fe.Add("name", "Missing value")
	}
	if t.Sysadmin == (t.OrgID != "") {
		fe.Add("org", "A token is either a sysadmin token or an organization editor token")
	}
	if err := fe.Err(); err != nil {
		return "", err
	}
	secret, err := catalog.NewTokenSecret()
	if err != nil {
		return "", internal("create token", err)
	}
	row := tokenRow{ID: uuid.NewString(), Name: t.Name, Hash: catalog.HashToken(secret), Sysadmin: t.Sysadmin, Created: s.db.now()}
	err = s.db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if t.OrgID != "" {
			org, err := findOrganization(tx, t.OrgID)
			if catalog.ErrorKind(err) == catalog.KindNotFound {
				return catalog.Invalid("org", "Organization does not exist")
			} else if err != nil {
				return err
			}
			row.OrganizationID = &org.ID
		}
		return tx.Create(&row).Error
	})
	if err != nil {
		return "", internal("create token", err)
	}
	t.ID, t.Created = row.ID, row.Created
	if row.OrganizationID != nil {
		t.OrgID = *row.OrganizationID
	}
	return secret, nil
}

// Authenticate implements catalog.TokenService.
func (s *TokenService) Authenticate(ctx context.Context, secret string) (*catalog.Principal, error) {
	var row tokenRow
	err := s.db.gorm.WithContext(ctx).Where("hash = ?", catalog.HashToken(secret)).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, catalog.Forbiddenf("unknown API token")
	}
	if err != nil {
		return nil, internal("authenticate", err)
	}
	p := &catalog.Principal{TokenID: row.ID, Name: row.Name, Sysadmin: row.Sysadmin}
	if row.OrganizationID != nil {
		p.OrgID = *row.OrganizationID
	}
	return p, nil
}

// EnsureBootstrapToken implements catalog.TokenService.
func (s *TokenService) EnsureBootstrapToken(ctx context.Context, secret string) (bool, error) {
	created := false
	err := s.db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&tokenRow{}).Where("sysadmin = ?", true).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		created = true
		return tx.Create(&tokenRow{
			ID: uuid.NewString(), Name: "bootstrap", Hash: catalog.HashToken(secret),
			Sysadmin: true, Created: s.db.now(),
		}).Error
	})
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		// Instances started together with the same secret: another one
		// stored it between our count and our insert.
		var n int64
		if s.db.gorm.WithContext(ctx).Model(&tokenRow{}).Where("hash = ? AND sysadmin = ?", catalog.HashToken(secret), true).Count(&n).Error == nil && n > 0 {
			return false, nil
		}
	}
	if err != nil {
		return false, internal("store bootstrap token", err)
	}
	return created, nil
}
