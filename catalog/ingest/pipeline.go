package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"os"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/passerelle/passerelle/catalog"
	"github.com/passerelle/passerelle/converters"
	"github.com/passerelle/passerelle/tableschema"
)

// Pipeline ingests claimed jobs.
type Pipeline struct {
	Jobs      catalog.JobQueue
	Blobs     catalog.BlobStore
	Datastore catalog.Datastore
	Log       *slog.Logger
	// Lease is how long a job stays ours without a heartbeat.
	Lease time.Duration
	// TempDir holds temporary files (downloads, normalised CSVs); "" is
	// the system's.
	TempDir string
	// Schemas resolves the Table Schemas resources declare; nil knows
	// none (a file is then only checked against an inline schema).
	Schemas *tableschema.Registry
}

// Progress is what a running ingestion reports.
type Progress struct {
	Phase     string // "reading", "inferring", "loading", "publishing"
	Table     int    // 0-based table being read
	Tables    int
	Rows      int64 // rows read or loaded in the current phase
	TotalRows int64 // rows of the current table, once known
	Fraction  float64
}

// heartbeatRows is how often, in rows, a running ingestion checks its
// context and publishes progress.
const heartbeatRows = 20_000

// FileError is an ingestion failure caused by the file itself: the agent
// is told in English and French, and retrying would not help.
type FileError struct {
	Msg, MsgFR string
	Err        error
}

func (e *FileError) Error() string { return e.Msg }
func (e *FileError) Unwrap() error { return e.Err }

// Run ingests job, which worker has claimed, and records the outcome in the
// queue: complete, skipped (not a table), failed (the file is at fault) or
// back in the queue (the server was at fault or is stopping). onProgress,
// when not nil, sees every progress report. The returned error is the
// failure, if any, already recorded.
func (p *Pipeline) Run(ctx context.Context, job *catalog.Job, worker string, onProgress func(Progress)) error {
	log := p.Log.With("job_id", job.ID, "resource_id", job.ResourceID, "file", job.Upload.Filename)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	hb := p.startHeartbeat(ctx, cancel, job, worker, onProgress)
	start := time.Now()
	res, created, err := p.ingest(ctx, job, hb)
	hb.stop()
	if err == nil {
		var unused []string
		unused, err = p.Jobs.Complete(ctx, job.ID, worker, *res)
		if err == nil {
			p.drop(unused, log)
			var rows int64
			for _, t := range res.Tables {
				rows += t.Rows
			}
			log.Info("ingested", "tables", len(res.Tables), "rows", rows, "skipped", res.Skipped != "", "seconds", time.Since(start).Seconds())
			return nil
		}
	}
	p.drop(created, log)
	// Record the failure even if ctx is done: the server may be stopping.
	bg, cancelBG := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancelBG()
	var fe *FileError
	switch {
	case errors.As(err, &fe):
		log.Info("ingestion refused the file", "err", fe.Msg)
		if ferr := p.Jobs.Fail(bg, job.ID, worker, fe.Msg, fe.MsgFR); ferr != nil {
			log.Warn("record failed ingestion", "err", ferr)
		}
	case catalog.ErrorKind(err) == catalog.KindForbidden:
		log.Warn("ingestion lost its lease", "err", err) // another worker has it now
	default:
		log.Error("ingestion failed", "err", err)
		if rerr := p.Jobs.Retry(bg, job.ID, worker); rerr != nil {
			log.Warn("requeue ingestion", "err", rerr)
		}
	}
	return err
}

func (p *Pipeline) drop(tables []string, log *slog.Logger) {
	for _, t := range tables {
		if err := p.Datastore.Drop(context.Background(), t); err != nil {
			log.Warn("drop datastore table", "table", t, "err", err)
		}
	}
}

// tabularExtensions are file names whose owner meant a table: when such a
// file cannot be read, the ingestion fails with the reason. Any other file
// that is not a table (a PDF, an image) is published as it is.
var tabularExtensions = map[string]bool{
	".csv": true, ".tsv": true, ".txt": true, ".tab": true, ".xls": true, ".xlsx": true,
	".xlsm": true, ".xlsb": true, ".ods": true, ".fods": true, ".numbers": true, "": true,
}

