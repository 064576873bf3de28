package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/passerelle/passerelle/storage"
)

type checkCmd struct {
	storageFlags
	BlobURL string        `help:"Where files go: empty for the data directory, or s3://bucket?endpoint=…&use_path_style=true for S3-compatible storage."`
	Grace   time.Duration `help:"Leave alone files, tables and temporary files younger than this: on a live server they belong to an upload or ingestion still under way." default:"1h"`
	Repair  bool          `help:"Fix what can be fixed safely: delete unused files, tables and temporary files, put interrupted ingestions back in the queue, mark resources whose table is gone as not in the datastore. Datasets and resources are never deleted."`
}

func (c *checkCmd) Run(e *env) error {
	st, err := openStores(e.ctx, c.storageFlags, c.BlobURL, e.log)
	if err != nil {
		return err
	}
	defer st.close()
	// Temporary files are each instance's own: the data directory's of
	// this machine are checked.
	rep, err := storage.Check(e.ctx, st.db, st.blobs, st.datastore, storage.CheckOptions{DataDir: c.DataDir, Grace: c.Grace, Repair: c.Repair})
	if err != nil {
		return fmt.Errorf("check: %w", err)
	}
	return printCheck(e, rep, c.Grace, c.Repair)
}

// printCheck writes the report and returns an error (exit status 1) when
// problems are left.
func printCheck(e *env, rep *storage.CheckReport, grace time.Duration, repair bool) error {
	w := e.stdout
	fmt.Fprintf(w, "Checked %d resources, %d stored files, %d datastore tables and %d ingestion jobs.\n", rep.Resources, rep.Blobs, rep.Tables, rep.Jobs)
	for _, f := range rep.Findings {
		fmt.Fprintln(w, "- "+f.Msg)
		if f.Action != "" {
			fmt.Fprintln(w, "  "+f.Action)
		}
	}
	if rep.Young > 0 {
		fmt.Fprintf(w, "Left alone %s younger than %s (unused files, tables or temporary files): an upload or ingestion may still be using them.\n", plural(rep.Young, "leftover"), grace)
	}
	left := rep.Unrepaired()
	switch {
	case len(rep.Findings) == 0:
		fmt.Fprintln(w, "No problem found.")
		return nil
	case left == 0:
		fmt.Fprintf(w, "Repaired %s.\n", plural(len(rep.Findings), "problem"))
		return nil
	case repair:
		return fmt.Errorf("%d of %d problems could not be repaired: see above", left, len(rep.Findings))
	}
	return errors.New(plural(left, "problem") + " found: run passerelle check --repair to fix what can be fixed")
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
