package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/passerelle/passerelle/catalog"
)

// envelope is CKAN's response wrapper. A success always carries "result"
// (null included); a failure carries "error" instead.
type envelope struct {
	Help    string
	Success bool
	Result  any
	Error   map[string]any
}

func (e envelope) MarshalJSON() ([]byte, error) { return json.Marshal(e.shape()) }

// shape is the value the envelope is written as.
func (e envelope) shape() any {
	if e.Success {
		return struct {
			Help    string `json:"help"`
			Success bool   `json:"success"`
			Result  any    `json:"result"`
		}{e.Help, true, e.Result}
	}
	return struct {
		Help    string         `json:"help"`
		Success bool           `json:"success"`
		Error   map[string]any `json:"error"`
	}{e.Help, false, e.Error}
}

// jsonContentType is the exact header CKAN sends.
const jsonContentType = "application/json;charset=utf-8"

func writeJSON(c *gin.Context, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if e, ok := v.(envelope); ok {
		// Not through MarshalJSON: the encoder would check and compact
		// the whole response a second time.
		v = e.shape()
	}
	if err := enc.Encode(v); err != nil {
		c.Data(http.StatusInternalServerError, jsonContentType, []byte(`{"success": false, "error": {"__type": "Internal Server Error", "message": "Internal Server Error"}}`))
		return
	}
	c.Data(status, jsonContentType, buf.Bytes())
}

// writeError maps any error to CKAN's error type and HTTP status (as
// ckan/views/api.py does) and writes it. Failures that are not the client's
// are logged here, once, and hidden from the client.
func (s *Server) writeError(c *gin.Context, help string, err error) {
	var bad *badRequestError
	if errors.As(err, &bad) {
		// CKAN answers these with a bare JSON string, not the envelope.
		writeJSON(c, http.StatusBadRequest, "Bad request - "+bad.msg)
		return
	}
	var tooLarge *tooLargeError
	if errors.As(err, &tooLarge) {
		writeJSON(c, http.StatusRequestEntityTooLarge, envelope{Help: help, Error: tooLarge.envelopeError()})
		return
	}
	var ce *catalog.Error
	if !errors.As(err, &ce) {
		ce = &catalog.Error{Kind: catalog.KindInternal, Err: err}
	}
	e := envelope{Help: help}
	status := http.StatusInternalServerError
	switch ce.Kind {
	case catalog.KindInvalid:
		status = http.StatusConflict
		e.Error = map[string]any{"__type": "Validation Error"}
		for k, v := range ce.Fields {
			e.Error[k] = v
		}
		if ce.Msg != "" {
			e.Error["message"] = ce.Msg
		}
	case catalog.KindNotFound:
		status = http.StatusNotFound
		e.Error = map[string]any{"__type": "Not Found Error", "message": prefixed("Not found", ce.Msg)}
	case catalog.KindForbidden:
		status = http.StatusForbidden
		e.Error = map[string]any{"__type": "Authorization Error", "message": prefixed("Access denied", ce.Msg)}
	case catalog.KindSearchQuery:
		status = http.StatusBadRequest
		e.Error = map[string]any{"__type": "Search Query Error", "message": "Search Query is invalid: " + ce.Msg}
	case catalog.KindIntegrity:
		status = http.StatusBadRequest
		e.Error = map[string]any{"__type": "Integrity Error", "message": ce.Msg}
	default:
		if c.Request.Context().Err() != nil {
			// The client hung up (or the server is stopping) and the
			// query was abandoned with it: not a failure of ours. 499 is
			// nginx's code for it; nobody reads this answer.
			status = statusClientClosed
			e.Error = map[string]any{"__type": "Client Closed Request", "message": "The client closed the connection before the answer"}
			break
		}
		s.log.LogAttrs(c.Request.Context(), slog.LevelError, "internal error",
			slog.String("path", c.Request.URL.Path), slog.String("err", err.Error()))
		e.Error = map[string]any{"__type": "Internal Server Error", "message": "Internal Server Error"}
	}
	writeJSON(c, status, e)
}

// statusClientClosed is nginx's status for a request its client abandoned.
const statusClientClosed = 499

func prefixed(prefix, msg string) string {
	if msg == "" {
		return prefix
	}
	return prefix + ": " + msg
}
