// Package ingest runs SPEC §4's pipeline on an uploaded file: detect its
// format and tables (converters), infer each table's types, write its
// normalised CSV, load its rows into the datastore and publish the result
// in the catalogue, in one transaction. Workers take the jobs from the
// durable queue; `passerelle import` runs the same pipeline in the
// foreground.
package ingest
