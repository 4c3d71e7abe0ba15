package httprange

import (
	"io"
	"net/http"
	"strconv"
)

// ServeContent writes content (size bytes) honouring a single-range Range header.
// Multiple ranges are answered with the full content (allowed by RFC 9110).
func ServeContent(w http.ResponseWriter, r *http.Request, content io.ReadSeeker, size int64) {
	ranges, err := Parse(r.Header.Get("Range"), size)
	if err == ErrUnsatisfiable {
		w.Header().Set("Content-Range", "bytes */"+strconv.FormatInt(size, 10))
		w.WriteHeader(http.StatusRequestedRangeNotSatisfiable)
		return
	}
	w.Header().Set("Accept-Ranges", "bytes")
	if err != nil || len(ranges) != 1 {
		w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
		w.WriteHeader(http.StatusOK)
		_, _ = content.Seek(0, io.SeekStart)
		_, _ = io.CopyN(w, content, size)
		return
	}
	rg := ranges[0]
	w.Header().Set("Content-Range", rg.ContentRange(size))
	w.Header().Set("Content-Length", strconv.FormatInt(rg.Length(), 10))
	w.WriteHeader(http.StatusPartialContent)
	_, _ = content.Seek(rg.Start, io.SeekStart)
	_, _ = io.CopyN(w, content, rg.Length())
}
