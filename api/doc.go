// Package api serves Passerelle over HTTP with gin: the CKAN Action API
// (/api/3/action/…), health and metrics endpoints. It decodes requests,
// calls the catalog services and writes CKAN's envelope; errors are mapped
// to CKAN's error types in one place (writeError).
package api
