import pytest

from salespipe.reader import read_rows


def test_reads_simple_rows():
    rows = read_rows(["a,b\n", "1,2\n", "\n", "3,4\n"])
    assert rows == [{"a": "1", "b": "2"}, {"a": "3", "b": "4"}]


def test_rejects_short_rows():
    with pytest.raises(ValueError, match="row 2"):
        read_rows(["a,b,c\n", "1,2\n"])


def test_quoted_field_with_comma():
    rows = read_rows(['customer,region\n', '"Acme, Inc.",EMEA\n'])
    assert rows == [{"customer": "Acme, Inc.", "region": "EMEA"}]


def test_escaped_quotes_inside_field():
    rows = read_rows(['customer,region\n', '"The ""Best"" Shop",APAC\n'])
    assert rows[0]["customer"] == 'The "Best" Shop'
