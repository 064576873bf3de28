package api

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/passerelle/passerelle/catalog"
)

// download serves an uploaded resource's file at CKAN's URL
// /dataset/{id}/resource/{rid}/download/{filename}. The file name in the
// URL is only a label: the file is found by the resource.
func (s *Server) download(c *gin.Context) {
	ctx, err := s.authenticate(c)
	if err != nil {
		s.plainError(c, err)
		return
	}
	r, err := s.svc.Datasets.FindResource(ctx, c.Param("rid"))
	if err != nil {
		s.plainError(c, err)
		return
	}
	if id := c.Param("id"); id != r.DatasetID {
		d, err := s.svc.Datasets.FindDataset(ctx, id)
		if err != nil || d.ID != r.DatasetID {
			s.plainError(c, catalog.NotFoundf("Resource was not found."))
			return
		}
	}
	if r.URLType != "upload" || r.BlobKey == "" || s.svc.Blobs == nil {
		s.plainError(c, catalog.NotFoundf("This resource is a link, not a stored file: %s", r.URL))
		return
	}
	h := c.Writer.Header()
	mt := r.Mimetype
	if mt == "" {
		mt = "application/octet-stream"
	}
	if strings.HasPrefix(mt, "text/") {
		mt += "; charset=utf-8"
		if r.DerivedFrom == "" {
			mt = strings.TrimSuffix(mt, "; charset=utf-8") // an original keeps its own encoding
		}
	}
	h.Set("Content-Type", mt)
	h.Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(r.URL))
	h.Set("X-Content-Type-Options", "nosniff")
	if r.Hash != "" {
		h.Set("ETag", `"`+r.Hash+`"`)
		h.Set("Digest", "sha-256="+r.Hash)
	}
	modified := r.MetadataModified
	if r.LastModified != nil {
		modified = *r.LastModified
	}
	if l, ok := s.svc.Blobs.(catalog.LocalBlobStore); ok {
		path, err := l.LocalPath(r.BlobKey)
		if err == nil {
			var f *os.File
			if f, err = os.Open(path); err == nil {
				defer f.Close()
				// ServeContent answers HEAD, ranges and conditional requests.
				http.ServeContent(c.Writer, c.Request, "", modified, f)
				return
			}
		}
		s.log.Error("stored file missing", "resource_id", r.ID, "blob", r.BlobKey, "err", err)
		s.plainError(c, err)
		return
	}
	rc, err := s.svc.Blobs.Open(ctx, r.BlobKey)
	if err != nil {
		s.log.Error("stored file missing", "resource_id", r.ID, "blob", r.BlobKey, "err", err)
		s.plainError(c, err)
		return
	}
	defer rc.Close()
	if r.Size != nil {
		h.Set("Content-Length", strconv.FormatInt(*r.Size, 10))
	}
	h.Set("Last-Modified", modified.UTC().Format(http.TimeFormat))
	c.Status(http.StatusOK)
	if c.Request.Method == http.MethodHead {
		return
	}
	io.Copy(c.Writer, rc)
}

// plainError answers a file route's failure in plain text.
func (s *Server) plainError(c *gin.Context, err error) {
	switch catalog.ErrorKind(err) {
	case catalog.KindNotFound:
		c.String(http.StatusNotFound, "404 not found: %s\n", errorMessage(err))
	case catalog.KindForbidden:
		c.String(http.StatusForbidden, "403 forbidden: %s\n", errorMessage(err))
	case catalog.KindInvalid:
		c.String(http.StatusBadRequest, "400 bad request: %s\n", errorMessage(err))
	default:
		if c.Request.Context().Err() != nil {
			c.String(statusClientClosed, "499 client closed request\n")
			return
		}
		s.log.Error("internal error", "path", c.Request.URL.Path, "err", err)
		c.String(http.StatusInternalServerError, "500 internal server error\n")
	}
}

func errorMessage(err error) string {
	var ce *catalog.Error
	if errors.As(err, &ce) && ce.Msg != "" {
		return ce.Msg
	}
	return "see the server logs"
}

