package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A request whose client has gone is answered 499 (nginx's code), not
// logged as a server failure.
func TestAbandonedRequestIsNotAnInternalError(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		h.createDataset("budget", nil)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		for _, path := range []string{
			"/api/3/action/package_show?id=budget",
			"/api/3/action/package_search?q=budget",
		} {
			req := httptest.NewRequest(http.MethodGet, path, nil).WithContext(ctx)
			rec := httptest.NewRecorder()
			h.srv.Handler().ServeHTTP(rec, req)
			if rec.Code != 499 || !strings.Contains(rec.Body.String(), `"Client Closed Request"`) {
				t.Errorf("%s with the client gone = %d %s", path, rec.Code, rec.Body)
			}
		}
	})
}
