"""Which files of a patch are tests: naming conventions, and the paths a unified diff touches.
Pure."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from pathlib import PurePosixPath

_TEST_NAME = re.compile(
    r"^(test_.*\.py|.*_test\.py|tests\.py|conftest\.py|.*_test\.go|.*\.(test|spec)\.[cm]?[jt]sx?)$"
)
_TEST_DIRS = {"tests", "__tests__"}


def is_test_path(path: str) -> bool:
    """Whether `path` is a test file by naming convention (test_*.py, *_test.go, *.spec.ts,
    conftest.py, anything under a `tests/` directory, ...)."""
    parts = PurePosixPath(path).parts
    return bool(parts) and (
        _TEST_NAME.match(parts[-1]) is not None or bool(_TEST_DIRS & set(parts[:-1]))
    )


def split_patch(patch: str) -> list[tuple[list[str], str]]:
    """A unified diff as (paths it touches, its text) per file, in order."""
    chunks: list[list[str]] = []
    for line in patch.splitlines(keepends=True):
        if line.startswith("diff --git ") or not chunks:
            chunks.append([])
        chunks[-1].append(line)
    return [(_chunk_paths(chunk), "".join(chunk)) for chunk in chunks if "".join(chunk).strip()]


def _chunk_paths(chunk: list[str]) -> list[str]:
    paths: list[str] = []
    for line in chunk:
        for prefix in ("--- a/", "+++ b/", "rename from ", "rename to ", "copy from ", "copy to "):
            if line.startswith(prefix):
                paths.append(line[len(prefix) :].rstrip("\n").split("\t")[0].strip('"'))
    if not paths and chunk[0].startswith("diff --git "):
        _, _, rest = chunk[0].rstrip("\n").partition(" a/")
        paths += rest.split(" b/", 1)
    return sorted(set(paths))


def patch_paths(patch: str) -> list[str]:
    """Every path a unified diff touches."""
    return sorted({p for paths, _ in split_patch(patch) for p in paths})


def strip_test_changes(patch: str, is_test: Callable[[str], bool]) -> tuple[str, list[str]]:
    """(`patch` without the files `is_test` selects, the paths left out)."""
    kept, dropped = [], []
    for paths, text in split_patch(patch):
        if any(is_test(p) for p in paths):
            dropped += paths
        else:
            kept.append(text)
    return "".join(kept), sorted(set(dropped))


def test_file_rule(protected: Collection[str]) -> Callable[[str], bool]:
    """A test-file predicate: the `protected` paths, plus any test file by naming convention."""
    chosen = set(protected)
    return lambda path: path in chosen or is_test_path(path)


def files_of(test_ids: Sequence[str]) -> list[str]:
    """The files pytest-style ids name (`path::...`); ids without a path name none."""
    return sorted({t.split("::")[0] for t in test_ids if "::" in t or t.endswith(".py")})


def file_of(test_id: str) -> str:
    """The file part of a pytest-style id (`path::name` -> `path`)."""
    return test_id.split("::")[0]


test_file_rule.__test__ = False  # type: ignore[attr-defined]
