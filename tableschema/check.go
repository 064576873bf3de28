package tableschema

import (
	"context"
	"net/url"
	"strings"
)

// IsInline reports whether a reference is a Table Schema written out (a
// JSON object), as ckanext-validation accepts in a resource's schema.
func IsInline(ref string) bool {
	return strings.HasPrefix(strings.TrimSpace(ref), "{")
}

// Check tells, without fetching anything, whether a reference given by an
// API client can be used: an id must be in the registry, a URL must be an
// http(s) URL (it is fetched when the file is checked), an inline schema
// must be a Table Schema. A URL on a host AllowHosts does not list is
// refused at once, unless the registry knows it. Local paths are refused whatever AllowFiles
// says: a server's files are not the client's. Failures are *Error values.
func (r *Registry) Check(ref string) error {
	ref = strings.TrimSpace(ref)
	switch {
	case IsInline(ref):
		_, err := Parse([]byte(ref))
		return err
	case strings.HasPrefix(ref, "http://") || strings.HasPrefix(ref, "https://"):
		u, err := url.Parse(ref)
		if err != nil || u.Host == "" {
			return newError(ErrNotFound, err, "%s is not a valid URL", "%s n'est pas une URL valide", ref)
		}
		r.mu.RLock()
		_, known := r.byPath[ref]
		r.mu.RUnlock()
		if !known && !r.hostAllowed(u) {
			return r.refusedHost(docSchema, ref, u)
		}
		return nil
	}
	_, err := r.Get(ref)
	return err
}

// ResolveRef is Resolve that also reads inline schemas.
func (r *Registry) ResolveRef(ctx context.Context, ref string) (*Schema, error) {
	if IsInline(ref) {
		return Parse([]byte(strings.TrimSpace(ref)))
	}
	return r.Resolve(ctx, ref)
}
