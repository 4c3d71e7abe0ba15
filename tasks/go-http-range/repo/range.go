// Package httprange parses HTTP Range headers and serves byte ranges.
package httprange

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Range is an inclusive byte range [Start, End].
type Range struct {
	Start, End int64
}

// Length is the number of bytes in the range.
func (r Range) Length() int64 { return r.End - r.Start + 1 }

// ContentRange is the Content-Range header value for this range of a resource of size bytes.
func (r Range) ContentRange(size int64) string {
	return fmt.Sprintf("bytes %d-%d/%d", r.Start, r.End, size)
}

// ErrMalformed means the header is not a valid bytes range set.
var ErrMalformed = errors.New("httprange: malformed Range header")

// ErrUnsatisfiable means no range overlaps the resource (HTTP 416).
var ErrUnsatisfiable = errors.New("httprange: range not satisfiable")

// Parse parses a Range header for a resource of size bytes. An empty header yields nil, nil.
func Parse(header string, size int64) ([]Range, error) {
	if header == "" {
		return nil, nil
	}
	const prefix = "bytes="
	if !strings.HasPrefix(header, prefix) {
		return nil, ErrMalformed
	}
	var ranges []Range
	for _, spec := range strings.Split(header[len(prefix):], ",") {
		spec = strings.TrimSpace(spec)
		if spec == "" {
			continue
		}
		r, err := parseSpec(spec, size)
		if err != nil {
			return nil, err
		}
		ranges = append(ranges, r)
	}
	if len(ranges) == 0 {
		return nil, ErrMalformed
	}
	return ranges, nil
}

func parseSpec(spec string, size int64) (Range, error) {
	startText, endText, ok := strings.Cut(spec, "-")
	if !ok {
		return Range{}, ErrMalformed
	}
	start, err := strconv.ParseInt(startText, 10, 64)
	if err != nil || start < 0 {
		return Range{}, ErrMalformed
	}
	end := size - 1
	if endText != "" {
		end, err = strconv.ParseInt(endText, 10, 64)
		if err != nil || end < start {
			return Range{}, ErrMalformed
		}
	}
	if start >= size || end >= size {
		return Range{}, ErrUnsatisfiable
	}
	return Range{Start: start, End: end}, nil
}