// ingest does the work and returns the result, and the datastore tables it
// created (to drop if publishing fails).
func (p *Pipeline) ingest(ctx context.Context, job *catalog.Job, hb *heartbeat) (*catalog.IngestResult, []string, error) {
	hb.set(Progress{Phase: "reading"})
	src, cleanup, err := p.localCopy(ctx, job.Upload.BlobKey)
	if err != nil {
		return nil, nil, err
	}
	defer cleanup()
	f, err := converters.Open(src, converters.Options{})
	if err != nil {
		ce, ok := converters.AsError(err)
		if !ok {
			return nil, nil, fmt.Errorf("open %s: %w", job.Upload.Filename, err)
		}
		ext := strings.ToLower(path.Ext(job.Upload.Filename))
		if ce.Kind == converters.KindUnsupported && !tabularExtensions[ext] {
			var v *catalog.Validation
			if job.Schema != "" {
				v = &catalog.Validation{Status: catalog.ValidationError, Schema: catalog.SchemaInfo{Ref: job.Schema},
					Error: "This file is not a table: it cannot follow a Table Schema.", ErrorFR: "Ce fichier n'est pas un tableau : il ne peut pas suivre un schéma de données tabulaires."}
			}
			return &catalog.IngestResult{
				Validation: v,
				Format:     strings.ToUpper(strings.TrimPrefix(ext, ".")),
				Report:     catalog.IngestReport{Format: "other", Tables: []catalog.IngestTable{}},
				Skipped:    "This file is not a table; it is published as it is. (" + ce.Msg + ")",
				SkippedFR:  "Ce fichier n'est pas un tableau ; il est publié tel quel. (" + frenchOf(ce) + ")",
			}, nil, nil
		}
		return nil, nil, &FileError{Msg: ce.Msg, MsgFR: frenchOf(ce), Err: err}
	}
	defer f.Close()
	res := &catalog.IngestResult{Report: catalog.IngestReport{
		Format: string(f.Format), Encoding: f.Encoding, BOM: f.BOM, Warnings: f.Warnings(),
		Tables: []catalog.IngestTable{},
	}}
	switch f.Format {
	case converters.FormatCSV:
		res.Format, res.Mimetype = "CSV", "text/csv"
		if f.Delimiter == '\t' {
			res.Format, res.Mimetype = "TSV", "text/tab-separated-values"
		}
		res.Report.Delimiter = string(f.Delimiter)
	case converters.FormatXLSX:
		res.Format, res.Mimetype = "XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	case converters.FormatODS:
		res.Format, res.Mimetype = "ODS", "application/vnd.oasis.opendocument.spreadsheet"
	}
	ts, vres := p.schemaOf(ctx, job)
	res.Validation = vres
	var created []string
	var firstEmpty error
	for i := range f.Sheets {
		if err := ctx.Err(); err != nil {
			return nil, created, err
		}
		// The schema describes the file's first table.
		var check *tableschema.Schema
		if len(res.Tables) == 0 {
			check = ts
		}
		t, it, report, err := p.ingestTable(ctx, f, i, job.Upload.Filename, job.Upload.Size, check, hb)
		if t != nil && t.Table != "" {
			created = append(created, t.Table)
		}
		if errors.Is(err, converters.ErrNoTable) {
			if firstEmpty == nil {
				firstEmpty = err
			}
			if f.Format != converters.FormatCSV {
				res.Report.Warnings = append(res.Report.Warnings, fmt.Sprintf("Sheet %q holds no table: skipped.", f.Sheets[i].Name))
			}
			continue
		}
		if err != nil {
			return nil, created, err
		}
		res.Tables = append(res.Tables, *t)
		res.Report.Tables = append(res.Report.Tables, *it)
		if report != nil {
			vres.Report, vres.Error, vres.ErrorFR = report, "", ""
			vres.Status = catalog.ValidationFailure
			if report.Valid {
				vres.Status = catalog.ValidationSuccess
			}
		}
	}
	if len(res.Tables) == 0 {
		ce, _ := converters.AsError(firstEmpty)
		if ce == nil {
			ce = &converters.Error{Msg: "The file holds no table."}
		}
		return nil, created, &FileError{Msg: ce.Msg, MsgFR: frenchOf(ce), Err: firstEmpty}
	}
	hb.set(Progress{Phase: "publishing", Tables: len(f.Sheets), Fraction: 1})
	return res, created, nil
}

// frenchOf returns the French sentence of a converters error, falling back
// on the English one.
func frenchOf(ce *converters.Error) string {
	if ce.MsgFR != "" {
		return ce.MsgFR
	}
	return ce.Msg
}

// fieldTypes maps Table Schema types to datastore column types.
var fieldTypes = map[converters.Type]string{
	converters.TypeString: catalog.DatastoreText, converters.TypeInteger: catalog.DatastoreInt,
	converters.TypeNumber: catalog.DatastoreNumeric, converters.TypeDate: catalog.DatastoreDate,
	converters.TypeDatetime: catalog.DatastoreTimestamp, converters.TypeBoolean: catalog.DatastoreBool,
}

