package api

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"
)

// uploadedFile is a file received in a multipart request, already on disk
// and hashed.
type uploadedFile struct {
	path     string // temporary file, removed after the request
	name     string // cleaned file name, for display only
	size     int64
	hash     string // SHA-256, hex
	mimetype string // sniffed from the first bytes and the name
}

func (u *uploadedFile) remove() { os.Remove(u.path) }

// tooLargeError is an upload, or a JSON or form body, over its size
// limit: 413, in CKAN's envelope.
type tooLargeError struct {
	limit  int64
	upload bool // the file, not the body around it
}

func (e *tooLargeError) Error() string {
	if e.upload {
		return fmt.Sprintf("File upload too large: the limit is %d bytes", e.limit)
	}
	return fmt.Sprintf("Request body too large: the limit is %d bytes", e.limit)
}

// envelopeError is the error object of the 413 answer.
func (e *tooLargeError) envelopeError() map[string]any {
	if e.upload {
		return map[string]any{"__type": "Validation Error", "upload": []string{e.Error()}}
	}
	return map[string]any{"__type": "Validation Error", "message": e.Error()}
}

// maxFormField bounds each text field of a multipart request.
const maxFormField = 1 << 20

// readMultipart reads a multipart request part by part, never holding a
// file in memory: text fields are collected, the "upload" file is copied
// to a temporary file while it is hashed and counted against the upload
// limit. Other file fields are refused.
func (s *Server) readMultipart(r *http.Request) (map[string][]string, *uploadedFile, error) {
	// The limit applies to the file; the envelope of fields gets a
	// little more room. A length announced over both is refused unread.
	room := s.cfg.MaxUploadBytes + s.cfg.Limits.MaxBodyBytes
	if r.ContentLength > room {
		return nil, nil, &tooLargeError{limit: s.cfg.MaxUploadBytes, upload: true}
	}
	r.Body = http.MaxBytesReader(nil, r.Body, room)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, nil, badRequestf("JSON Error: can not read the multipart form: %v", err)
	}
	form := map[string][]string{}
	var up *uploadedFile
	fail := func(err error) (map[string][]string, *uploadedFile, error) {
		if up != nil {
			up.remove()
		}
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, nil, &tooLargeError{limit: s.cfg.MaxUploadBytes, upload: true}
		}
		return nil, nil, err
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fail(badRequestf("JSON Error: can not read the multipart form: %v", err))
		}
		name := part.FormName()
		if part.FileName() == "" {
			b, err := io.ReadAll(io.LimitReader(part, maxFormField+1))
			if err != nil {
				return fail(badRequestf("JSON Error: can not read field %q: %v", name, err))
			}
			if len(b) > maxFormField {
				return fail(badRequestf("JSON Error: field %q is longer than %d bytes", name, maxFormField))
			}
			form[name] = append(form[name], string(b))
			continue
		}
		if name != "upload" {
			return fail(badRequestf("JSON Error: unexpected file field %q: send the file as \"upload\"", name))
		}
		if up != nil {
			return fail(badRequestf("JSON Error: more than one file in \"upload\""))
		}
		if up, err = s.receiveFile(part); err != nil {
			return fail(err)
		}
	}
	return form, up, nil
}

// receiveFile streams one file part to a temporary file.
func (s *Server) receiveFile(part *multipart.Part) (*uploadedFile, error) {
	tmp, err := os.CreateTemp(s.cfg.TempDir, "passerelle-upload-*")
	if err != nil {
		return nil, fmt.Errorf("create upload file: %w", err)
	}
	up := &uploadedFile{path: tmp.Name(), name: cleanFileName(part.FileName())}
	sum := sha256.New()
	head := make([]byte, 0, 512)
	limit := s.cfg.MaxUploadBytes
	n, err := io.Copy(io.MultiWriter(tmp, sum, &prefixWriter{buf: &head}), io.LimitReader(part, limit+1))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		up.remove()
		return nil, err
	}
	if n > limit {
		up.remove()
		return nil, &tooLargeError{limit: limit, upload: true}
	}
	up.size, up.hash = n, hex.EncodeToString(sum.Sum(nil))
	up.mimetype = mime.TypeByExtension(strings.ToLower(path.Ext(up.name)))
	if up.mimetype == "" {
		up.mimetype = http.DetectContentType(head)
	}
	up.mimetype, _, _ = strings.Cut(up.mimetype, ";")
	return up, nil
}

// prefixWriter keeps the first bytes written, for content sniffing.
type prefixWriter struct{ buf *[]byte }

func (w *prefixWriter) Write(p []byte) (int, error) {
	if room := cap(*w.buf) - len(*w.buf); room > 0 {
		*w.buf = append(*w.buf, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

// cleanFileName keeps the base name of an uploaded file, without
// directories or control characters; it is only ever displayed and used in
// download URLs, never as a path.
func cleanFileName(name string) string {
	name = strings.ReplaceAll(name, `\`, "/")
	name = path.Base(strings.TrimSpace(name))
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '/' {
			return -1
		}
		return r
	}, name)
	for len(name) > 200 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	if name == "" || name == "." || name == ".." {
		return "upload"
	}
	return name
}
