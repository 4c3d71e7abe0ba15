import io

from salespipe.reader import read_rows
from salespipe.writer import write_rows


def test_writer_simple_rows():
    out = io.StringIO()
    write_rows(out, ["a", "b"], [{"a": 1, "b": "x"}])
    assert out.getvalue().splitlines() == ["a,b", "1,x"]


def test_writer_quotes_fields_with_commas():
    out = io.StringIO()
    write_rows(out, ["customer", "n"], [{"customer": "Acme, Inc.", "n": 1}])
    out.seek(0)
    assert read_rows(out) == [{"customer": "Acme, Inc.", "n": "1"}]
