"""The pure diff core: parsing repairs, the tolerant matcher, refusals, all-or-nothing."""

from __future__ import annotations

import pytest

from devagent.tools.diffparse import PatchFormatError, parse_patch
from devagent.tools.patch import PatchResult, apply_file_patches

SOURCE = "".join(f"line {i}\n" for i in range(1, 41))


def apply(patch: str, files: dict[str, str | None]) -> PatchResult:
    return apply_file_patches(parse_patch(patch), files)


def expected_source(**changes: str) -> str:
    lines = SOURCE.splitlines(keepends=True)
    for key, value in changes.items():
        lines[int(key[1:]) - 1] = value
    return "".join(lines)


GOOD = """--- a/f.txt
+++ b/f.txt
@@ -18,7 +18,7 @@
 line 18
 line 19
 line 20
-line 21
+LINE 21
 line 22
 line 23
 line 24
"""


def test_exact_patch_applies() -> None:
    result = apply(GOOD, {"f.txt": SOURCE})
    assert result.ok
    assert result.contents == {"f.txt": expected_source(l21="LINE 21\n")}
    assert result.notes == ()


@pytest.mark.parametrize(
    "header", ["@@ -3,7 +3,7 @@", "@@ -180,2 +180,9 @@", "@@ ... @@", "@@", "@@ -18 +18 @@"]
)
def test_wrong_or_missing_line_numbers_are_tolerated(header: str) -> None:
    patch = GOOD.replace("@@ -18,7 +18,7 @@", header)
    assert apply(patch, {"f.txt": SOURCE}).contents == {"f.txt": expected_source(l21="LINE 21\n")}


def test_missing_context_is_tolerated() -> None:
    patch = "--- a/f.txt\n+++ b/f.txt\n@@ -21,2 +21,2 @@\n-line 21\n+LINE 21\n line 22\n"
    assert apply(patch, {"f.txt": SOURCE}).contents["f.txt"] == expected_source(l21="LINE 21\n")


def test_invented_context_lines_are_dropped() -> None:
    patch = GOOD.replace(" line 18\n", " not in the file\n line 18\n").replace(
        " line 24\n", " line 24\n also invented\n"
    )
    result = apply(patch, {"f.txt": SOURCE})
    assert result.contents == {"f.txt": expected_source(l21="LINE 21\n")}
    assert "trimmed context" in result.notes[0]


def test_which_context_line_was_invented_is_ambiguous_when_both_fit_somewhere() -> None:
    source = "x\na\nb\nc\nq\n" + "-\n" * 30 + "p\na\nb\nc\ny\n"
    patch = "--- f\n+++ f\n@@ -20,5 +20,5 @@\n x\n a\n-b\n+B\n c\n y\n"
    result = apply(patch, {"f": source})
    assert not result.ok
    assert result.failures[0].candidates == (1, 36)


def test_dropped_middle_context_line_is_matched_fuzzily() -> None:
    body = " line 18\n-line 19\n+LINE 19\n line 20\n line 22\n-line 23\n+LINE 23\n line 24\n"
    result = apply(f"--- f.txt\n+++ f.txt\n@@ -18,7 +18,7 @@\n{body}", {"f.txt": SOURCE})
    assert result.contents == {"f.txt": expected_source(l19="LINE 19\n", l23="LINE 23\n")}
    assert "fuzzy" in result.notes[0]


def test_whitespace_only_differences_in_context_are_tolerated() -> None:
    patch = GOOD.replace(" line 19\n", "   line   19  \n").replace("-line 21\n", "-line\t21\n")
    assert apply(patch, {"f.txt": SOURCE}).contents == {"f.txt": expected_source(l21="LINE 21\n")}


def test_context_keeps_the_files_own_whitespace() -> None:
    source = "def f():\n\tx = 1\n\ty = 2\n\treturn x\n"
    body = " def f():\n     x = 1\n-    y = 2\n+\ty = 3\n     return x\n"
    patch = f"--- f.py\n+++ f.py\n@@ -1,4 +1,4 @@\n{body}"
    assert apply(patch, {"f.py": source}).contents == {"f.py": source.replace("y = 2", "y = 3")}


def test_hunk_indented_wrongly_as_a_whole_is_reindented() -> None:
    source = "class A:\n    def f(self):\n        x = 1\n        return x\n"
    body = " def f(self):\n-    x = 1\n+    x = 2\n+    y = 3\n     return x\n"
    result = apply(f"--- a.py\n+++ a.py\n@@ -2,3 +2,4 @@\n{body}", {"a.py": source})
    expected = source.replace("        x = 1\n", "        x = 2\n        y = 3\n")
    assert result.contents == {"a.py": expected}


def test_missing_a_b_prefixes_are_tolerated() -> None:
    patch = GOOD.replace("a/f.txt", "f.txt").replace("b/f.txt", "f.txt")
    assert apply(patch, {"f.txt": SOURCE}).contents == {"f.txt": expected_source(l21="LINE 21\n")}


