package catalog

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
)

// OrganizationService stores organisations. Methods read the caller from
// the context (PrincipalFrom) and enforce the rules in this package.
type OrganizationService interface {
	// CreateOrganization stores a new organisation (sysadmins only) and
	// returns it as stored.
	CreateOrganization(ctx context.Context, o *Organization) (*Organization, error)
	// UpdateOrganization loads the organisation, lets update change it and
	// stores the result in one transaction.
	UpdateOrganization(ctx context.Context, idOrName string, update func(*Organization) error) (*Organization, error)
	// FindOrganization returns an active organisation by id or name, or a
	// KindNotFound error.
	FindOrganization(ctx context.Context, idOrName string) (*Organization, error)
	// ListOrganizations returns active organisations, with PackageCount
	// set to the datasets the caller can see.
	ListOrganizations(ctx context.Context, f OrganizationFilter) ([]*Organization, error)
}

// OrganizationFilter selects and orders organisations.
type OrganizationFilter struct {
	Names  []string // only these names (or ids), when not empty
	Sort   string   // "name", "title" or "package_count", then "asc" or "desc"
	Limit  int
	Offset int
}

// DatasetService stores datasets and their resources.
type DatasetService interface {
	// FindDataset returns a dataset by id or name if the caller may read
	// it: KindNotFound when it does not exist (or is deleted and the
	// caller may not write it), KindForbidden when it is private.
	FindDataset(ctx context.Context, idOrName string) (*Dataset, error)
	// ListDatasetNames returns names of active public datasets by name;
	// limit < 0 means all of them.
	ListDatasetNames(ctx context.Context, limit, offset int) ([]string, error)
	// WalkDatasetNames calls fn with each name ListDatasetNames would
	// return, as they are read, so that a list of every name (which
	// harvesters ask for) is never held in memory. An error from fn stops
	// the walk and is returned.
	WalkDatasetNames(ctx context.Context, limit, offset int, fn func(name string) error) error
	// SearchDatasets runs a CKAN package_search.
	SearchDatasets(ctx context.Context, p SearchParams) (*SearchResult, error)
	// CreateDataset stores a new dataset with its resources.
	CreateDataset(ctx context.Context, d *Dataset) (*Dataset, error)
	// UpdateDataset loads a dataset, lets update change it and stores the
	// result in one transaction. Resources without an id are created;
	// resources missing from the new list are deleted.
	UpdateDataset(ctx context.Context, idOrName string, update func(*Dataset) error) (*Dataset, error)
	// DeleteDataset marks a dataset deleted.
	DeleteDataset(ctx context.Context, idOrName string) error

	// FindResource returns an active resource of a dataset the caller may
	// read.
	FindResource(ctx context.Context, id string) (*Resource, error)
	// CreateResource appends r to the dataset named by r.DatasetID (id or
	// name).
	CreateResource(ctx context.Context, r *Resource) (*Resource, error)
	// UpdateResource loads a resource, lets update change it and stores it.
	UpdateResource(ctx context.Context, id string, update func(*Resource) error) (*Resource, error)
	// DeleteResource removes a resource from its dataset.
	DeleteResource(ctx context.Context, id string) error

	// ListTags returns the tags of active public datasets, by name,
	// optionally only those containing query.
	ListTags(ctx context.Context, query string) ([]Tag, error)
}

// TokenService stores API tokens. Tokens are created by operators on the
// command line, never through the API.
type TokenService interface {
	// CreateToken stores t and returns the secret to show once.
	CreateToken(ctx context.Context, t *Token) (secret string, err error)
	// Authenticate returns the principal of a secret, or a KindForbidden
	// error when no token has it.
	Authenticate(ctx context.Context, secret string) (*Principal, error)
	// EnsureBootstrapToken stores secret as a sysadmin token if no
	// sysadmin token exists yet, and reports whether it did.
	EnsureBootstrapToken(ctx context.Context, secret string) (bool, error)
}

// NewTokenSecret returns a new random API token secret.
func NewTokenSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return "psl_" + base64.RawURLEncoding.EncodeToString(b), nil
}

// HashToken returns the hash under which a token secret is stored. Secrets
// are 256 random bits, so a plain SHA-256 is enough: there is nothing to
// brute-force.
func HashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}
