package storage

import (
	"context"
	"errors"
	"time"

	"github.com/passerelle/passerelle/catalog"
	"gorm.io/gorm"
)

const (
	// sessionTouchEvery is how stale a session's last use may get before
	// a visit records it: a write a minute at most, not one a page view.
	sessionTouchEvery = time.Minute
	// sessionSweepBatch bounds the expired sessions one sign-in deletes,
	// so that a backlog never makes one sign-in slow.
	sessionSweepBatch = 100
)

// SessionStore implements catalog.SessionStore in the catalogue database.
type SessionStore struct{ db *DB }

var _ catalog.SessionStore = (*SessionStore)(nil)

// NewSessionStore returns the web session store of db.
func NewSessionStore(db *DB) *SessionStore { return &SessionStore{db: db} }

type sessionRow struct {
	IDHash   string `gorm:"primaryKey"`
	TokenID  string
	Created  time.Time
	LastSeen time.Time
	Expires  time.Time
}

func (sessionRow) TableName() string { return "web_sessions" }

// CreateSession implements catalog.SessionStore. Expired sessions are
// swept here, a batch at a time: sign-ins are what adds rows.
func (s *SessionStore) CreateSession(ctx context.Context, id, tokenID string, ttl time.Duration) (*catalog.Session, error) {
	now := s.db.now()
	g := s.db.gorm.WithContext(ctx)
	err := g.Exec(`DELETE FROM web_sessions WHERE id_hash IN (SELECT id_hash FROM web_sessions WHERE expires <= ? LIMIT ?)`, now, sessionSweepBatch).Error
	if err != nil {
		return nil, internal("sweep expired sessions", err)
	}
	row := sessionRow{IDHash: catalog.HashToken(id), TokenID: tokenID, Created: now, LastSeen: now, Expires: now.Add(ttl)}
	if err := g.Create(&row).Error; err != nil {
		if errors.Is(err, gorm.ErrForeignKeyViolated) {
			return nil, catalog.NotFoundf("API token was not found")
		}
		return nil, internal("create session", err)
	}
	return s.FindSession(ctx, id, ttl)
}

// FindSession implements catalog.SessionStore. The principal is read from
// the token row with the session, in one statement.
func (s *SessionStore) FindSession(ctx context.Context, id string, ttl time.Duration) (*catalog.Session, error) {
	now := s.db.now()
	hash := catalog.HashToken(id)
	var row struct {
		TokenID                    string
		Created, LastSeen, Expires time.Time
		Name                       string
		Sysadmin                   bool
		OrganizationID             *string
	}
	res := s.db.gorm.WithContext(ctx).Raw(`SELECT s.token_id, s.created, s.last_seen, s.expires, t.name, t.sysadmin, t.organization_id
FROM web_sessions s JOIN api_tokens t ON t.id = s.token_id
WHERE s.id_hash = ? AND s.expires > ?`, hash, now).Scan(&row)
	if res.Error != nil {
		return nil, internal("find session", res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, catalog.NotFoundf("Session was not found")
	}
	if now.Sub(row.LastSeen) >= sessionTouchEvery {
		row.LastSeen, row.Expires = now, now.Add(ttl)
		err := s.db.gorm.WithContext(ctx).Model(&sessionRow{}).Where("id_hash = ?", hash).
			Updates(map[string]any{"last_seen": row.LastSeen, "expires": row.Expires}).Error
		if err != nil {
			return nil, internal("extend session", err)
		}
	}
	p := &catalog.Principal{TokenID: row.TokenID, Name: row.Name, Sysadmin: row.Sysadmin}
	if row.OrganizationID != nil {
		p.OrgID = *row.OrganizationID
	}
	return &catalog.Session{Principal: p, Created: row.Created.UTC(), LastSeen: row.LastSeen.UTC(), Expires: row.Expires.UTC()}, nil
}

// DeleteSession implements catalog.SessionStore.
func (s *SessionStore) DeleteSession(ctx context.Context, id string) error {
	err := s.db.gorm.WithContext(ctx).Where("id_hash = ?", catalog.HashToken(id)).Delete(&sessionRow{}).Error
	return internal("delete session", err)
}
