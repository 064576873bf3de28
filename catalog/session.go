package catalog

import (
	"context"
	"time"
)

// Session is a sign-in to the web pages, opened with an API token and
// standing for it.
type Session struct {
	// Principal is the session's token as it is now: a token changed or
	// deleted after sign-in changes or ends its sessions.
	Principal *Principal
	Created   time.Time
	LastSeen  time.Time
	Expires   time.Time
}

// SessionStore keeps web sessions where every instance of the server sees
// them, so that any instance serves any visitor and a restart signs no
// one out. Session ids are secrets (256 random bits) held by the browser;
// stores keep only their hash, as for API tokens.
type SessionStore interface {
	// CreateSession stores a session with id for the token tokenID,
	// expiring ttl from now. It may drop a bounded number of expired
	// sessions on the way.
	CreateSession(ctx context.Context, id, tokenID string, ttl time.Duration) (*Session, error)
	// FindSession returns the session of id, moving its expiry to ttl
	// from now; the write is skipped when the session was seen less than
	// a minute ago, so that a page view does not cost one. It returns a
	// KindNotFound error when id is unknown, expired or its token is gone.
	FindSession(ctx context.Context, id string, ttl time.Duration) (*Session, error)
	// DeleteSession ends the session of id; ending an unknown one is not
	// an error.
	DeleteSession(ctx context.Context, id string) error
}
