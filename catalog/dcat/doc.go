// Package dcat describes the catalogue in DCAT-AP 3 (SPEC §6) and writes
// it as RDF: Turtle, RDF/XML, JSON-LD and N-Triples. It maps catalog types
// to RDF nodes (Mapper), reports which DCAT-AP properties a dataset lacks
// (Completeness), and serialises nodes as they come (Encoder), so a feed
// page is written while it is read.
//
// The serialisers are written here rather than taken from a library: Go
// has no maintained RDF writer for all four formats, and writing (unlike
// parsing) is small. Escaping follows each format's grammar and is tested
// against hostile strings; the output is checked by independent parsers
// (rapper, rdflib) in the tests.
package dcat
