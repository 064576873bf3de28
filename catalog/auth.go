package catalog

import (
	"context"
	"time"
)

// Principal is the caller an API token identifies. A nil *Principal is an
// anonymous caller.
type Principal struct {
	TokenID  string
	Name     string // the token's label, for logs
	Sysadmin bool
	OrgID    string // the organisation an editor token may write to
}

// Token is a stored API token. Only the hash of its secret is kept.
type Token struct {
	ID       string
	Name     string
	Sysadmin bool
	OrgID    string
	Created  time.Time
	LastUsed *time.Time
}

type principalKey struct{}

// WithPrincipal returns a context carrying p as the caller.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the caller carried by ctx, or nil for an anonymous
// caller.
func PrincipalFrom(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}

// CanWriteOrg reports whether p may create, change or delete datasets of the
// organisation orgID, and change the organisation itself.
func (p *Principal) CanWriteOrg(orgID string) bool {
	if p == nil {
		return false
	}
	return p.Sysadmin || (p.OrgID != "" && p.OrgID == orgID)
}

// CanReadDataset reports whether p may see d: everyone sees active public
// datasets; private, draft and deleted ones are seen only by those who may
// write them.
func (p *Principal) CanReadDataset(d *Dataset) bool {
	if d.State == StateActive && !d.Private {
		return true
	}
	return p.CanWriteOrg(d.OwnerOrg)
}

// IsSysadmin reports whether p is a sysadmin.
func (p *Principal) IsSysadmin() bool { return p != nil && p.Sysadmin }

// ReadableOrgs returns the organisations whose private datasets p may see,
// and all=true for a sysadmin who sees every one of them.
func (p *Principal) ReadableOrgs() (orgIDs []string, all bool) {
	switch {
	case p == nil:
		return nil, false
	case p.Sysadmin:
		return nil, true
	case p.OrgID != "":
		return []string{p.OrgID}, false
	}
	return nil, false
}

// actor returns a short description of p for authorisation messages.
func (p *Principal) actor() string {
	if p == nil {
		return "anonymous caller"
	}
	return "token " + p.Name
}

// ErrorNotAuthorized returns a Forbidden error that says what p may not do.
func (p *Principal) ErrorNotAuthorized(what string) error {
	return Forbiddenf("%s not authorized to %s", p.actor(), what)
}