def test_two_spellings_of_one_path_are_one_file() -> None:
    second = "--- ./f.txt\n+++ ./f.txt\n@@ -30,3 +30,3 @@\n line 30\n-line 31\n+LINE 31\n line 32\n"
    result = apply(GOOD + second, {"f.txt": SOURCE})
    assert result.contents == {"f.txt": expected_source(l21="LINE 21\n", l31="LINE 31\n")}


def test_crlf_diff_on_lf_file() -> None:
    patch = GOOD.replace("\n", "\r\n")
    assert apply(patch, {"f.txt": SOURCE}).contents == {"f.txt": expected_source(l21="LINE 21\n")}


def test_lf_diff_on_crlf_file_keeps_crlf() -> None:
    crlf = SOURCE.replace("\n", "\r\n")
    result = apply(GOOD, {"f.txt": crlf})
    assert result.contents == {"f.txt": crlf.replace("line 21\r\n", "LINE 21\r\n")}


def test_crlf_diff_on_crlf_file() -> None:
    crlf = SOURCE.replace("\n", "\r\n")
    result = apply(GOOD.replace("\n", "\r\n"), {"f.txt": crlf})
    assert result.contents == {"f.txt": crlf.replace("line 21\r\n", "LINE 21\r\n")}


def test_file_without_final_newline_keeps_that_state() -> None:
    source = "a\nb\nc"
    patch = "--- x\n+++ x\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c"
    assert apply(patch, {"x": source}).contents == {"x": "a\nB\nc"}


def test_diff_without_final_newline_on_normal_file() -> None:
    patch = GOOD.rstrip("\n")
    assert apply(patch, {"f.txt": SOURCE}).contents == {"f.txt": expected_source(l21="LINE 21\n")}


def test_no_newline_marker_removes_final_newline() -> None:
    patch = "--- x\n+++ x\n@@ -1,2 +1,2 @@\n a\n-b\n+B\n\\ No newline at end of file\n"
    assert apply(patch, {"x": "a\nb\n"}).contents == {"x": "a\nB"}


def test_blank_context_lines_without_their_space_are_context() -> None:
    source = "a\n\nb\nc\n"
    patch = "--- x\n+++ x\n@@ -1,4 +1,4 @@\n a\n\n b\n-c\n+C\n"
    assert apply(patch, {"x": source}).contents == {"x": "a\n\nb\nC\n"}


def test_markdown_fences_are_ignored() -> None:
    patch = "```diff\n" + GOOD + "```\n"
    assert apply(patch, {"f.txt": SOURCE}).contents == {"f.txt": expected_source(l21="LINE 21\n")}


def test_hunks_after_a_shifted_one_follow_its_offset() -> None:
    source = "x\n" * 5 + SOURCE
    patch = GOOD + "@@ -30,3 +30,3 @@\n line 30\n-line 31\n+LINE 31\n line 32\n"
    result = apply(patch, {"f.txt": source})
    expected = "x\n" * 5 + expected_source(l21="LINE 21\n", l31="LINE 31\n")
    assert result.contents == {"f.txt": expected}


AMBIGUOUS_SOURCE = "a\nsame 1\nsame 2\nsame 3\nb\nc\nd\nsame 1\nsame 2\nsame 3\ne\n"
AMBIGUOUS = "--- x\n+++ x\n@@ -40,3 +40,3 @@\n same 1\n-same 2\n+SAME 2\n same 3\n"


def test_ambiguous_hunk_is_refused_with_the_candidates() -> None:
    result = apply(AMBIGUOUS, {"x": AMBIGUOUS_SOURCE})
    assert not result.ok
    assert result.contents == {}
    failure = result.failures[0]
    assert (failure.path, failure.hunk, failure.candidates) == ("x", 1, (2, 8))


def test_a_line_number_alone_does_not_pick_between_equal_places() -> None:
    """A model's line number is weak evidence: pointing at (or near) one copy is not enough."""
    for start in (2, 8, 9, 10):
        patch = AMBIGUOUS.replace("@@ -40,3 +40,3 @@", f"@@ -{start},3 +{start},3 @@")
        result = apply(patch, {"x": AMBIGUOUS_SOURCE})
        assert not result.ok, start
        assert result.failures[0].candidates == (2, 8)


def test_a_far_line_number_does_not_pick_either() -> None:
    source = AMBIGUOUS_SOURCE + "filler\n" * 20 + "same 1\nsame 2\nsame 3\n"
    patch = AMBIGUOUS.replace("@@ -40,3 +40,3 @@", "@@ -30,3 +30,3 @@")
    assert apply(patch, {"x": source}).failures[0].candidates == (2, 8, 32)


TRUSTED_SOURCE = "".join(f"line {i}\n" for i in range(1, 21)) + AMBIGUOUS_SOURCE
"""20 distinct lines, then the two copies of the same block at lines 22 and 28."""