// guessRows is how many rows give the types that loading assumes, when
// a table has more: the whole table is classified while it loads, and
// loaded again in the rare case where its other rows change a type.
const guessRows = 10_000

// ingestTable infers table i's types from its first rows, then reads it
// once more to write its normalised CSV and load its rows while it
// classifies every row: one pass over the file, not two, unless the rows
// after the first ones change a type, when a last pass loads the table
// with the types of the whole.
func (p *Pipeline) ingestTable(ctx context.Context, f *converters.File, i int, filename string, size int64, ts *tableschema.Schema, hb *heartbeat) (*catalog.IngestedTable, *catalog.IngestTable, *tableschema.Report, error) {
	tables := len(f.Sheets)
	r, err := f.Table(i)
	if err != nil {
		return nil, nil, nil, tableError(err)
	}
	labels, names := r.Header(), r.Names()
	guess := converters.NewInferrer(labels, names)
	r.ReuseRecord = true
	var n int64
	for n < guessRows {
		row, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			r.Close()
			return nil, nil, nil, tableError(err)
		}
		guess.Add(row)
		n++
	}
	r.Close()
	hb.set(Progress{Phase: "inferring", Table: i, Tables: tables, Rows: n, Fraction: float64(i) / float64(tables)})
	schema := guess.Schema()
	var inf *converters.Inferrer
	total := n
	if n == guessRows { // perhaps more rows: the guess is checked
		inf = converters.NewInferrer(labels, names)
		total = 0
	}
	out := &catalog.IngestedTable{}
	if f.Format != converters.FormatCSV {
		out.Name = f.Sheets[i].Name
	}
	l, err := p.loadTable(ctx, f, i, schema, inf, ts, total, size, hb)
	if err == nil && l.diverged {
		// The first pass read every row: its report is the table's.
		report := l.report
		l.discard()
		schema = inf.Schema()
		l, err = p.loadTable(ctx, f, i, schema, nil, nil, l.read, size, hb)
		if err == nil {
			l.report = report
		}
	}
	if err != nil {
		return out, nil, nil, err
	}
	defer l.discard() // after a commit, only the normalised file's copy
	out.Table = l.tw.Name()
	hash := hex.EncodeToString(l.sum.Sum(nil))
	key := catalog.BlobKey(hash)
	// Storing the normalised CSV (a copy) and committing the table (a
	// sync) overlap. Should the copy fail after the commit, the caller
	// drops the table.
	putErr := make(chan error, 1)
	go func() { putErr <- p.Blobs.Put(ctx, key, l.tmp) }()
	rows, err := l.tw.Commit()
	perr := <-putErr
	if err != nil {
		return out, nil, nil, fmt.Errorf("commit datastore table: %w", err)
	}
	if perr != nil {
		return out, nil, nil, perr
	}
	fields := datastoreFields(schema)
	out.Rows = rows
	out.Normalized = catalog.Upload{BlobKey: key, Filename: normalisedName(f, i, filename), Size: l.size, Hash: hash, Mimetype: "text/csv"}
	warnings := l.warnings
	if l.cw.Invalid() > 0 {
		warnings = append(warnings, fmt.Sprintf("%d values did not fit their column's type and were kept as read.", l.cw.Invalid()))
	}
	it := &catalog.IngestTable{HeaderLine: l.headerLine, Rows: rows, Fields: fields, Warnings: warnings, Profile: l.prof.profiles()}
	if f.Format != converters.FormatCSV {
		it.Sheet = f.Sheets[i].Name
	}
	return out, it, l.report, nil
}

// datastoreFields returns the datastore columns of a schema.
func datastoreFields(schema *converters.Schema) []catalog.DatastoreField {
	fields := make([]catalog.DatastoreField, len(schema.Fields))
	for k, fd := range schema.Fields {
		fields[k] = catalog.DatastoreField{ID: fd.Name, Type: fieldTypes[fd.Type], Label: fd.Title}
	}
	return fields
}

// tableLoad is a table loaded into the datastore and written as a
// normalised CSV, not yet committed nor stored.
type tableLoad struct {
	tw         catalog.TableWriter
	tmp        *os.File
	sum        hash.Hash
	size       int64 // of the normalised CSV
	cw         *converters.Writer
	headerLine int
	warnings   []string
	read       int64 // rows read
	diverged   bool  // the types changed: the table is to be loaded again
	// report is the Table Schema validation of the rows read, if asked.
	report *tableschema.Report
	prof   *profiler
}

