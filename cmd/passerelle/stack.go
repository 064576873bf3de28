package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/passerelle/passerelle/catalog"
	"github.com/passerelle/passerelle/catalog/ingest"
	"github.com/passerelle/passerelle/storage"
)

// fileFlags are the flags of commands that store files and tables.
type fileFlags struct {
	BlobURL  string        `help:"Where files go: empty for the data directory, or s3://bucket?endpoint=…&use_path_style=true for S3-compatible storage."`
	JobLease time.Duration `help:"How long an ingestion stays with a worker that stops answering before another takes it." default:"30s"`
}

// stack is everything a command that ingests files needs.
type stack struct {
	db        *storage.DB
	blobs     catalog.BlobStore
	datastore catalog.Datastore
	jobs      *storage.JobQueue
	pipeline  *ingest.Pipeline
	tempDir   string
}

// openStack opens the catalogue, the blob store and the datastore.
func openStack(ctx context.Context, sf storageFlags, ff fileFlags, log *slog.Logger) (*stack, error) {
	db, err := sf.open(ctx, log)
	if err != nil {
		return nil, err
	}
	st := &stack{db: db, jobs: storage.NewJobQueue(db)}
	fail := func(err error) (*stack, error) {
		st.close()
		return nil, err
	}
	if st.blobs, err = storage.OpenBlobStore(ctx, ff.BlobURL, sf.DataDir); err != nil {
		return fail(err)
	}
	if st.datastore, err = storage.NewDatastore(db, sf.DataDir); err != nil {
		return fail(fmt.Errorf("open datastore: %w", err))
	}
	// Temporary files next to the data, on the same disk as the blobs.
	st.tempDir = filepath.Join(sf.DataDir, "tmp")
	if err := os.MkdirAll(st.tempDir, 0o750); err != nil {
		return fail(fmt.Errorf("create temporary directory: %w", err))
	}
	st.pipeline = &ingest.Pipeline{
		Jobs: st.jobs, Blobs: st.blobs, Datastore: st.datastore, Log: log,
		Lease: ff.JobLease, TempDir: st.tempDir,
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