// dump streams a resource's datastore table as CSV (default), TSV or
// JSON, at CKAN's /datastore/dump/{resource_id}.
func (s *Server) dump(c *gin.Context) {
	ctx, err := s.authenticate(c)
	if err != nil {
		s.plainError(c, err)
		return
	}
	format := c.DefaultQuery("format", "csv")
	if format != "csv" && format != "tsv" && format != "json" {
		s.plainError(c, catalog.Invalid("format", "format must be csv, tsv or json"))
		return
	}
	r, err := s.datastoreResource(ctx, newParams(map[string]any{"resource_id": c.Param("resource_id")}))
	if err != nil {
		s.plainError(c, err)
		return
	}
	t, err := s.svc.Datastore.Info(ctx, r.DatastoreTable)
	if err != nil {
		s.plainError(c, err)
		return
	}
	ids := []string{"_id"}
	for _, f := range t.Fields {
		ids = append(ids, f.ID)
	}
	h := c.Writer.Header()
	name := r.ID
	switch format {
	case "json":
		h.Set("Content-Type", "application/json; charset=utf-8")
	case "tsv":
		h.Set("Content-Type", "text/tab-separated-values; charset=utf-8")
	default:
		h.Set("Content-Type", "text/csv; charset=utf-8")
	}
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.%s"`, name, format))
	c.Status(http.StatusOK)
	bw := bufio.NewWriterSize(c.Writer, 64<<10)
	defer bw.Flush()
	if format == "json" {
		s.dumpJSON(c, bw, r.DatastoreTable, t)
		return
	}
	if c.Query("bom") == "true" {
		bw.WriteString("\uFEFF")
	}
	w := newDelimitedWriter(bw, format)
	header := make([]any, len(ids))
	for i, id := range ids {
		header[i] = id
	}
	w.write(header)
	err = s.svc.Datastore.Dump(ctx, r.DatastoreTable, nil, func(row []any) error {
		w.write(row)
		return w.w.Error()
	})
	w.flush()
	if err != nil {
		s.log.Warn("datastore dump interrupted", "resource_id", r.ID, "err", err)
	}
}

func (s *Server) dumpJSON(c *gin.Context, w *bufio.Writer, table string, t *catalog.DatastoreTable) {
	fields := []map[string]any{{"id": "_id", "type": catalog.DatastoreInt}}
	for _, f := range t.Fields {
		fields = append(fields, fieldDict(f))
	}
	head, _ := json.Marshal(fields) // built from strings
	w.WriteString(`{"fields": `)
	w.Write(head)
	w.WriteString(`, "records": [`)
	first := true
	err := s.svc.Datastore.Dump(c.Request.Context(), table, nil, func(row []any) error {
		b, err := json.Marshal(row)
		if err != nil {
			return err
		}
		if !first {
			w.WriteString(",\n")
		}
		first = false
		_, err = w.Write(b)
		return err
	})
	w.WriteString("]}\n")
	if err != nil {
		s.log.Warn("datastore dump interrupted", "table", table, "err", err)
	}
}

// delimitedWriter writes datastore rows as CSV or TSV text.
type delimitedWriter struct {
	w   *csv.Writer
	buf []string
}

func newDelimitedWriter(w io.Writer, format string) *delimitedWriter {
	cw := csv.NewWriter(w)
	if format == "tsv" {
		cw.Comma = '\t'
	}
	return &delimitedWriter{w: cw}
}

func (d *delimitedWriter) write(row []any) {
	d.buf = d.buf[:0]
	for _, v := range row {
		d.buf = append(d.buf, cellText(v))
	}
	d.w.Write(d.buf)
}

func (d *delimitedWriter) flush() { d.w.Flush() }

// cellText is a datastore value as text: numbers without exponent, dates
// as ISO text, null as empty.
func cellText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	case time.Time:
		return v.Format("2006-01-02T15:04:05")
	}
	return fmt.Sprint(v)
}