// discard aborts the table (after Commit, nothing) and removes the
// normalised file.
func (l *tableLoad) discard() {
	l.tw.Abort()
	l.tmp.Close()
	os.Remove(l.tmp.Name())
}

// loadTable reads table i, writes its normalised CSV and loads its rows
// with schema's types; with inf, it classifies every row and stops loading
// if the types inferred so far stop being schema's (see load). total is
// the table's row count when known; size the uploaded file's.
func (p *Pipeline) loadTable(ctx context.Context, f *converters.File, i int, schema *converters.Schema, inf *converters.Inferrer, ts *tableschema.Schema, total, size int64, hb *heartbeat) (_ *tableLoad, err error) {
	tw, err := p.Datastore.Create(ctx, datastoreFields(schema))
	if err != nil {
		return nil, fmt.Errorf("create datastore table: %w", err)
	}
	tmp, err := os.CreateTemp(p.TempDir, "passerelle-normalised-*.csv")
	if err != nil {
		tw.Abort()
		return nil, fmt.Errorf("create normalised file: %w", err)
	}
	l := &tableLoad{tw: tw, tmp: tmp, sum: sha256.New()}
	defer func() {
		if err != nil {
			l.discard()
		}
	}()
	written := &countWriter{}
	l.cw = converters.NewWriter(io.MultiWriter(tmp, l.sum, written), schema)
	if err := l.cw.WriteHeader(); err != nil {
		return nil, fmt.Errorf("write normalised file: %w", err)
	}
	r, err := f.Table(i)
	if err != nil {
		return nil, tableError(err)
	}
	defer r.Close()
	r.ReuseRecord = true
	var check *tableschema.Pipe
	if ts != nil {
		check = tableschema.NewReaderValidator(ts, r).Pipe()
		defer func() { l.report = check.Close() }() // always: it stops the checking goroutine
	}
	tables := len(f.Sheets)
	l.prof = newProfiler(schema)
	l.read, l.diverged, err = load(ctx, r, l.cw, tw, schema, inf, check, l.prof, func(rows int64) {
		part := frac(rows, total)
		if total == 0 && f.Format == converters.FormatCSV {
			// The normalised CSV's size is near the file's.
			part = min(0.99, frac(written.n, size))
		}
		hb.set(Progress{Phase: "loading", Table: i, Tables: tables, Rows: rows, TotalRows: total,
			Fraction: (float64(i) + 0.05 + 0.95*part) / float64(tables)})
	})
	if err != nil {
		return nil, err
	}
	if l.diverged {
		return l, nil
	}
	l.headerLine, l.warnings = r.HeaderLine(), r.Warnings()
	if err := l.cw.Flush(); err != nil {
		return nil, fmt.Errorf("write normalised file: %w", err)
	}
	if l.size, err = tmp.Seek(0, io.SeekCurrent); err != nil {
		return nil, err
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return l, nil
}

// countWriter counts the bytes written to it.
type countWriter struct{ n int64 }

func (w *countWriter) Write(b []byte) (int, error) {
	w.n += int64(len(b))
	return len(b), nil
}

func frac(a, b int64) float64 {
	if b <= 0 {
		return 0
	}
	return min(1, float64(a)/float64(b))
}

// normalisedName is the download name of table i's normalised CSV, made
// from the uploaded file's name.
func normalisedName(f *converters.File, i int, filename string) string {
	base := strings.TrimSuffix(filename, path.Ext(filename))
	if f.Format != converters.FormatCSV {
		base += "-" + converters.Name(f.Sheets[i].Name)
	}
	return base + "-normalise.csv"
}

// tableError turns a converters error into a FileError; others pass.
func tableError(err error) error {
	if errors.Is(err, converters.ErrNoTable) {
		return err
	}
	if ce, ok := converters.AsError(err); ok {
		return &FileError{Msg: ce.Msg, MsgFR: frenchOf(ce), Err: err}
	}
	return err
}

// localCopy returns a path to the blob: the stored file itself when the
// store is local, else a temporary download (converters need random access
// for XLSX and ODS).
func (p *Pipeline) localCopy(ctx context.Context, key string) (string, func(), error) {
	if l, ok := p.Blobs.(catalog.LocalBlobStore); ok {
		path, err := l.LocalPath(key)
		return path, func() {}, err
	}
	rc, err := p.Blobs.Open(ctx, key)
	if err != nil {
		return "", nil, err
	}
	defer rc.Close()
	tmp, err := os.CreateTemp(p.TempDir, "passerelle-upload-*")
	if err != nil {
		return "", nil, err
	}
	cleanup := func() { tmp.Close(); os.Remove(tmp.Name()) }
	if _, err := io.Copy(tmp, rc); err != nil {
		cleanup()
		return "", nil, fmt.Errorf("download %s: %w", key, err)
	}
	return tmp.Name(), cleanup, nil
}

// heartbeat renews a job's lease in the background with the latest
// progress, and cancels the ingestion when the lease is lost.
type heartbeat struct {
	mu       sync.Mutex
	progress Progress
	notify   func(Progress)
	done     chan struct{}
	wg       sync.WaitGroup
}

func (p *Pipeline) startHeartbeat(ctx context.Context, cancel context.CancelFunc, job *catalog.Job, worker string, notify func(Progress)) *heartbeat {
	hb := &heartbeat{notify: notify, done: make(chan struct{})}
	lease := p.Lease
	if lease <= 0 {
		lease = 30 * time.Second
	}
	hb.wg.Add(1)
	go func() {
		defer hb.wg.Done()
		t := time.NewTicker(lease / 3)
		defer t.Stop()
		for {
			select {
			case <-hb.done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
			}
			hb.mu.Lock()
			pr := hb.progress
			hb.mu.Unlock()
			err := p.Jobs.Heartbeat(ctx, job.ID, worker, lease, pr.Fraction, pr.Rows)
			if catalog.ErrorKind(err) == catalog.KindForbidden {
				cancel()
				return
			}
			if err != nil && ctx.Err() == nil {
				p.Log.Warn("ingestion heartbeat", "job_id", job.ID, "err", err)
			}
		}
	}()
	return hb
}

func (hb *heartbeat) set(pr Progress) {
	hb.mu.Lock()
	hb.progress = pr
	hb.mu.Unlock()
	if hb.notify != nil {
		hb.notify(pr)
	}
}

func (hb *heartbeat) stop() {
	close(hb.done)
	hb.wg.Wait()
}

// StoreFile hashes the file at path and puts it in the blob store,
// returning it as an upload named name.
func StoreFile(ctx context.Context, blobs catalog.BlobStore, path, name, mimetype string) (*catalog.Upload, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sum := sha256.New()
	size, err := io.Copy(sum, f)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	hash := hex.EncodeToString(sum.Sum(nil))
	key := catalog.BlobKey(hash)
	if err := blobs.Put(ctx, key, f); err != nil {
		return nil, err
	}
	return &catalog.Upload{BlobKey: key, Filename: name, Size: size, Hash: hash, Mimetype: mimetype}, nil
}

// schemaTimeout bounds the download of a schema given by URL.
const schemaTimeout = 20 * time.Second

// schemaOf resolves the Table Schema a job's resource declares. It
// returns nil, nil without one; nil and a validation in error when the
// schema cannot be had (unknown, offline, not a Table Schema): the file is
// still ingested, only not checked. Otherwise the schema and the
// validation to complete.
func (p *Pipeline) schemaOf(ctx context.Context, job *catalog.Job) (*tableschema.Schema, *catalog.Validation) {
	if job.Schema == "" {
		return nil, nil
	}
	v := &catalog.Validation{Schema: catalog.SchemaInfo{Ref: job.Schema}}
	reg := p.Schemas
	if reg == nil {
		reg = tableschema.NewRegistry()
	}
	ctx, cancel := context.WithTimeout(ctx, schemaTimeout)
	defer cancel()
	ts, err := reg.ResolveRef(ctx, job.Schema)
	if err != nil {
		v.Status = catalog.ValidationError
		v.Error, v.ErrorFR = err.Error(), err.Error()
		if te, ok := errors.AsType[*tableschema.Error](err); ok {
			v.Error, v.ErrorFR = te.Msg, te.MsgFR
		}
		return nil, v
	}
	v.Schema.ID, v.Schema.Version, v.Schema.Title = ts.ID, ts.Version, ts.Title
	switch {
	case ts.Path != "":
		v.Schema.URL = ts.Path
	case strings.HasPrefix(job.Schema, "https://") || strings.HasPrefix(job.Schema, "http://"):
		v.Schema.URL = job.Schema
	}
	// Until a table is found, the file could not be checked.
	v.Status = catalog.ValidationError
	v.Error = "The file holds no table to check against the schema."
	v.ErrorFR = "Le fichier ne contient aucun tableau à vérifier selon le schéma."
	return ts, v
}
