from pathlib import Path

import pytest

from devagent.tools.view import VIEW
from tests.tools.helpers import make_ctx, write_tree


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    lines = "".join(f"line {n}\n" for n in range(1, 501))
    return write_tree(
        tmp_path,
        {
            "big.txt": lines,
            "small.py": "a = 1\nb = 2\n",
            "img.png": b"\x89PNG\r\n\x1a\n" + bytes(100),
            "data.bin": b"abc\x00def",
            ".gitignore": "*.log\n",
            "x.log": "noise",
            "src/pkg/mod.py": "",
            "src/pkg/deep/inner.py": "",
            ".git/HEAD": "ref",
            "node_modules/lib/index.js": "",
        },
    )


def test_long_file_shows_default_window_and_how_to_see_more(repo: Path) -> None:
    obs = VIEW({"path": "big.txt"}, make_ctx(repo))
    lines = obs.text.splitlines()
    assert lines[0] == "big.txt (lines 1-200 of 500)"
    assert lines[1] == "  1\tline 1"
    assert lines[200] == "200\tline 200"
    assert lines[-1] == "[lines 201-500 below: view with start_line=201]"


def test_requested_range_is_shown_and_capped_by_window(repo: Path) -> None:
    obs = VIEW({"path": "big.txt", "start_line": 480, "end_line": 490}, make_ctx(repo))
    assert obs.text.splitlines()[0] == "big.txt (lines 480-490 of 500)"
    assert obs.text.splitlines()[1] == "480\tline 480"
    capped = VIEW(
        {"path": "big.txt", "start_line": 10, "end_line": 400, "window": 5}, make_ctx(repo)
    )
    assert capped.text.splitlines()[0] == "big.txt (lines 10-14 of 500)"
    assert "view with start_line=15" in capped.text


def test_short_file_has_no_truncation_note(repo: Path) -> None:
    obs = VIEW({"path": "/workspace/small.py"}, make_ctx(repo))
    assert obs.text == "small.py (lines 1-2 of 2)\n1\ta = 1\n2\tb = 2"


def test_binary_files_are_refused_with_size_and_type(repo: Path) -> None:
    png = VIEW({"path": "img.png"}, make_ctx(repo))
    assert not png.ok
    assert png.text == "img.png: PNG image, 108 bytes; not shown (binary file)."
    assert "binary data, 7 bytes" in VIEW({"path": "data.bin"}, make_ctx(repo)).text


def test_directory_tree_honours_ignores_and_depth(repo: Path) -> None:
    obs = VIEW({"path": "."}, make_ctx(repo))
    assert obs.text.splitlines() == [
        "./ (directory, 2 levels shown)",
        "src/",
        "  pkg/",
        ".gitignore",
        "big.txt",
        "data.bin",
        "img.png",
        "small.py",
    ]
    deep = VIEW({"path": "src", "depth": 3}, make_ctx(repo))
    assert deep.text.splitlines() == [
        "src/ (directory, 3 levels shown)",
        "pkg/",
        "  deep/",
        "    inner.py",
        "  mod.py",
    ]


def test_missing_file_and_escape_are_failures(repo: Path) -> None:
    missing = VIEW({"path": "nope.py"}, make_ctx(repo))
    assert not missing.ok and "no such file" in missing.text
    escape = VIEW({"path": "../etc/passwd"}, make_ctx(repo))
    assert not escape.ok and "outside the workspace" in escape.text


def test_very_long_lines_are_cut_with_a_way_to_see_them(tmp_path: Path) -> None:
    write_tree(tmp_path, {"wide.txt": "short\n" + "x" * 1000 + "\n"})
    line = VIEW({"path": "wide.txt"}, make_ctx(tmp_path)).text.splitlines()[2]
    assert line == (
        "2\t"
        + "x" * 400
        + " [... line cut at 400 of 1000 chars; see it all with run `sed -n 2p wide.txt`]"
    )
