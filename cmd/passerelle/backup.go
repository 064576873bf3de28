package main

import (
	"fmt"

	"github.com/passerelle/passerelle/storage"
)

type backupCmd struct {
	storageFlags
	BlobURL string `help:"Where files are: empty for the data directory, or s3://bucket?… (the files are copied into the backup)."`
	Dir     string `arg:"" help:"Directory to write the backup to: new or empty." type:"path"`
}

func (c *backupCmd) Run(e *env) error {
	st, err := openStores(e.ctx, c.storageFlags, c.BlobURL, e.log)
	if err != nil {
		return err
	}
	defer st.close()
	m, err := storage.Backup(e.ctx, st.db, st.blobs, c.DataDir, c.Dir, versionString())
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(e.stdout, "Backed up %d datasets, %d resources, %d datastore tables and %d files to %s.\n", m.Datasets, m.Resources, m.Tables, m.Blobs, c.Dir)
	for _, k := range m.Missing {
		fmt.Fprintf(e.stdout, "- File %s was already missing from the blob store: not in the backup (passerelle check reports it).\n", k)
	}
	return nil
}

type restoreCmd struct {
	storageFlags
	BlobURL string `help:"Where to put the files: empty for the data directory, or s3://bucket?…"`
	Dir     string `arg:"" help:"Backup directory written by passerelle backup." type:"existingdir"`
	Force   bool   `help:"Replace the catalogue, datastore and files of a data directory that is not empty. Stop the server first."`
}

func (c *restoreCmd) Run(e *env) error {
	if c.DatabaseURL != "" {
		return fmt.Errorf("restore writes a SQLite data directory; for PostgreSQL, restore the pg_dump backup with pg_restore")
	}
	m, err := storage.Restore(e.ctx, c.Dir, c.DataDir, c.BlobURL, c.Force)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	fmt.Fprintf(e.stdout, "Restored %d datasets, %d resources, %d datastore tables and %d files (backup of %s by passerelle %s) into %s.\n",
		m.Datasets, m.Resources, m.Tables, m.Blobs, m.Created.Format("2006-01-02 15:04:05 UTC"), m.Version, c.DataDir)
	// Opening migrates a backup from an older version, and the check
	// shows the restored data is whole.
	st, err := openStores(e.ctx, c.storageFlags, c.BlobURL, e.log)
	if err != nil {
		return err
	}
	defer st.close()
	rep, err := storage.Check(e.ctx, st.db, st.blobs, st.datastore, storage.CheckOptions{DataDir: c.DataDir, Grace: 0})
	if err != nil {
		return fmt.Errorf("check the restored data: %w", err)
	}
	return printCheck(e, rep, 0, false)
}
