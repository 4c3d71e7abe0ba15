import pytest

from mdtable import render


def split_row(line):
    """Split a rendered row on unescaped pipes."""
    cells, current, escaped = [], "", False
    for ch in line.strip()[1:-1]:
        if ch == "|" and not escaped:
            cells.append(current.strip())
            current = ""
        else:
            current += ch
        escaped = ch == "\\" and not escaped
    cells.append(current.strip())
    return cells


def test_basic_table():
    out = render([{"name": "ada", "age": 36}, {"name": "alan", "age": 41}])
    assert out == (
        "| name | age |\n"
        "| ---- | --- |\n"
        "| ada  | 36  |\n"
        "| alan | 41  |\n"
    )


def test_alignment_markers():
    out = render([{"item": "tea", "price": 3}], align={"price": "right", "item": "center"})
    assert out.splitlines()[1] == "| :--: | ----: |"
    assert out.splitlines()[2] == "| tea  |     3 |"


def test_missing_values_render_empty():
    out = render([{"a": 1}, {"b": 2}])
    assert out.splitlines()[2] == "| 1   |     |"


def test_explicit_column_order():
    out = render([{"a": 1, "b": 2}], columns=["b", "a"])
    assert out.splitlines()[0] == "| b   | a   |"


def test_unknown_alignment_rejected():
    with pytest.raises(ValueError, match="justify"):
        render([{"a": 1}], align={"a": "justify"})


def test_pipe_in_cell_is_escaped():
    out = render([{"flag": "--mode a|b", "help": "choose"}])
    row = out.splitlines()[2]
    assert "a\\|b" in row
    assert split_row(row) == ["--mode a\\|b", "choose"]


def test_newline_in_cell_becomes_br():
    out = render([{"flag": "--note", "help": "first line\nsecond line"}])
    lines = out.splitlines()
    assert len(lines) == 3
    assert split_row(lines[2]) == ["--note", "first line<br>second line"]


def test_columns_stay_aligned_with_escaped_cells():
    out = render([{"x": "a|b"}, {"x": "cc"}])
    lines = out.splitlines()
    assert len({len(line) for line in lines}) == 1
    assert lines[2] == "| a\\|b |"
