package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/schollz/progressbar/v3"

	"github.com/passerelle/passerelle/catalog"
	"github.com/passerelle/passerelle/catalog/ingest"
	"github.com/passerelle/passerelle/storage"
	"github.com/passerelle/passerelle/tableschema"
)

type importCmd struct {
	storageFlags
	fileFlags
	File         string `arg:"" help:"CSV, TSV, XLSX or ODS file to publish."`
	Org          string `required:"" help:"Organisation (name or id) that publishes the dataset."`
	Dataset      string `required:"" help:"Dataset name (slug); created if it does not exist."`
	Title        string `help:"Title of a new dataset (default: from the file name)."`
	License      string `help:"Licence id of a new dataset, e.g. lov2 (see license_list)."`
	ResourceName string `help:"Name of the resource (default: the file name). A resource of the dataset with this file name is replaced."`
	Schema       string `help:"Table Schema the file follows, checked during ingestion: a registry id (scdl/subventions), a URL, or a file (stored with the resource)."`
	Progress     string `help:"Progress display: auto (a bar on a terminal), bar, lines or none." default:"auto" enum:"auto,bar,lines,none"`
}

// Run publishes a file the way an upload through the API does: stored as
// is, then ingested (types, normalised CSV, datastore) in the foreground.
func (c *importCmd) Run(e *env) error {
	info, err := os.Stat(c.File)
	if err != nil {
		return fmt.Errorf("%s: %w", c.File, plainFileError(err))
	}
	if info.IsDir() {
		return fmt.Errorf("%s is a folder, not a file", c.File)
	}
	st, err := openStack(e.ctx, c.storageFlags, c.fileFlags, e.log)
	if err != nil {
		return err
	}
	defer st.close()
	ctx := catalog.WithPrincipal(e.ctx, operator)
	schema, err := c.schemaRef(ctx, st)
	if err != nil {
		return err
	}
	start := time.Now()
	datasets := storage.NewDatasetService(st.db)
	name := filepath.Base(c.File)
	r, err := publishFile(ctx, st, datasets, publishSpec{
		Org: c.Org, Dataset: c.Dataset, Title: c.Title, License: c.License,
		Path: c.File, Name: name, ResourceName: c.ResourceName, Schema: schema,
	})
	if err != nil {
		return err
	}
	show := c.progress(e.stderr)
	if err := runJob(ctx, st, r.Ingest.JobID, show); err != nil {
		return err
	}
	show.done()
	d, err := datasets.FindDataset(ctx, c.Dataset)
	if err != nil {
		return err
	}
	return report(e.stdout, d, r.ID, time.Since(start))
}

// publishSpec says where a file goes.
type publishSpec struct {
	Org, Dataset, Title, License string
	Path, Name, ResourceName     string
	// Schema is the Table Schema reference the resource declares; ""
	// keeps the one a replaced resource has.
	Schema string
}

// schemaRef returns what the resource is to declare for --schema: an id or
// a URL as given, once known to be usable; a file's schema written out,
// since the server that later re-checks the file cannot read our files.
func (c *importCmd) schemaRef(ctx context.Context, st *stack) (string, error) {
	ref := strings.TrimSpace(c.Schema)
	if ref == "" {
		return "", nil
	}
	if info, serr := os.Stat(ref); serr == nil && !info.IsDir() {
		data, err := os.ReadFile(ref)
		if err != nil {
			return "", fmt.Errorf("schema %s: %w", ref, plainFileError(err))
		}
		if _, err := tableschema.Parse(data); err != nil {
			return "", fmt.Errorf("schema %s: %w", ref, err)
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, data); err != nil {
			return "", fmt.Errorf("schema %s: %w", ref, err)
		}
		return compact.String(), nil
	}
	err := st.schemas.Check(ref)
	if errors.Is(err, tableschema.ErrNotFound) && !tableschema.IsInline(ref) && !c.Offline && c.SchemaCatalog != "" {
		// An id the directory does not have: perhaps the catalogue's.
		c.loadSchemaCatalog(ctx, st.schemas, slog.New(slog.DiscardHandler))
		err = st.schemas.Check(ref)
	}
	if err == nil {
		return ref, nil
	}
	if te, ok := errors.AsType[*tableschema.Error](err); ok {
		return "", fmt.Errorf("schema %s: %s / %s", ref, te.Msg, te.MsgFR)
	}
	return "", fmt.Errorf("schema %s: %w", ref, err)
}

