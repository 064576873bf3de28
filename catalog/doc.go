// Package catalog is Passerelle's domain: organisations, datasets
// (dcat:Dataset), resources (dcat:Distribution), licences, API tokens, the
// rules that govern them (validation, authorisation) and the service
// interfaces that the storage package implements. It knows nothing about
// HTTP or databases and imports only the standard library.
package catalog
