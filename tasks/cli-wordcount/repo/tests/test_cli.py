import io

from textstat.cli import main


def run(argv, stdin_text=""):
    out, err = io.StringIO(), io.StringIO()
    status = main(argv, stdin=io.StringIO(stdin_text), stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


def test_single_file_all_counts(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("one two three\n")
    status, out, _ = run([str(path)])
    assert status == 0
    assert out == f"      1       3      14 {path}\n"


def test_only_lines_flag(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("x\ny\n")
    assert run(["-l", str(path)])[1] == f"      2 {path}\n"


def test_missing_file_reports_error(tmp_path):
    status, out, err = run([str(tmp_path / "nope.txt")])
    assert status == 1
    assert out == ""
    assert "No such file or directory" in err


def test_dash_reads_stdin():
    status, out, _ = run(["-w", "-"], stdin_text="from a pipe\n")
    assert status == 0
    assert out == "      3 -\n"


def test_total_line_for_several_files(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("one two\nthree four\n")
    b.write_text("x y z\n")
    status, out, _ = run([str(a), str(b)])
    assert status == 0
    assert out.splitlines() == [
        f"      2       4      19 {a}",
        f"      1       3       6 {b}",
        "      3       7      25 total",
    ]