// publishFile stores a file and attaches it to its dataset (created when
// missing) as a new resource, or as the new file of the resource that
// holds a file of the same name; the write queues its ingestion.
func publishFile(ctx context.Context, st *stack, datasets catalog.DatasetService, p publishSpec) (*catalog.Resource, error) {
	up, err := ingest.StoreFile(ctx, st.blobs, p.Path, p.Name, mime.TypeByExtension(strings.ToLower(filepath.Ext(p.Name))))
	if err != nil {
		return nil, err
	}
	d, err := datasets.FindDataset(ctx, p.Dataset)
	if catalog.ErrorKind(err) == catalog.KindNotFound {
		title := p.Title
		if title == "" {
			title = titleFromFile(p.Name)
		}
		d, err = datasets.CreateDataset(ctx, &catalog.Dataset{Name: p.Dataset, Title: title, OwnerOrg: p.Org, LicenseID: p.License})
	}
	if err != nil {
		return nil, fmt.Errorf("dataset %s: %w", p.Dataset, err)
	}
	if d.Organization != nil && p.Org != d.OwnerOrg && p.Org != d.Organization.Name {
		return nil, fmt.Errorf("dataset %s belongs to organisation %s, not %s", d.Name, d.Organization.Name, p.Org)
	}
	resName := p.ResourceName
	if resName == "" {
		resName = p.Name
	}
	for _, r := range d.Resources {
		if r.DerivedFrom == "" && r.URLType == "upload" && (r.URL == p.Name || r.Name == resName) {
			return datasets.UpdateResource(ctx, r.ID, func(r *catalog.Resource) error {
				r.Upload = up
				if p.Schema != "" {
					r.Schema = p.Schema
				}
				return nil
			})
		}
	}
	return datasets.CreateResource(ctx, &catalog.Resource{
		DatasetID: d.ID, Name: resName, Format: strings.ToUpper(strings.TrimPrefix(filepath.Ext(p.Name), ".")),
		ResourceType: "file", URLType: "upload", URL: p.Name, Upload: up, Schema: p.Schema,
	})
}

// titleFromFile makes a dataset title of a file name:
// "subventions_2024.csv" → "Subventions 2024".
func titleFromFile(name string) string {
	t := strings.TrimSuffix(name, filepath.Ext(name))
	t = strings.Join(strings.FieldsFunc(t, func(r rune) bool { return r == '_' || r == '-' || r == ' ' }), " ")
	if t == "" {
		return name
	}
	return strings.ToUpper(t[:1]) + t[1:]
}