def test_line_numbers_decide_when_every_other_hunk_landed_exactly_at_its_line() -> None:
    patch = (
        "--- x\n+++ x\n@@ -4,3 +4,3 @@\n line 4\n-line 5\n+LINE 5\n line 6\n"
        "@@ -28,3 +28,3 @@\n same 1\n-same 2\n+SAME 2\n same 3\n"
    )
    result = apply(patch, {"x": TRUSTED_SOURCE})
    assert result.ok, result.failures
    text = result.contents["x"]
    assert text is not None and "LINE 5\n" in text
    assert text.endswith("same 1\nSAME 2\nsame 3\ne\n")
    assert text.count("same 2\n") == 1


def test_line_numbers_do_not_decide_when_another_hunk_was_off() -> None:
    patch = (
        "--- x\n+++ x\n@@ -7,3 +7,3 @@\n line 4\n-line 5\n+LINE 5\n line 6\n"
        "@@ -28,3 +28,3 @@\n same 1\n-same 2\n+SAME 2\n same 3\n"
    )
    result = apply(patch, {"x": TRUSTED_SOURCE})
    assert not result.ok
    assert result.failures[0].candidates == (22, 28)


@pytest.mark.parametrize(
    "patch",
    [
        "--- x\n+++ x\n@@ -1,2 +1,3 @@\n a\n-b\n\\ No newline at end of file\n+b\n+\n",
        "--- x\n+++ x\n@@ -1,2 +1,3 @@\n a\n b\n+\n",
        "--- x\n+++ x\n@@ -2 +2,2 @@\n b\n+\n",
    ],
)
def test_file_without_final_newline_keeps_the_blank_line_the_diff_adds(patch: str) -> None:
    assert apply(patch, {"x": "a\nb"}).contents == {"x": "a\nb\n\n"}


def test_far_fetched_match_is_refused_and_closest_lines_shown() -> None:
    patch = GOOD.replace(" line 18\n line 19\n line 20\n", " foo\n bar\n baz\n").replace(
        " line 22\n line 23\n", " qux\n quux\n"
    )
    result = apply(patch, {"f.txt": SOURCE})
    assert not result.ok
    assert result.failures[0].hunk == 1
    assert (21, "line 21") in result.failures[0].closest


def test_already_applied_hunk_is_reported() -> None:
    applied = expected_source(l21="LINE 21\n")
    failure = apply(GOOD, {"f.txt": applied}).failures[0]
    assert failure.already_applied_at == 18


def test_all_or_nothing_across_files() -> None:
    bad = GOOD.replace("f.txt", "g.txt").replace("-line 21", "-line 99")
    result = apply(GOOD + bad, {"f.txt": SOURCE, "g.txt": SOURCE})
    assert result.contents == {}
    assert [(f.path, f.hunk) for f in result.failures] == [("g.txt", 1)]


def test_file_creation() -> None:
    patch = "--- /dev/null\n+++ b/new.py\n@@ -0,0 +1,2 @@\n+x = 1\n+y = 2\n"
    assert apply(patch, {"new.py": None}).contents == {"new.py": "x = 1\ny = 2\n"}


def test_creation_over_existing_file_is_refused() -> None:
    patch = "--- /dev/null\n+++ b/new.py\n@@ -0,0 +1,1 @@\n+x = 1\n"
    assert apply(patch, {"new.py": "other\n"}).failures[0].reason.endswith("already exists")


def test_file_deletion() -> None:
    patch = "--- a/old.txt\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-a\n-b\n"
    assert apply(patch, {"old.txt": "a\nb\n"}).contents == {"old.txt": None}


def test_git_rename_with_change() -> None:
    patch = (
        "diff --git a/f.txt b/g.txt\nsimilarity index 90%\nrename from f.txt\nrename to g.txt\n"
        + GOOD.replace("+++ b/f.txt", "+++ b/g.txt")
    )
    result = apply(patch, {"f.txt": SOURCE, "g.txt": None})
    assert result.contents == {"g.txt": expected_source(l21="LINE 21\n"), "f.txt": None}


def test_pure_git_rename() -> None:
    patch = (
        "diff --git a/f.txt b/g.txt\nsimilarity index 100%\nrename from f.txt\nrename to g.txt\n"
    )
    assert apply(patch, {"f.txt": "a\n", "g.txt": None}).contents == {"g.txt": "a\n", "f.txt": None}


@pytest.mark.parametrize("text", ["", "\n\n", "just some prose\n", "```diff\n```\n"])
def test_empty_patch_is_refused(text: str) -> None:
    with pytest.raises(PatchFormatError, match="no file changes"):
        parse_patch(text)


def test_two_hunks_on_the_same_file_apply_in_order() -> None:
    patch = GOOD + "@@ -35,3 +35,4 @@\n line 35\n+inserted\n line 36\n line 37\n"
    expected = expected_source(l21="LINE 21\n", l35="line 35\ninserted\n")
    assert apply(patch, {"f.txt": SOURCE}).contents == {"f.txt": expected}
