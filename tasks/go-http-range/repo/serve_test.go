package httprange

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func serve(t *testing.T, rangeHeader string, body string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/file", nil)
	if rangeHeader != "" {
		req.Header.Set("Range", rangeHeader)
	}
	rec := httptest.NewRecorder()
	ServeContent(rec, req, strings.NewReader(body), int64(len(body)))
	return rec
}

func TestServeRangeFull(t *testing.T) {
	rec := serve(t, "", "hello world")
	if rec.Code != http.StatusOK || rec.Body.String() != "hello world" {
		t.Fatalf("got %d %q", rec.Code, rec.Body.String())
	}
	rec = serve(t, "bytes=0-4", "hello world")
	if rec.Code != http.StatusPartialContent || rec.Body.String() != "hello" {
		t.Fatalf("got %d %q", rec.Code, rec.Body.String())
	}
	rec = serve(t, "bytes=50-", "hello world")
	if rec.Code != http.StatusRequestedRangeNotSatisfiable || rec.Header().Get("Content-Range") != "bytes */11" {
		t.Fatalf("got %d %q", rec.Code, rec.Header().Get("Content-Range"))
	}
}

func TestServeRangeSuffix(t *testing.T) {
	rec := serve(t, "bytes=-5", "hello world")
	if rec.Code != http.StatusPartialContent || rec.Body.String() != "world" {
		t.Fatalf("got %d %q", rec.Code, rec.Body.String())
	}
	if got := rec.Header().Get("Content-Range"); got != "bytes 6-10/11" {
		t.Fatalf("Content-Range %q", got)
	}
}