// runJob runs the job in the foreground, or, when a server's worker took
// it first, follows it until it ends.
func runJob(ctx context.Context, st *stack, jobID string, show *progressDisplay) error {
	worker := fmt.Sprintf("import/%d", os.Getpid())
	job, err := st.jobs.ClaimJob(ctx, jobID, worker, st.pipeline.Lease)
	if err == nil {
		if err := st.pipeline.Run(ctx, job, worker, show.update); err != nil {
			return describeIngestError(err)
		}
		return nil
	}
	if catalog.ErrorKind(err) != catalog.KindNotFound {
		return err
	}
	for {
		in, err := st.jobs.FindJob(ctx, jobID)
		if err != nil {
			return err
		}
		switch in.State {
		case catalog.IngestComplete, catalog.IngestSkipped:
			return nil
		case catalog.IngestError:
			return fmt.Errorf("%s / %s", in.Error, in.ErrorFR)
		}
		show.update(ingest.Progress{Phase: "loading (by the server)", Rows: in.Rows, Fraction: in.Progress})
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func describeIngestError(err error) error {
	if fe, ok := err.(*ingest.FileError); ok {
		return fmt.Errorf("%s / %s", fe.Msg, fe.MsgFR)
	}
	return err
}

func plainFileError(err error) error {
	switch {
	case os.IsNotExist(err):
		return fmt.Errorf("no such file")
	case os.IsPermission(err):
		return fmt.Errorf("permission denied")
	}
	return err
}

// report prints what was published.
func report(w io.Writer, d *catalog.Dataset, resourceID string, elapsed time.Duration) error {
	var r *catalog.Resource
	for i := range d.Resources {
		if d.Resources[i].ID == resourceID {
			r = &d.Resources[i]
		}
	}
	if r == nil || r.Ingest == nil {
		return fmt.Errorf("resource %s vanished from dataset %s", resourceID, d.Name)
	}
	in := r.Ingest
	fmt.Fprintf(w, "Dataset   %s (%s)\n", d.Name, d.ID)
	fmt.Fprintf(w, "Resource  %s (%s)\n", r.Name, r.ID)
	fmt.Fprintf(w, "Ingestion %s in %.1fs", in.State, elapsed.Seconds())
	if in.Rows > 0 {
		fmt.Fprintf(w, ", %d rows (%.0f rows/s)", in.Rows, float64(in.Rows)/elapsed.Seconds())
	}
	fmt.Fprintln(w)
	if in.State == catalog.IngestSkipped {
		fmt.Fprintf(w, "  %s\n", in.Error)
		return nil
	}
	if in.Report == nil {
		return nil
	}
	rep := in.Report
	fmt.Fprintf(w, "Format    %s", rep.Format)
	if rep.Encoding != "" {
		fmt.Fprintf(w, ", %s, delimiter %q", rep.Encoding, rep.Delimiter)
	}
	fmt.Fprintln(w)
	for _, t := range rep.Tables {
		label := "Table"
		if t.Sheet != "" {
			label = "Sheet " + fmt.Sprintf("%q", t.Sheet)
		}
		fmt.Fprintf(w, "%s: header on line %d, %d rows → datastore of resource %s, normalised CSV %s\n", label, t.HeaderLine, t.Rows, t.ResourceID, t.NormalizedID)
		for _, f := range t.Fields {
			fmt.Fprintf(w, "    %-30s %-9s %s\n", f.ID, f.Type, f.Label)
		}
		for _, wn := range t.Warnings {
			fmt.Fprintf(w, "  ! %s\n", wn)
		}
	}
	for _, wn := range rep.Warnings {
		fmt.Fprintf(w, "! %s\n", wn)
	}
	if v := r.Validation; v != nil {
		name := v.Schema.ID
		if name == "" {
			name = v.Schema.URL
		}
		if name == "" {
			name = "the declared schema"
		}
		switch v.Status {
		case catalog.ValidationError:
			fmt.Fprintf(w, "Schema    %s: not checked: %s / %s\n", name, v.Error, v.ErrorFR)
		case catalog.ValidationSuccess:
			fmt.Fprintf(w, "Schema    %s: valid (%d rows) / conforme\n", name, v.Report.Rows)
		default:
			fmt.Fprintf(w, "Schema    %s: %d errors / %d erreurs (passerelle validate FILE --schema … lists them)\n", name, v.Report.ErrorCount, v.Report.ErrorCount)
			for _, is := range v.Report.Errors {
				fmt.Fprintf(w, "  ✗ %s\n", is.Message)
			}
		}
	}
	return nil
}

// progressDisplay shows an ingestion's progress: a bar on a terminal,
// plain lines elsewhere.
type progressDisplay struct {
	bar   *progressbar.ProgressBar
	w     io.Writer
	last  time.Time
	phase string
}

func (c *importCmd) progress(w io.Writer) *progressDisplay {
	mode := c.Progress
	if mode == "auto" {
		mode = "lines"
		if f, ok := w.(*os.File); ok && isatty.IsTerminal(f.Fd()) {
			mode = "bar"
		}
	}
	switch mode {
	case "none":
		return &progressDisplay{}
	case "bar":
		return &progressDisplay{bar: progressbar.NewOptions(1000,
			progressbar.OptionSetWriter(w), progressbar.OptionSetDescription("ingesting"),
			progressbar.OptionShowElapsedTimeOnFinish(), progressbar.OptionClearOnFinish())}
	}
	return &progressDisplay{w: w}
}

func (p *progressDisplay) update(pr ingest.Progress) {
	if p.bar != nil {
		p.bar.Describe(fmt.Sprintf("%-9s table %d/%d, %d rows", pr.Phase, pr.Table+1, max(1, pr.Tables), pr.Rows))
		p.bar.Set(int(pr.Fraction * 1000))
		return
	}
	if p.w == nil || (pr.Phase == p.phase && time.Since(p.last) < 2*time.Second) {
		return
	}
	p.phase, p.last = pr.Phase, time.Now()
	fmt.Fprintf(p.w, "%3.0f%% %s table %d/%d: %d rows\n", pr.Fraction*100, pr.Phase, pr.Table+1, max(1, pr.Tables), pr.Rows)
}

func (p *progressDisplay) done() {
	if p.bar != nil {
		p.bar.Finish()
	}
}
