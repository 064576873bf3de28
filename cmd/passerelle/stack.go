package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/passerelle/passerelle/catalog"
	"github.com/passerelle/passerelle/catalog/ingest"
	"github.com/passerelle/passerelle/storage"
	"github.com/passerelle/passerelle/tableschema"
)

// fileFlags are the flags of commands that store files and tables.
type fileFlags struct {
	BlobURL  string        `help:"Where files go: empty for the data directory, or s3://bucket?endpoint=…&use_path_style=true for S3-compatible storage."`
	JobLease time.Duration `help:"How long an ingestion stays with a worker that stops answering before another takes it." default:"30s"`
	schemaFlags
}

// schemaFlags say where the Table Schemas resources declare come from.
type schemaFlags struct {
	SchemasDir    string   `help:"Directory of Table Schemas (JSON, e.g. a copy of schema.data.gouv.fr's repositories) that resources may name by id (scdl/subventions)."`
	SchemaCatalog string   `help:"Catalogue of Table Schemas (schema.data.gouv.fr's format) loaded in the background when the network allows; empty for none." default:"https://schema.data.gouv.fr/schemas/schemas.json"`
	SchemaHosts   []string `help:"The only hosts schemas given by URL are fetched from (https; write http://host to allow plain http), so that a URL sent to the API cannot make the server reach an internal address." default:"schema.data.gouv.fr,raw.githubusercontent.com,github.com,gitlab.com,git.opendatafrance.net"`
	Offline       bool     `help:"Never fetch a schema over the network: only the schemas of --schemas-dir are known."`
}

// registry returns the schema registry: the directory's schemas, and a
// client for schemas given by URL unless offline.
func (f schemaFlags) registry() (*tableschema.Registry, error) {
	reg := tableschema.NewRegistry()
	if !f.Offline {
		reg.Client = &http.Client{Timeout: 20 * time.Second}
	}
	reg.AllowHosts = f.SchemaHosts
	if f.SchemasDir != "" {
		if _, err := os.Stat(f.SchemasDir); err != nil {
			return nil, fmt.Errorf("schemas directory %s: %w", f.SchemasDir, plainFileError(err))
		}
		if err := reg.LoadDir(f.SchemasDir); err != nil {
			// The directory's other schemas are loaded: a broken file
			// is worth a warning, not a refusal to start.
			return reg, fmt.Errorf("some schemas of %s were skipped: %w", f.SchemasDir, err)
		}
	}
	return reg, nil
}

// stack is everything a command that ingests files needs.
type stack struct {
	db        *storage.DB
	blobs     catalog.BlobStore
	datastore catalog.Datastore
	jobs      *storage.JobQueue
	schemas   *tableschema.Registry
	pipeline  *ingest.Pipeline
	tempDir   string
}

// openStores opens the catalogue, the blob store at blobURL and the
// datastore: what check, backup and restore work on.
func openStores(ctx context.Context, sf storageFlags, blobURL string, log *slog.Logger) (*stack, error) {
	db, err := sf.open(ctx, log)
	if err != nil {
		return nil, err
	}
	st := &stack{db: db, jobs: storage.NewJobQueue(db)}
	if st.blobs, err = storage.OpenBlobStore(ctx, blobURL, sf.DataDir); err != nil {
		st.close()
		return nil, err
	}
	if st.datastore, err = storage.NewDatastore(db, sf.DataDir); err != nil {
		st.close()
		return nil, fmt.Errorf("open datastore: %w", err)
	}
	return st, nil
}

// openStack opens the stores and what ingests files into them.
func openStack(ctx context.Context, sf storageFlags, ff fileFlags, log *slog.Logger) (*stack, error) {
	st, err := openStores(ctx, sf, ff.BlobURL, log)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*stack, error) {
		st.close()
		return nil, err
	}
	// Temporary files next to the data, on the same disk as the blobs.
	st.tempDir = filepath.Join(sf.DataDir, "tmp")
	if err := os.MkdirAll(st.tempDir, 0o750); err != nil {
		return fail(fmt.Errorf("create temporary directory: %w", err))
	}
	st.schemas, err = ff.registry()
	if st.schemas == nil {
		return fail(err)
	}
	if err != nil {
		log.Warn("schemas", "err", err)
	}
	st.pipeline = &ingest.Pipeline{
		Jobs: st.jobs, Blobs: st.blobs, Datastore: st.datastore, Log: log,
		Lease: ff.JobLease, TempDir: st.tempDir, Schemas: st.schemas,
	}
	return st, nil
}

// ready checks that the database and the blob store answer.
func (st *stack) ready(ctx context.Context) error {
	return errors.Join(st.db.Ping(ctx), st.blobs.Ping(ctx))
}

func (st *stack) close() {
	if c, ok := st.datastore.(interface{ Close() error }); ok {
		c.Close()
	}
	if c, ok := st.blobs.(interface{ Close() error }); ok {
		c.Close()
	}
	st.db.Close()
}

// loadSchemaCatalog adds the catalogue's schemas to the registry, logging
// the outcome; being offline only costs a log line.
func (f schemaFlags) loadSchemaCatalog(ctx context.Context, reg *tableschema.Registry, log *slog.Logger) {
	if f.Offline || f.SchemaCatalog == "" {
		return
	}
	start := time.Now()
	n, err := reg.LoadCatalog(ctx, f.SchemaCatalog)
	if err != nil {
		log.Warn("schema catalogue", "url", f.SchemaCatalog, "added", n, "err", err)
		return
	}
	log.Info("schema catalogue loaded", "url", f.SchemaCatalog, "added", n, "elapsed", time.Since(start).Round(time.Millisecond))
}
