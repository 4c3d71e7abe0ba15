package httprange

import (
	"errors"
	"reflect"
	"testing"
)

func mustParse(t *testing.T, header string, size int64) []Range {
	t.Helper()
	ranges, err := Parse(header, size)
	if err != nil {
		t.Fatalf("Parse(%q, %d): unexpected error %v", header, size, err)
	}
	return ranges
}

func TestSingleRange(t *testing.T) {
	got := mustParse(t, "bytes=0-499", 10000)
	if !reflect.DeepEqual(got, []Range{{0, 499}}) {
		t.Fatalf("got %v", got)
	}
	if got[0].Length() != 500 || got[0].ContentRange(10000) != "bytes 0-499/10000" {
		t.Fatalf("length/content-range wrong: %d %s", got[0].Length(), got[0].ContentRange(10000))
	}
}

func TestOpenEndedRange(t *testing.T) {
	got := mustParse(t, "bytes=9500-", 10000)
	if !reflect.DeepEqual(got, []Range{{9500, 9999}}) {
		t.Fatalf("got %v", got)
	}
}

func TestMultipleRanges(t *testing.T) {
	got := mustParse(t, "bytes=0-0, 5-9", 100)
	if !reflect.DeepEqual(got, []Range{{0, 0}, {5, 9}}) {
		t.Fatalf("got %v", got)
	}
}

func TestMalformedHeaders(t *testing.T) {
	for _, header := range []string{"items=0-1", "bytes=", "bytes=a-b", "bytes=5-1", "bytes=--5", "bytes=1"} {
		if _, err := Parse(header, 100); !errors.Is(err, ErrMalformed) {
			t.Errorf("Parse(%q): got %v, want ErrMalformed", header, err)
		}
	}
}

func TestUnsatisfiable(t *testing.T) {
	for _, header := range []string{"bytes=100-", "bytes=200-300"} {
		if _, err := Parse(header, 100); !errors.Is(err, ErrUnsatisfiable) {
			t.Errorf("Parse(%q): got %v, want ErrUnsatisfiable", header, err)
		}
	}
}

func TestSuffixRange(t *testing.T) {
	got := mustParse(t, "bytes=-500", 10000)
	if !reflect.DeepEqual(got, []Range{{9500, 9999}}) {
		t.Fatalf("got %v", got)
	}
	got = mustParse(t, "bytes=-500", 200)
	if !reflect.DeepEqual(got, []Range{{0, 199}}) {
		t.Fatalf("suffix longer than file: got %v", got)
	}
	if _, err := Parse("bytes=-0", 200); !errors.Is(err, ErrUnsatisfiable) {
		t.Fatalf("bytes=-0: got %v, want ErrUnsatisfiable", err)
	}
}

func TestEndPastSizeIsClamped(t *testing.T) {
	got := mustParse(t, "bytes=9000-20000", 10000)
	if !reflect.DeepEqual(got, []Range{{9000, 9999}}) {
		t.Fatalf("got %v", got)
	}
}
