package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/passerelle/passerelle/catalog"
	"github.com/passerelle/passerelle/converters"
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
			return &catalog.IngestResult{
				Format:    strings.ToUpper(strings.TrimPrefix(ext, ".")),
				Report:    catalog.IngestReport{Format: "other", Tables: []catalog.IngestTable{}},
				Skipped:   "This file is not a table; it is published as it is. (" + ce.Msg + ")",
				SkippedFR: "Ce fichier n'est pas un tableau ; il est publié tel quel. (" + frenchOf(ce) + ")",
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
	var created []string
	var firstEmpty error
	for i := range f.Sheets {
		if err := ctx.Err(); err != nil {
			return nil, created, err
		}
		t, it, err := p.ingestTable(ctx, f, i, job.Upload.Filename, hb)
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

// ingestTable reads table i twice: once to infer its types, once to write
// its normalised CSV and load its rows.
func (p *Pipeline) ingestTable(ctx context.Context, f *converters.File, i int, filename string, hb *heartbeat) (*catalog.IngestedTable, *catalog.IngestTable, error) {
	tables := len(f.Sheets)
	r, err := f.Table(i)
	if err != nil {
		return nil, nil, tableError(err)
	}
	inf := converters.NewInferrer(r.Header(), r.Names())
	r.ReuseRecord = true
	n, err := infer(ctx, r, inf, len(r.Header()), func(n int64) {
		hb.set(Progress{Phase: "inferring", Table: i, Tables: tables, Rows: n, Fraction: (float64(i) + 0.3*frac(n, 0)) / float64(tables)})
	})
	if err != nil {
		r.Close()
		return nil, nil, err
	}
	headerLine, warnings := r.HeaderLine(), r.Warnings()
	r.Close()
	schema := inf.Schema()
	fields := make([]catalog.DatastoreField, len(schema.Fields))
	for k, fd := range schema.Fields {
		fields[k] = catalog.DatastoreField{ID: fd.Name, Type: fieldTypes[fd.Type], Label: fd.Title}
	}
	total := n

	tw, err := p.Datastore.Create(ctx, fields)
	if err != nil {
		return nil, nil, fmt.Errorf("create datastore table: %w", err)
	}
	out := &catalog.IngestedTable{Table: tw.Name()}
	if f.Format != converters.FormatCSV {
		out.Name = f.Sheets[i].Name
	}
	committed := false
	defer func() {
		if !committed {
			tw.Abort()
		}
	}()
	tmp, err := os.CreateTemp(p.TempDir, "passerelle-normalised-*.csv")
	if err != nil {
		return out, nil, fmt.Errorf("create normalised file: %w", err)
	}
	defer func() { tmp.Close(); os.Remove(tmp.Name()) }()
	sum := sha256.New()
	cw := converters.NewWriter(io.MultiWriter(tmp, sum), schema)
	if err := cw.WriteHeader(); err != nil {
		return out, nil, fmt.Errorf("write normalised file: %w", err)
	}
	if r, err = f.Table(i); err != nil {
		return out, nil, tableError(err)
	}
	defer r.Close()
	r.ReuseRecord = true
	_, err = load(ctx, r, cw, tw, len(fields), func(rows int64) {
		hb.set(Progress{Phase: "loading", Table: i, Tables: tables, Rows: rows, TotalRows: total,
			Fraction: (float64(i) + 0.3 + 0.7*frac(rows, total)) / float64(tables)})
	})
	if err != nil {
		return out, nil, err
	}
	if err := cw.Flush(); err != nil {
		return out, nil, fmt.Errorf("write normalised file: %w", err)
	}
	size, err := tmp.Seek(0, io.SeekCurrent)
	if err != nil {
		return out, nil, err
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return out, nil, err
	}
	hash := hex.EncodeToString(sum.Sum(nil))
	key := catalog.BlobKey(hash)
	// Storing the normalised CSV (a copy) and committing the table (a
	// sync) overlap. Should the copy fail after the commit, the caller
	// drops the table.
	putErr := make(chan error, 1)
	go func() { putErr <- p.Blobs.Put(ctx, key, tmp) }()
	rows, err := tw.Commit()
	perr := <-putErr
	if err != nil {
		return out, nil, fmt.Errorf("commit datastore table: %w", err)
	}
	committed = true
	if perr != nil {
		return out, nil, perr
	}
	out.Rows = rows
	out.Normalized = catalog.Upload{BlobKey: key, Filename: normalisedName(f, i, filename), Size: size, Hash: hash, Mimetype: "text/csv"}
	if cw.Invalid() > 0 {
		warnings = append(warnings, fmt.Sprintf("%d values did not fit their column's type and were kept as read.", cw.Invalid()))
	}
	it := &catalog.IngestTable{HeaderLine: headerLine, Rows: rows, Fields: fields, Warnings: warnings}
	if f.Format != converters.FormatCSV {
		it.Sheet = f.Sheets[i].Name
	}
	return out, it, nil
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
